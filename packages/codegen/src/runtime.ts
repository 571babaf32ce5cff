/**
 * The host runtime every kernel module carries (fixed text, no user input): parameter views,
 * argument checks, the tape between forward and backward, and the streaming `step` API. It calls
 * the sweeps `forward_kernel` / `backward_kernel`, whatever backend produced them, and hands
 * them arrays of the kernel source's compute type `$KF`.
 */
// The fixed runtime. `$`-names are filled in above; helper names start with `$`, which no
// sanitised name can, so they never meet a cell's names.
export const RUNTIME = `// runtime: parameter views, argument checks, the streaming step API
const layout = Object.freeze($LAYOUT);
const $STATES = $STATESDEF;
const info = Object.freeze($INFO);
function $own(o, k) { return o != null && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined; }
function $view(data) {
  return { data, layout, get(name) {
    const s = layout.find((l) => l.name === name);
    if (!s) throw new Error("unknown parameter " + JSON.stringify(name) + " (parameters: " + layout.map((l) => l.name).join(", ") + ")");
    return data.subarray(s.offset, s.offset + s.size);
  } };
}
function params(data) {
  const d = new $F($PSIZE);
  if (data !== undefined) {
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
// what the kernel gets is in its compute type $KF (declared by the kernel source: Float64Array for JS)
function $rows(v, n, what) {
  const a = new $KF(n);
  if (v !== undefined && v !== null) {
    if (v.length !== n) throw new Error(what + " needs " + n + " values, got " + v.length);
    a.set(v);
  }
  return a;
}
// what the caller gets, in the kernel's dtype (kernels compute and keep $KF inside)
function $out(a) { return a instanceof $F ? a : $F.from(a); }
// parameters of another size would be read out of bounds (NaN) or in part
function $params(p, what) {
  if (!p || !p.data || p.data.length !== $PSIZE) throw new Error(what + ": parameters have " + (p && p.data ? p.data.length : 0) + " values, the layout needs $PSIZE");
  return p.data;
}
function forward(p, x, opts) {
  const B = opts.batch;
  if (!Number.isInteger(B) || B <= 0) throw new Error("forward: batch must be a positive integer, got " + B);
  $params(p, "forward");
  if (x.length % (B * $IW) !== 0) throw new Error("forward: x has " + x.length + " values, not a multiple of B·I = " + B * $IW);
  const T = $IW === 0 ? 0 : x.length / (B * $IW);
  const initial = opts.initial || {};
  for (const k of Object.keys(initial)) if (!$STATES.some((s) => s.name === k)) throw new Error("forward: unknown state " + JSON.stringify(k) + " in initial");
  const xs = $rows(x, x.length, "forward: x");
  const inits = $STATES.map((s) => $rows($own(initial, s.name), B * s.width, "forward: initial " + s.name));
  const len = $lengths(opts.lengths, B, T);
  const pd = $KF.from(p.data);
  const res = forward_kernel(pd, T, B, len, xs, ...inits);
  const hist = res.slice(1, 1 + $STATES.length);
  const final = Object.fromEntries($STATES.map((s, k) => [s.name, $F.from(hist[k].subarray(T * B * s.width, (T + 1) * B * s.width))]));
  return { T, B, output: $out(res[0]), final, kernel: info, tape: { p: pd, x: xs, len, hist, saved: res.slice(1 + $STATES.length) } };
}
function backward(run, cot) {
  const tape = run && run.tape;
  if (!tape || run.kernel !== info) throw new Error("backward: this run did not come from this kernel's forward");
  const { T, B } = run;
  const c = cot || {};
  const gOut = $rows(c.output, T * B * $OW, "backward: output cotangent");
  const fin = c.final || {};
  const gFin = $STATES.map((s) => $rows($own(fin, s.name), B * s.width, "backward: final " + s.name + " cotangent"));
  const res = backward_kernel(tape.p, T, B, tape.len, tape.x, ...tape.hist, ...tape.saved, gOut, ...gFin);
  return { params: $view($out(res[0])), input: $out(res[1]), initial: Object.fromEntries($STATES.map((s, k) => [s.name, $out(res[2 + k])])) };
}
function initialState(p, opts) {
  const B = (opts && opts.batch) || 1;
  // the stream state stays in the compute type between calls, as forward keeps it between
  // steps, so streaming T steps gives exactly forward's numbers in every dtype
  return { params: p, batch: B, values: Object.fromEntries($STATES.map((s) => [s.name, new $KF(B * s.width)])) };
}
function step(state, x) {
  const B = state.batch;
  if (x.length !== B * $IW) throw new Error("step: x needs B·I = " + B * $IW + " values, got " + x.length);
  // no backward follows a step, so parameters already in the compute type are read in place
  const d = $params(state.params, "step");
  const pd = d instanceof $KF ? d : $KF.from(d);
  const inits = $STATES.map((s) => $rows($own(state.values, s.name), B * s.width, "step: state " + s.name));
  const res = forward_kernel(pd, 1, B, null, $rows(x, x.length, "step: x"), ...inits);
  $STATES.forEach((s, k) => $own(state.values, s.name).set(res[1 + k].subarray(B * s.width, 2 * B * s.width)));
  return $out(res[0]);
}
`;
