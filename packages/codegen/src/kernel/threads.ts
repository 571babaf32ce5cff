/**
 * Kernel threads: `compileCell(…, { threads: N })` and an emitted module's `threads(N)`. The rows
 * of a batch are independent through the whole recurrence, so each of N workers takes a fixed
 * slice of the batch for the whole sweep: one synchronisation per forward and per backward call,
 * not one per step. The calling thread only copies arguments in and results out and blocks in
 * `Atomics.wait` meanwhile, so no slice waits for the caller's garbage collector (a large
 * application heap made the caller's own slice the slowest).
 *
 * Memory: one set of SharedArrayBuffers per kernel, grown when a call needs more and reused
 * otherwise (x, outputs, cotangents, ∂x, states, each worker's parameter gradient), so a call
 * allocates only what it returns. A worker reads its rows of x straight from the shared x and
 * writes its rows of every result straight into the shared results; commands travel by
 * postMessage (carrying the buffers only when they were regrown), replies by Atomics only (a
 * browser worker cannot receive a message while it blocks; a Node worker is woken by an Atomics
 * mail counter and takes its command with receiveMessageOnPort, see WORKER_SIDE).
 *
 * Time: the costs the threads add are small (at L, B=64 T=50 H=256: ~2.4 ms of the caller's
 * copies, ~1.5 ms of the workers' own copies and ~1-1.5 ms of summing ∂params per call of
 * ~165-190 ms); a 2-thread call needs both cores free, and where other processes hold one the
 * slower slice sets the time (bench/README.md, "Kernel threads").
 *
 * Outputs, final states and input gradients are bitwise those of one thread (each row is computed
 * by the same code on the same values). Parameter gradients are the slices' sums added in slice
 * order: equal to one thread's up to the order of the float additions over the batch, i.e.
 * |Δ| ≤ (N + 1)·u·Σ_b |∂_b| per entry (u = 2⁻⁵³ in float64, 2⁻²⁴ in float32), deterministic
 * for a given N.
 *
 * Where: Node ≥ 20.16 (worker_threads through process.getBuiltinModule), and browsers inside a
 * Web Worker of a cross-origin isolated page (COOP/COEP headers). A page's main thread may not
 * block in Atomics.wait: there, threads > 1 is a one-line error.
 *
 * One text (`THREADS`, plain JavaScript like the host runtime) serves both: `compileCell` evaluates
 * it here and its workers evaluate the kernel text; `emitModule` appends it to the module, whose
 * workers load the module itself (its URL) and serve slices with its own sweeps.
 */

import { makeParams } from "./params.js";
import type { Kernel, Params } from "./types.js";

/**
 * What both sides run for one slice of the batch (the caller too, for a slice whose worker has
 * not started yet). `v` holds views of the shared buffers (`$views`); `api` is a kernel's
 * forward/backward.
 */
const SLICE = `
function $gather(src, T, B, w, b0, b1, out) {
  const n = (b1 - b0) * w;
  for (let t = 0; t < T; t++) out.set(src.subarray((t * B + b0) * w, (t * B + b1) * w), t * n);
  return out;
}
function $scatter(src, T, B, w, b0, b1, dst) {
  const n = (b1 - b0) * w;
  for (let t = 0; t < T; t++) dst.set(src.subarray(t * n, (t + 1) * n), (t * B + b0) * w);
}
function $views(bufs, meta) {
  const F = meta.dtype === "float32" ? Float32Array : Float64Array;
  const KF = meta.compute === "f32" ? Float32Array : Float64Array;
  const st = {};
  for (const s of meta.states) {
    const b = bufs.st[s.name];
    st[s.name] = { init: new KF(b.init), fcot: new KF(b.fcot), fin: new F(b.fin), dinit: new F(b.dinit) };
  }
  return { ...meta, F, KF, gen: bufs.gen, P: new F(bufs.P), G: new F(bufs.G), DP: new F(bufs.DP),
    X: new KF(bufs.X), COT: new KF(bufs.COT), OUT: new F(bufs.OUT), DX: new F(bufs.DX), st };
}
function $sliceForward(api, v, m, params) {
  const { T, B, b0, b1 } = m;
  const initial = {};
  for (const s of v.states) if (m.initial.includes(s.name)) initial[s.name] = v.st[s.name].init.subarray(b0 * s.width, b1 * s.width);
  const o = { batch: b1 - b0, initial };
  if (m.lengths !== undefined) o.lengths = m.lengths;
  if (m.tape !== undefined) o.tape = m.tape;
  if (m.checkpoint !== undefined) o.checkpoint = m.checkpoint;
  const run = api.forward(params, $gather(v.X, T, B, v.I, b0, b1, new v.KF(T * (b1 - b0) * v.I)), o);
  $scatter(run.output, T, B, v.O, b0, b1, v.OUT);
  for (const s of v.states) v.st[s.name].fin.set(run.final[s.name], b0 * s.width);
  return run;
}
function $sliceBackward(api, v, m, run) {
  const { T, B, b0, b1 } = m;
  const final = {};
  for (const s of v.states) if (m.final.includes(s.name)) final[s.name] = v.st[s.name].fcot.subarray(b0 * s.width, b1 * s.width);
  const cot = { final };
  if (m.output) cot.output = $gather(v.COT, T, B, v.O, b0, b1, new v.KF(T * (b1 - b0) * v.O));
  const g = api.backward(run, cot);
  $scatter(g.input, T, B, v.I, b0, b1, v.DX);
  for (const s of v.states) v.st[s.name].dinit.set(g.initial[s.name], b0 * s.width);
  v.G.set(g.params.data, m.part * v.PS);
}
// the parameter gradient: entries [floor(jP/k), floor((j+1)P/k)) of the k slices' sum, added in
// slice order in float64 and rounded once to the dtype (G holds each slice's gradient in the
// dtype, which float64 represents exactly): worker j's share, once every slice is in G
function $reduce(v, k, j) {
  const P = v.PS, G = v.G, DP = v.DP;
  for (let i = Math.floor((j * P) / k), e = Math.floor(((j + 1) * P) / k); i < e; i++) {
    let s = G[i];
    for (let q = 1; q < k; q++) s += G[q * P + i];
    DP[i] = s;
  }
}
// a barrier over the last control slot: true once all k slices have arrived
function $arrive(flag, k) {
  const at = flag.length - 1;
  if (Atomics.add(flag, at, 1) + 1 === k) { Atomics.notify(flag, at); return true; }
  for (let c = Atomics.load(flag, at); c < k; c = Atomics.load(flag, at)) Atomics.wait(flag, at, c);
  return true;
}
// a slot's state in the control array; BROKEN: the worker could not load the kernel
const $STARTING = 0, $IDLE = 1, $BUSY = 2, $FAILED = 3, $BROKEN = 4, $ERR_CHARS = 1024;
// how long a Node worker waits on its mail counter for the next command before its event loop
const $IDLE_MS = 1000;
`;

/**
 * The worker side: `$listen(load)` wires a worker to its environment (Node: workerData and
 * parentPort; a browser worker: its first message); `load(start)` gives the kernel's sweeps.
 *
 * Waking a worker: in Node, a worker that has served a command does not wait for the next one in
 * its event loop (a message there takes ~0.5-1 ms to arrive on a busy machine) but blocks in
 * \`Atomics.wait\` on its mail counter, which the caller raises after each postMessage, and takes
 * the message at once with receiveMessageOnPort; after $IDLE_MS without one it goes back to its
 * event loop, where the message event serves the next. Between two commands its event loop runs
 * once (setImmediate), so the engine's own tasks still run. A browser worker has no
 * receiveMessageOnPort and always waits in its event loop.
 */
const WORKER_SIDE = `
function $serve(load, take) {
  let api, flag, err, slot, meta, mail = null, got = 0, armed = false, v = null;
  const runs = new Map();
  function reply(state, message) {
    if (message !== undefined) {
      const s = String(message).slice(0, $ERR_CHARS - 1), o = slot * $ERR_CHARS;
      err[o] = s.length;
      for (let i = 0; i < s.length; i++) err[o + 1 + i] = s.charCodeAt(i);
    }
    Atomics.store(flag, slot, state);
    Atomics.notify(flag, slot);
  }
  function start(d) {
    flag = new Int32Array(d.ctrl); err = new Uint16Array(d.err); slot = d.slot; meta = d.meta;
    if (take !== undefined && d.mail !== undefined) mail = new Int32Array(d.mail);
    try {
      api = load(d);
      reply($IDLE);
    } catch (e) {
      reply($BROKEN, "threads: a worker could not load the kernel: " + (e && e.message || e));
    }
  }
  function handle(m) {
    // counts as the Int32 mail counter does (Atomics.add wraps at 2^31)
    got = (got + 1) | 0;
    if (m.op === "drop") { runs.delete(m.id); return; }
    let failed;
    try {
      // the buffers travel with the first command of each generation only
      if (m.bufs !== undefined) v = $views(m.bufs, meta);
      if (m.op === "forward") {
        const run = $sliceForward(api, v, m, { data: v.P, layout: m.layout });
        if (run.tape) runs.set(m.id, run);
      } else {
        const run = runs.get(m.id);
        if (!run) throw new Error("backward: with threads a run's tape serves one backward, and this run's was used; run forward again");
        runs.delete(m.id);
        $sliceBackward(api, v, m, run);
      }
    } catch (e) {
      failed = e;
    }
    // every slice arrives, failed or not, so no worker waits for one that never comes
    if (m.reduce > 0 && $arrive(flag, m.reduce) && failed === undefined) $reduce(v, m.reduce, m.part);
    if (failed === undefined) reply($IDLE);
    else reply($FAILED, failed && failed.message || failed);
  }
  // blocks (at most $IDLE_MS) until the caller raises the mail counter, then serves that command;
  // returns to the event loop after each one (arm) or when none came
  function poll() {
    armed = false;
    const end = performance.now() + $IDLE_MS;
    while (Atomics.load(mail, slot) === got) {
      const left = end - performance.now();
      if (left <= 0 || Atomics.wait(mail, slot, got, left) === "timed-out") return;
    }
    const r = take();
    // not in the port yet (never seen): its message event serves it
    if (r === undefined) return;
    handle(r.message);
    arm();
  }
  function arm() {
    if (mail !== null && !armed) { armed = true; setImmediate(poll); }
  }
  function message(m) { handle(m); arm(); }
  return { start, message };
}
function $listen(load) {
  const g = globalThis;
  if (g.process !== undefined && g.process.versions && g.process.versions.node !== undefined) {
    const wt = g.process.getBuiltinModule("node:worker_threads");
    const w = $serve(load, () => wt.receiveMessageOnPort(wt.parentPort));
    w.start(wt.workerData);
    wt.parentPort.on("message", w.message);
  } else {
    const w = $serve(load, undefined);
    g.onmessage = (e) => { if (e.data.op === "start") w.start(e.data); else w.message(e.data); };
  }
}
`;

/**
 * The calling side. `$threadHost(where)` says how this environment starts workers, or throws a
 * one-line error saying why it cannot; `$threaded(k, n, o)` wraps a kernel's forward/backward
 * (o: where, meta, spawn(start) → a worker, blockForStart, wrap(dP) → the gradients' params).
 */
const HOST = `
function $threadHost(where) {
  const g = globalThis;
  if (g.process !== undefined && g.process.versions && g.process.versions.node !== undefined) {
    const wt = g.process.getBuiltinModule && g.process.getBuiltinModule("node:worker_threads");
    if (!wt) throw new Error(where + ": threads > 1 needs Node >= 20.16 (process.getBuiltinModule)");
    return { node: wt };
  }
  if (g.document !== undefined)
    throw new Error(where + ": threads > 1 cannot run on a page's main thread (it may not block in Atomics.wait); run the kernel in a Web Worker, or use threads: 1");
  if (typeof g.Worker !== "function")
    throw new Error(where + ": threads > 1 needs Web Workers, and this environment has none");
  if (g.crossOriginIsolated !== true || typeof SharedArrayBuffer !== "function")
    throw new Error(where + ": threads > 1 needs SharedArrayBuffer, i.e. a cross-origin isolated page: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp");
  return { browser: true };
}
// the batch rows of slice j of n: [floor(jB/n), floor((j+1)B/n))
function $slices(B, n) {
  const k = Math.min(n, B), out = [];
  for (let j = 0; j < k; j++) out.push([Math.floor((j * B) / k), Math.floor(((j + 1) * B) / k)]);
  return out;
}
function $allNumbers(v) { return ArrayBuffer.isView(v) || Array.prototype.every.call(v, (e) => typeof e === "number"); }
function $threaded(k, n, o) {
  const { where, meta } = o;
  const { I, O, PS } = meta;
  const names = meta.states.map((s) => s.name), width = {};
  for (const s of meta.states) width[s.name] = s.width;
  const has = (obj, s) => obj != null && Object.prototype.hasOwnProperty.call(obj, s) && obj[s] !== undefined;
  // what slicing would hide (a wrong length, a string among the values): one thread's error
  const wellFormed = (x, opts, B) => {
    if (!$allNumbers(x) || (opts.lengths != null && opts.lengths.length !== B)) return false;
    for (const name of Object.keys(opts.initial || {})) {
      const v = opts.initial[name];
      if (!names.includes(name) || v == null || v.length !== B * width[name] || !$allNumbers(v)) return false;
    }
    return true;
  };
  // one slot per worker, and the backward's barrier (workers sum the parameter gradient)
  const ctrl = new SharedArrayBuffer(4 * (n + 1)), flag = new Int32Array(ctrl);
  const errs = new SharedArrayBuffer(2 * $ERR_CHARS * n);
  // each worker's mail counter: commands posted to it (a Node worker waits on it, see $serve)
  const mailbox = new SharedArrayBuffer(4 * n), mail = new Int32Array(mailbox);
  const workers = [];
  for (let slot = 0; slot < n; slot++) workers.push(o.spawn({ ctrl, err: errs, mail: mailbox, slot, meta }));
  // the buffers' generation each worker has (a command carries them only when it has not)
  const seen = new Array(n).fill(0);
  const post = (j, m) => {
    workers[j].postMessage(m);
    Atomics.add(mail, j, 1);
    Atomics.notify(mail, j);
  };
  const owner = {};
  let nextId = 1, bufs = null, views = null;
  // a run dropped without backward frees the workers' tapes
  const drops = new FinalizationRegistry((id) => { for (let j = 0; j < n; j++) post(j, { op: "drop", id }); });
  const sab = (count, bytes) => new SharedArrayBuffer(Math.max(1, count) * bytes);
  // shared buffers with room for T·B rows and B states (grown, never shrunk)
  const room = (rows, batch) => {
    if (bufs && bufs.rows >= rows && bufs.batch >= batch) return views;
    rows = Math.max(rows, bufs ? bufs.rows : 0);
    batch = Math.max(batch, bufs ? bufs.batch : 0);
    const f = meta.dtype === "float32" ? 4 : 8, kf = meta.compute === "f32" ? 4 : 8, st = {};
    for (const s of meta.states)
      st[s.name] = { init: sab(batch * s.width, kf), fcot: sab(batch * s.width, kf), fin: sab(batch * s.width, f), dinit: sab(batch * s.width, f) };
    bufs = { gen: (bufs ? bufs.gen : 0) + 1, rows, batch, P: sab(PS, f), G: sab(n * PS, f), DP: sab(PS, f),
      X: sab(rows * I, kf), COT: sab(rows * O, kf), OUT: sab(rows * O, f), DX: sab(rows * I, f), st };
    views = $views(bufs, meta);
    return views;
  };
  const failure = (slot) => {
    const e = new Uint16Array(errs, 2 * $ERR_CHARS * slot, $ERR_CHARS);
    let s = "";
    for (let i = 0; i < e[0]; i++) s += String.fromCharCode(e[1 + i]);
    return s;
  };
  // whether the worker in slot can take a slice now (blocking for its start where allowed)
  const started = (slot) => {
    if (Atomics.load(flag, slot) === $STARTING) {
      if (!o.blockForStart) return false;
      while (Atomics.load(flag, slot) === $STARTING) Atomics.wait(flag, slot, $STARTING, 60000);
    }
    if (Atomics.load(flag, slot) === $BROKEN) throw new Error(failure(slot));
    return true;
  };
  // blocks until the worker in slot is done; its error, if any
  const finish = (slot) => {
    while (Atomics.load(flag, slot) === $BUSY) Atomics.wait(flag, slot, $BUSY, 60000);
    if (Atomics.load(flag, slot) !== $FAILED) return undefined;
    Atomics.store(flag, slot, $IDLE);
    return new Error(failure(slot));
  };
  // posts each slice to its worker (or runs it here where its worker has not started), then
  // waits for every posted one, even when one failed, so no reply is left for a later call
  let closed = false;
  const dispatch = (msgs, remote, here) => {
    if (closed) throw new Error(where + ": this kernel's threads were closed (close()); compile it again to run it");
    const posted = [];
    let err;
    msgs.forEach((m, j) => {
      if (!remote(j)) return;
      Atomics.store(flag, j, $BUSY);
      if (seen[j] !== bufs.gen) { m.bufs = bufs; seen[j] = bufs.gen; }
      post(j, m);
      posted.push(j);
    });
    msgs.forEach((m, j) => {
      if (remote(j)) return;
      try { here(j); } catch (e) { if (err === undefined) err = e; }
    });
    for (const j of posted) { const e = finish(j); if (err === undefined) err = e; }
    if (err !== undefined) throw err;
  };
  function forward(params, x, opts) {
    const B = opts == null ? undefined : opts.batch;
    if (!Number.isInteger(B) || B <= 0 || n === 1 || B === 1 || x == null) return k.forward(params, x, opts);
    const T = I === 0 ? 0 : x.length / (B * I);
    if (!Number.isInteger(T) || params == null || params.data == null || params.data.length !== PS || !wellFormed(x, opts, B))
      return k.forward(params, x, opts);
    const v = room(T * B, B);
    v.P.set(params.data);
    v.X.set(x);
    const initial = names.filter((s) => has(opts.initial, s));
    for (const s of initial) v.st[s].init.set(opts.initial[s]);
    const id = nextId++, parts = $slices(B, n);
    const msgs = parts.map(([b0, b1], part) => {
      const m = { op: "forward", id, part, T, B, b0, b1, initial, final: [], output: false, layout: params.layout };
      if (opts.lengths != null) m.lengths = Array.from(opts.lengths).slice(b0, b1);
      if (opts.tape !== undefined) m.tape = opts.tape;
      if (opts.checkpoint !== undefined) m.checkpoint = opts.checkpoint;
      return m;
    });
    const here = parts.map(([b0, b1]) => ({ b0, b1 }));
    const remote = parts.map((_, j) => started(j));
    dispatch(msgs, (j) => remote[j], (j) => { here[j].run = $sliceForward(k, v, msgs[j], params); });
    const final = {};
    for (const s of meta.states) final[s.name] = v.st[s.name].fin.slice(0, B * s.width);
    const run = { T, B, output: v.OUT.slice(0, T * B * O), final, owner, id, parts: here, tape: opts.tape === false ? null : true };
    if (opts.tape !== false && remote.some(Boolean)) drops.register(run, id, run);
    return run;
  }
  function backward(run, cot) {
    if (run == null || run.owner !== owner) return k.backward(run, cot);
    const { T, B, parts, id } = run;
    if (run.tape === null)
      throw new Error("backward: this run was made with { tape: false } (inference) and kept nothing for backward; run forward without tape: false");
    const c = cot || {};
    for (const s of Object.keys(c.final || {}))
      if (!names.includes(s)) throw new Error("backward: unknown state " + JSON.stringify(s) + " in final cotangents (states: " + names.join(", ") + ")");
    const out = c.output;
    if (out != null && out.length !== T * B * O) throw new Error("backward: output cotangent needs " + T * B * O + " values, got " + out.length);
    if (out != null && !$allNumbers(out)) throw new Error("backward: the output cotangent must hold numbers only");
    const final = names.filter((s) => has(c.final, s));
    for (const s of final)
      if (c.final[s].length !== B * width[s] || !$allNumbers(c.final[s]))
        throw new Error("backward: final " + s + " cotangent needs " + B * width[s] + " numbers, got " + c.final[s].length + " values");
    drops.unregister(run);
    const v = room(T * B, B);
    if (out != null) v.COT.set(out);
    for (const s of final) v.st[s].fcot.set(c.final[s]);
    // where every slice runs in a worker, the workers also sum the parameter gradient
    const reduce = parts.every((q) => q.run === undefined) ? parts.length : 0;
    Atomics.store(flag, n, 0);
    const msgs = parts.map(({ b0, b1 }, part) => ({ op: "backward", id, part, T, B, b0, b1, initial: [], final, output: out != null, reduce }));
    dispatch(msgs, (j) => parts[j].run === undefined, (j) => $sliceBackward(k, v, msgs[j], parts[j].run));
    // parameter gradients summed in slice order: deterministic for a given thread count
    if (reduce === 0) for (let j = 0; j < parts.length; j++) $reduce(v, parts.length, j);
    const dP = v.DP.slice(0, PS);
    const initial = {};
    for (const s of meta.states) initial[s.name] = v.st[s.name].dinit.slice(0, B * s.width);
    return { params: o.wrap(dP), input: v.DX.slice(0, T * B * I), initial };
  }
  async function ready() {
    // polled: waiting on a flag without blocking needs Atomics.waitAsync, which not every host has
    for (let slot = 0; slot < n; slot++) {
      while (Atomics.load(flag, slot) === $STARTING) await new Promise((r) => setTimeout(r, 2));
      if (Atomics.load(flag, slot) === $BROKEN) throw new Error(failure(slot));
    }
  }
  async function close() { closed = true; await Promise.all(workers.map((w) => w.terminate())); }
  return { forward, backward, ready, close };
}
`;

/** The threads text an emitted module carries (its `threads(n)` calls `$threaded`). */
export const THREADS = `${SLICE}${WORKER_SIDE}${HOST}`;

/** A compileCell worker: evaluates the kernel text it is started with, then serves slices. */
const WORKER = `"use strict";${SLICE}${WORKER_SIDE}
$listen((d) => new Function("$wasmBytes", '"use strict";\\n' + d.text + "\\nreturn { forward, backward };")(d.wasm));
`;

interface WorkerHandle {
  postMessage(m: unknown): void;
  terminate(): unknown;
}
interface Threaded {
  forward: Kernel["forward"];
  backward: Kernel["backward"];
  ready(): Promise<void>;
  close(): Promise<void>;
}
interface HostLib {
  $threadHost(where: string): {
    node?: {
      Worker: new (
        code: string,
        o: { eval: true; workerData: unknown },
      ) => WorkerHandle & { unref(): void };
    };
  };
  $threaded(
    k: Pick<Kernel, "forward" | "backward">,
    n: number,
    o: {
      where: string;
      meta: unknown;
      spawn(start: Record<string, unknown>): WorkerHandle;
      blockForStart: boolean;
      wrap(dP: Float32Array | Float64Array): Params;
    },
  ): Threaded;
}
let lib: HostLib | undefined;
const hostLib = (): HostLib =>
  (lib ??= new Function(`"use strict";${SLICE}${HOST}\nreturn { $threadHost, $threaded };`)());

/** The Web Worker constructor and Blob URLs (browser globals). */
interface BrowserGlobals {
  Worker: new (url: string) => WorkerHandle;
  Blob: new (parts: string[], o: { type: string }) => unknown;
  URL: { createObjectURL(b: unknown): string };
}

/** A kernel whose forward/backward split the batch over `n` worker threads. */
export function threadedKernel<K extends Kernel>(
  k: K,
  n: number,
  text: string,
  wasm?: Uint8Array,
): K & { readonly threads: number; close(): Promise<void>; ready(): Promise<void> } {
  const where = `compileCell ${JSON.stringify(k.name)}`;
  if (!(Number.isInteger(n) && n >= 1))
    throw new Error(
      `${where}: threads must be a positive integer, got ${typeof n === "string" ? JSON.stringify(n) : String(n)}`,
    );
  const { $threadHost, $threaded } = hostLib();
  const env = $threadHost(where);
  const node = env.node;
  let url: string | undefined;
  const spawn = (start: Record<string, unknown>): WorkerHandle => {
    if (node) {
      const w = new node.Worker(WORKER, { eval: true, workerData: { ...start, text, wasm } });
      w.unref(); // the workers never keep the process alive
      return w;
    }
    // a browser worker: nested Web Workers from a Blob URL of the same worker text
    const g = globalThis as unknown as BrowserGlobals;
    url ??= g.URL.createObjectURL(new g.Blob([WORKER], { type: "text/javascript" }));
    const w = new g.Worker(url);
    w.postMessage({ op: "start", ...start, text, wasm });
    return w;
  };
  const names = Object.keys(k.stateSizes);
  const meta = {
    dtype: k.dtype,
    compute: (k as { schedule?: { compute?: string } }).schedule?.compute ?? "f64",
    I: k.inputSize,
    O: k.outputSize,
    PS: k.layout.reduce((m, s) => Math.max(m, s.offset + s.size), 0),
    states: names.map((name) => ({ name, width: k.stateSizes[name]! })),
  };
  const t = $threaded(k, n, {
    where,
    meta,
    spawn,
    blockForStart: node !== undefined,
    wrap: (dP) => makeParams(k.layout, dP),
  });
  return Object.assign({ ...k }, { threads: n, ...t });
}
