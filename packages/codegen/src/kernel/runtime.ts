/**
 * The host runtime every kernel module carries (fixed text, no user input): parameter views,
 * argument checks, the tape between forward and backward (whole, checkpointed every K steps, or
 * none for inference), and the streaming `step` API. It calls the sweeps `forward_kernel` /
 * `backward_kernel` and, for inference (`tape: false`, `step`), `infer_kernel` (the forward
 * without a tape), whatever backend produced them, and hands them arrays of the kernel source's
 * compute type `$KF`.
 */
// The fixed runtime. `$`-names are filled in above; helper names start with `$`, which no
// sanitised name can, so they never meet a cell's names.
export const RUNTIME = `// runtime: parameter views, argument checks, the tape, checkpointed BPTT, the streaming step API
const layout = Object.freeze($LAYOUT);
const $STATES = $STATESDEF;
const info = Object.freeze($INFO);
// rows (steps × batch) a forward without a tape runs at once: the kernel's buffers stay small
const $CHUNK_ROWS = 4096;
function $own(o, k) { return o != null && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined; }
function $view(data) {
  return { data, layout, get(name) {
    const s = layout.find((l) => l.name === name);
    if (!s) throw new Error("unknown parameter " + JSON.stringify(name) + " (parameters: " + layout.map((l) => l.name).join(", ") + ")");
    return data.subarray(s.offset, s.offset + s.size);
  } };
}
function $what(v) { return v === null ? "null" : typeof v === "string" ? JSON.stringify(v) : typeof v === "object" ? "an object" : String(v); }
// values must be numbers: a string or object would be converted silently ("1" → 1, {} → NaN)
function $numbers(v, what) {
  if (v == null || typeof v !== "object" || typeof v.length !== "number") throw new Error(what + " must be an array of numbers, got " + $what(v));
  if (ArrayBuffer.isView(v)) return;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== "number") throw new Error(what + "[" + i + "] is " + $what(v[i]) + ", expected a number");
}
function params(data) {
  const d = new $F($PSIZE);
  if (data !== undefined) {
    $numbers(data, "parameters");
    if (data.length !== $PSIZE) throw new Error("parameters: expected $PSIZE values, got " + data.length);
    d.set(data);
  }
  return $view(d);
}
function $lengths(lengths, B, T) {
  if (lengths === undefined || lengths === null) return null;
  if (lengths.length !== B) throw new Error("forward: lengths needs " + B + " values (one per sequence), got " + lengths.length);
  const len = new Int32Array(B);
  let all = true;
  for (let b = 0; b < B; b++) {
    const l = lengths[b];
    if (!Number.isInteger(l) || l < 0 || l > T) throw new Error("forward: lengths[" + b + "] = " + l + " must be an integer in [0, " + T + "]");
    len[b] = l;
    if (l !== T) all = false;
  }
  return all ? null : len;
}
// the lengths of steps [t0, t0 + n) of the sequence: null where every row runs all n
function $segLengths(len, t0, n) {
  if (len === null) return null;
  const s = Int32Array.from(len, (l) => Math.max(0, Math.min(n, l - t0)));
  return s.every((l) => l === n) ? null : s;
}
// what the kernel gets is in its compute type $KF (declared by the kernel source: Float64Array for JS)
function $rows(v, n, what) {
  const a = new $KF(n);
  if (v !== undefined && v !== null) {
    $numbers(v, what);
    if (v.length !== n) throw new Error(what + " needs " + n + " values, got " + v.length);
    a.set(v);
  }
  return a;
}
// padding (steps t ≥ len[b], rows [T][B][w]) is never read: NaN or Infinity there has no effect
function $zeroPadding(a, len, T, B, w) {
  if (len === null || w === 0) return a;
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t >= len[b]) a.fill(0, (t * B + b) * w, (t * B + b + 1) * w);
  return a;
}
// what the caller gets, in the kernel's dtype (kernels compute and keep $KF inside)
function $out(a) { return a instanceof $F ? a : $F.from(a); }
// a sweep marked \`memory\` (the wasm backend's) copies its arguments into its own memory, so the
// runtime may hand it arrays it does not own, and given a trailing true it returns views of that
// memory, valid until its next call: the runtime then copies out what it keeps
function $copy(a) { return a instanceof $F ? a.slice() : $F.from(a); }
// copies of arrays, in one allocation
function $keep(as) {
  let n = 0;
  for (const a of as) n += a.length;
  const buf = new $KF(n);
  let o = 0;
  return as.map((a) => { const s = buf.subarray(o, o + a.length); s.set(a); o += a.length; return s; });
}
// The tape in place (sweeps marked \`memory\` whose backward reads it where the forward left it,
// \`backward_kernel.inPlace\`: the wasm backend's): a taped run's tape stays in the sweep's memory,
// neither copied out after the forward nor back in for backward, while $home is that run's. Any
// other call that would overwrite it first evicts it: a run that has had no backward yet gets its
// copy (one allocation); a run that has is dropped instead, and should a backward of it come
// again, the forward is run again from the run's own copies of its inputs (same code, same
// values: the same tape bit for bit). Reading any field of run.tape gives the run its own copy.
const $inPlace = forward_kernel.memory === true && Array.isArray(backward_kernel.inPlace);
let $home = null;
function $evict() {
  const t = $home;
  if (t === null) return;
  $home = null;
  if (t.used) t.hist = t.saved = null;
  else $ownTape(t, t.hist, t.saved);
}
function $ownTape(t, hist, saved) {
  const kept = $keep([...hist, ...saved]);
  t.hist = kept.slice(0, $STATES.length);
  t.saved = kept.slice($STATES.length);
}
// the run's forward again, its tape left in the memory (a dropped tape, before its backward)
function $reHome(t) {
  $evict();
  const res = forward_kernel(t.p, t.T, t.B, t.len, t.x, ...t.init, true);
  t.hist = res.slice(1, 1 + $STATES.length);
  t.saved = res.slice(1 + $STATES.length);
  $home = t;
}
// run.tape of a run whose tape may be in place: its fields, the run's own copies once read
function $mine(t) {
  if ($home === t) {
    $home = null;
    $ownTape(t, t.hist, t.saved);
  } else if (t.hist === null) {
    $reHome(t);
    $home = null;
    $ownTape(t, t.hist, t.saved);
  }
  return t;
}
class $Tape {
  constructor(t) { this.$t = t; }
  get p() { return $mine(this.$t).p; }
  set p(v) { $mine(this.$t).p = v; }
  get x() { return $mine(this.$t).x; }
  set x(v) { $mine(this.$t).x = v; }
  get len() { return $mine(this.$t).len; }
  set len(v) { $mine(this.$t).len = v; }
  get hist() { return $mine(this.$t).hist; }
  set hist(v) { $mine(this.$t).hist = v; }
  get saved() { return $mine(this.$t).saved; }
  set saved(v) { $mine(this.$t).saved = v; }
}
// an argument the sweep only reads, as is where the sweep copies it in and it is already the
// compute type of the right size, else a checked copy
function $arg(sweep, v, n, what) { return sweep.memory === true && v instanceof $KF && v.length === n ? v : $rows(v, n, what); }
// parameters of another size would be read out of bounds (NaN) or in part, and another kernel's
// layout (another order, e.g. the reference kernel's) would bind values to the wrong names
function $params(p, what) {
  if (!p || !p.data || p.data.length !== $PSIZE) throw new Error(what + ": parameters have " + (p && p.data ? p.data.length : 0) + " values, the layout needs $PSIZE (cell " + JSON.stringify(info.name) + ")");
  const other = p.layout;
  if (other !== undefined && other !== layout) {
    const bad = layout.find((s, i) => !other[i] || other[i].name !== s.name || other[i].offset !== s.offset || other[i].size !== s.size);
    if (bad) throw new Error(what + ": parameters are laid out for another kernel (" + bad.name + " is at offset " + bad.offset + " in cell " + JSON.stringify(info.name) + "'s layout); copy them by name: params() then get(name).set(...)");
  }
  return p.data;
}
// checkpoint: undefined (a full tape), a positive integer K or "auto" (K ≈ √T); tape: false keeps none
function $tapeMode(opts, T) {
  const tape = opts.tape, ck = opts.checkpoint;
  if (tape !== undefined && typeof tape !== "boolean") throw new Error("forward: tape must be true or false, got " + $what(tape));
  if (ck === undefined || ck === null) return tape === false ? { K: Math.max(1, Math.floor($CHUNK_ROWS / opts.batch)), keep: false } : null;
  if (tape === false) throw new Error("forward: checkpoint " + $what(ck) + " needs a tape (it is for backward); drop tape: false or the checkpoint");
  if (ck === "auto") return { K: Math.max(1, Math.round(Math.sqrt(T))), keep: true };
  if (!Number.isInteger(ck) || ck < 1) throw new Error("forward: checkpoint must be a positive integer (steps between stored states) or \\"auto\\", got " + $what(ck));
  return { K: ck, keep: true };
}
function forward(p, x, opts) {
  if (opts == null || typeof opts !== "object") throw new Error("forward: options { batch, … } are required");
  const B = opts.batch;
  if (!Number.isInteger(B) || B <= 0) throw new Error("forward: batch must be a positive integer, got " + B);
  $params(p, "forward");
  $numbers(x, "forward: x");
  if (x.length % (B * $IW) !== 0) throw new Error("forward: x has " + x.length + " values, not a multiple of B·I = " + B * $IW);
  const T = $IW === 0 ? 0 : x.length / (B * $IW);
  const initial = opts.initial || {};
  for (const k of Object.keys(initial)) if (!$STATES.some((s) => s.name === k)) throw new Error("forward: unknown state " + JSON.stringify(k) + " in initial (states: " + $STATES.map((s) => s.name).join(", ") + ")");
  const inits = $STATES.map((s) => $rows($own(initial, s.name), B * s.width, "forward: initial " + s.name));
  const len = $lengths(opts.lengths, B, T);
  const mode = $tapeMode(opts, T);
  // inference keeps nothing, so x and parameters already in the compute type (x without padding)
  // are read in place
  const infer = mode !== null && !mode.keep;
  const xs = infer && len === null && x instanceof $KF ? x : $zeroPadding($rows(x, x.length, "forward: x"), len, T, B, $IW);
  const pd = infer && p.data instanceof $KF ? p.data : $KF.from(p.data);
  $evict();
  if (mode === null) {
    const views = forward_kernel.memory === true;
    const res = forward_kernel(pd, T, B, len, xs, ...inits, views);
    // the tape: the state histories and saved values (in place, or one allocation when they are views)
    const kept = views && !$inPlace ? $keep(res.slice(1)) : res.slice(1);
    const hist = kept.slice(0, $STATES.length);
    const final = Object.fromEntries($STATES.map((s, k) => [s.name, $F.from(hist[k].subarray(T * B * s.width, (T + 1) * B * s.width))]));
    const output = views ? $copy(res[0]) : $out(res[0]);
    const saved = kept.slice($STATES.length);
    if (!$inPlace) return { T, B, output, final, kernel: info, tape: { p: pd, x: xs, len, hist, saved } };
    const t = { p: pd, x: xs, len, hist, saved, init: inits, T, B, used: false };
    $home = t;
    return { T, B, output, final, kernel: info, tape: new $Tape(t) };
  }
  if (!mode.keep) {
    // inference: the sweep without a tape (infer_kernel), K steps at a time, each segment
    // starting from the previous one's final state; one segment's output is the output
    let cur = inits;
    let output = T === 0 ? new $F(0) : null;
    const views = infer_kernel.memory === true;
    for (let t0 = 0; t0 < T; t0 += mode.K) {
      const n = Math.min(mode.K, T - t0);
      const res = infer_kernel(pd, n, B, $segLengths(len, t0, n), xs.subarray(t0 * B * $IW, (t0 + n) * B * $IW), ...cur, views);
      if (n === T) output = views ? $copy(res[0]) : $out(res[0]);
      else {
        if (output === null) output = new $F(T * B * $OW);
        output.set(res[0], t0 * B * $OW);
      }
      cur = res.slice(1, 1 + $STATES.length);
      // views: the next call (or the next use) must not read the memory it reuses
      if (views && t0 + n < T) cur = cur.map((a) => a.slice());
    }
    const final = Object.fromEntries($STATES.map((s, k) => [s.name, $F.from(cur[k])]));
    return { T, B, output, final, kernel: info, tape: null };
  }
  // segments of K steps: each starts from the previous one's final state; only the states at the
  // segment starts are kept (for backward to recompute each segment's tape)
  const output = new $F(T * B * $OW);
  const starts = [];
  let cur = inits;
  for (let t0 = 0; t0 < T; t0 += mode.K) {
    const n = Math.min(mode.K, T - t0);
    if (mode.keep) starts.push(cur);
    // views of the memory: the output and the segment's final states are copied out below
    const res = forward_kernel(pd, n, B, $segLengths(len, t0, n), xs.subarray(t0 * B * $IW, (t0 + n) * B * $IW), ...cur, true);
    output.set(res[0], t0 * B * $OW);
    cur = $STATES.map((s, k) => res[1 + k].slice(n * B * s.width, (n + 1) * B * s.width));
  }
  const final = Object.fromEntries($STATES.map((s, k) => [s.name, $F.from(cur[k])]));
  const tape = mode.keep ? { p: pd, x: xs, len, K: mode.K, starts } : null;
  return { T, B, output, final, kernel: info, tape };
}
function backward(run, cot) {
  if (!run || run.kernel !== info) throw new Error("backward: this run did not come from this kernel's forward");
  const tape = run.tape;
  if (!tape) throw new Error("backward: this run was made with { tape: false } (inference) and kept nothing for backward; run forward without tape: false");
  const { T, B } = run;
  const c = cot || {};
  const fin = c.final || {};
  for (const k of Object.keys(fin)) if (!$STATES.some((s) => s.name === k)) throw new Error("backward: unknown state " + JSON.stringify(k) + " in final cotangents (states: " + $STATES.map((s) => s.name).join(", ") + ")");
  const gFin = $STATES.map((s) => $rows($own(fin, s.name), B * s.width, "backward: final " + s.name + " cotangent"));
  if (c.output !== undefined && c.output !== null) {
    $numbers(c.output, "backward: output cotangent");
    if (c.output.length !== T * B * $OW) throw new Error("backward: output cotangent needs " + T * B * $OW + " values, got " + c.output.length);
  }
  if (tape.K === undefined) {
    const n = T * B * $OW, what = "backward: output cotangent";
    const t = tape.$t === undefined ? tape : tape.$t;
    const gOut = t.len === null ? $arg(backward_kernel, c.output, n, what) : $zeroPadding($rows(c.output, n, what), t.len, T, B, $OW);
    if (t.init !== undefined && $home !== t) {
      if (t.hist === null) $reHome(t);
      else $evict();
    }
    // in place: what the backward reads where the forward left it is passed as null
    const ip = $home === t ? backward_kernel.inPlace : [];
    const at = (v, k) => (ip[k] === true ? null : v);
    const tp = [...t.hist, ...t.saved].map((v, k) => at(v, 2 + k));
    const res = backward_kernel(at(t.p, 0), T, B, t.len, at(t.x, 1), ...tp, gOut, ...gFin);
    t.used = true;
    return { params: $view($out(res[0])), input: $out(res[1]), initial: Object.fromEntries($STATES.map((s, k) => [s.name, $out(res[2 + k])])) };
  }
  $evict();
  // checkpointed: from the last segment to the first, recompute its tape from the stored state at
  // its start, then run its backward with the state cotangent carried from the segment after it
  const dP = new Float64Array($PSIZE);
  const dx = new $F(T * B * $IW);
  let carry = gFin;
  for (let s = tape.starts.length - 1; s >= 0; s--) {
    const t0 = s * tape.K, n = Math.min(tape.K, T - t0);
    const len = $segLengths(tape.len, t0, n);
    const xs = tape.x.subarray(t0 * B * $IW, (t0 + n) * B * $IW);
    // in place: the segment's tape as the forward left it in the memory
    const fr = forward_kernel(tape.p, n, B, len, xs, ...tape.starts[s], $inPlace);
    const gOut = new $KF(n * B * $OW);
    if (c.output !== undefined && c.output !== null) for (let i = 0, o = t0 * B * $OW; i < gOut.length; i++) gOut[i] = c.output[o + i];
    $zeroPadding(gOut, len, n, B, $OW);
    const ip = $inPlace ? backward_kernel.inPlace : [];
    const at = (v, k) => (ip[k] === true ? null : v);
    const br = backward_kernel(at(tape.p, 0), n, B, len, at(xs, 1), ...fr.slice(1).map((v, k) => at(v, 2 + k)), gOut, ...carry);
    for (let i = 0; i < $PSIZE; i++) dP[i] += br[0][i];
    dx.set(br[1], t0 * B * $IW);
    carry = br.slice(2, 2 + $STATES.length);
  }
  return { params: $view($out(dP)), input: dx, initial: Object.fromEntries($STATES.map((s, k) => [s.name, $out(carry[k])])) };
}
function initialState(p, opts) {
  const b = opts == null ? undefined : opts.batch;
  if (b !== undefined && (!Number.isInteger(b) || b <= 0)) throw new Error("initialState: batch must be a positive integer, got " + $what(b));
  const B = b === undefined ? 1 : b;
  $params(p, "initialState");
  // the stream state stays in the compute type between calls, as forward keeps it between
  // steps, so streaming T steps gives exactly forward's numbers in every dtype
  return { params: p, batch: B, values: Object.fromEntries($STATES.map((s) => [s.name, new $KF(B * s.width)])) };
}
function step(state, x) {
  if (!state || !Number.isInteger(state.batch) || !state.values) throw new Error("step: the state must come from initialState(params, { batch })");
  const B = state.batch;
  $numbers(x, "step: x");
  if (x.length !== B * $IW) throw new Error("step: x needs B·I = " + B * $IW + " values, got " + x.length + " (cell " + JSON.stringify(info.name) + ")");
  // no backward follows a step (no tape is kept), so parameters already in the compute type are read in place
  const d = $params(state.params, "step");
  const pd = d instanceof $KF ? d : $KF.from(d);
  // the state and x as they are where the sweep copies them in; its results as views then
  const inits = $STATES.map((s) => $arg(infer_kernel, $own(state.values, s.name), B * s.width, "step: state " + s.name));
  const views = infer_kernel.memory === true;
  // evict a kept tape only now: reading the arguments above may run code (getters) that calls this kernel
  $evict();
  const res = infer_kernel(pd, 1, B, null, $arg(infer_kernel, x, x.length, "step: x"), ...inits, views);
  $STATES.forEach((s, k) => $own(state.values, s.name).set(res[1 + k]));
  return views ? $copy(res[0]) : $out(res[0]);
}
`;
