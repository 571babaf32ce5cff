/**
 * Kernel threads: `compileCell(…, { threads: N })`. The rows of a batch are independent through
 * the whole recurrence, so each of N workers takes a fixed slice of the batch for the whole sweep:
 * one synchronisation per forward and per backward call, not one per step. The calling thread
 * only copies arguments in and results out and blocks in `Atomics.wait` meanwhile, so no slice
 * waits for the caller's garbage collector (a large application heap made its slice the slowest).
 * Workers evaluate the kernel's own text (what `emitModule` writes), so every backend works.
 *
 * Memory: one set of SharedArrayBuffers per kernel, grown when a call needs more and reused
 * otherwise (x, outputs, cotangents, ∂x, states, each worker's parameter gradient), so a call
 * allocates only what it returns. A worker reads its rows of x straight from the shared x and
 * writes its rows of every result straight into the shared results; commands travel by
 * postMessage, replies by Atomics only (a browser worker cannot receive a message while it blocks).
 *
 * Outputs, final states and input gradients are bitwise those of one thread (each row is computed
 * by the same code on the same values). Parameter gradients are the slices' sums added in slice
 * order: equal to one thread's up to the order of the float additions over the batch, i.e.
 * |Δ| ≤ (N + 1)·u·Σ_b |∂_b| per entry (u = 2⁻⁵³ in float64, 2⁻²⁴ in float32), deterministic
 * for a given N.
 *
 * Where: Node ≥ 20.16 (worker_threads through process.getBuiltinModule), and browsers inside a
 * Web Worker of a cross-origin isolated page (COOP/COEP headers; nested workers from Blob URLs).
 * A page's main thread may not block in Atomics.wait: there, threads > 1 is a one-line error.
 */

import { makeParams } from "./params.js";
import type { Cotangents, ForwardOptions, Gradients, Kernel, Params, Run } from "./types.js";

/**
 * What both sides run for one slice of the batch (the caller too, for a slice whose worker has
 * not started yet): one text, evaluated in the workers and here. `v` holds views of the shared
 * buffers (`$views`); `api` is a kernel's forward/backward.
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
  return { ...meta, F, KF, gen: bufs.gen, P: new F(bufs.P), G: new Float64Array(bufs.G),
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
`;

// a slot's state in the control array
const STARTING = 0,
  IDLE = 1,
  BUSY = 2,
  FAILED = 3,
  BROKEN = 4; // the worker could not load the kernel: every call fails with its message
const ERR_CHARS = 1024;

/**
 * The worker: loads the kernel text once, then runs slices on request. Node (worker_threads,
 * `require` defined) gets its start data as workerData, a browser worker as its first message.
 */
const WORKER = `"use strict";
${SLICE}
let api, flag, err, slot, meta, v = null;
const runs = new Map();
function reply(state, message) {
  if (message !== undefined) {
    const s = String(message).slice(0, ${ERR_CHARS} - 1), o = slot * ${ERR_CHARS};
    err[o] = s.length;
    for (let i = 0; i < s.length; i++) err[o + 1 + i] = s.charCodeAt(i);
  }
  Atomics.store(flag, slot, state);
  Atomics.notify(flag, slot);
}
function start(d) {
  flag = new Int32Array(d.ctrl); err = new Uint16Array(d.err); slot = d.slot; meta = d.meta;
  try {
    api = new Function("$wasmBytes", '"use strict";\\n' + d.text + "\\nreturn { forward, backward };")(d.wasm);
    reply(${IDLE});
  } catch (e) {
    reply(${BROKEN}, "threads: a worker could not load the kernel: " + (e && e.message || e));
  }
}
function handle(m) {
  if (m.op === "drop") { runs.delete(m.id); return; }
  try {
    if (v === null || v.gen !== m.bufs.gen) v = $views(m.bufs, meta);
    if (m.op === "forward") {
      const run = $sliceForward(api, v, m, { data: v.P, layout: m.layout });
      if (run.tape) runs.set(m.id, run);
    } else {
      const run = runs.get(m.id);
      if (!run) throw new Error("backward: this worker kept no tape for run " + m.id);
      runs.delete(m.id);
      $sliceBackward(api, v, m, run);
    }
    reply(${IDLE});
  } catch (e) {
    reply(${FAILED}, e && e.message || e);
  }
}
if (typeof require === "function") {
  const { parentPort, workerData } = require("node:worker_threads");
  start(workerData);
  parentPort.on("message", handle);
} else {
  self.onmessage = (e) => { if (e.data.op === "start") start(e.data); else handle(e.data); };
}
`;

interface WorkerHandle {
  postMessage(m: unknown): void;
  terminate(): unknown;
}

/** How this environment starts workers, or a one-line error saying why it cannot. */
interface Host {
  spawn(start: Record<string, unknown>): WorkerHandle;
  /** Whether the caller may block until a worker has started (a browser worker may not). */
  readonly blockForStart: boolean;
}

interface NodeWorkerThreads {
  Worker: new (
    code: string,
    opts: { eval: true; workerData: unknown },
  ) => WorkerHandle & { unref(): void };
}

function host(where: string): Host {
  const g = globalThis as unknown as {
    process?: { getBuiltinModule?: (n: string) => unknown; versions?: { node?: string } };
    document?: unknown;
    crossOriginIsolated?: boolean;
    Worker?: new (url: string) => WorkerHandle;
    Blob?: new (parts: string[], o: { type: string }) => unknown;
    URL?: { createObjectURL(b: unknown): string };
  };
  if (g.process?.versions?.node !== undefined) {
    const wt = g.process.getBuiltinModule?.("node:worker_threads") as NodeWorkerThreads | undefined;
    if (!wt) throw new Error(`${where}: threads > 1 needs Node ≥ 20.16 (process.getBuiltinModule)`);
    return {
      blockForStart: true,
      spawn(start) {
        const w = new wt.Worker(WORKER, { eval: true, workerData: start });
        w.unref(); // the workers never keep the process alive
        return w;
      },
    };
  }
  if (g.document !== undefined)
    throw new Error(
      `${where}: threads > 1 cannot run on a page's main thread (it may not block in Atomics.wait); run the kernel in a Web Worker, or use threads: 1`,
    );
  if (g.Worker === undefined || g.Blob === undefined || g.URL === undefined)
    throw new Error(`${where}: threads > 1 needs Web Workers, and this environment has none`);
  if (g.crossOriginIsolated !== true || typeof SharedArrayBuffer !== "function")
    throw new Error(
      `${where}: threads > 1 needs SharedArrayBuffer, i.e. a cross-origin isolated page: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp`,
    );
  const url = g.URL.createObjectURL(new g.Blob([WORKER], { type: "text/javascript" }));
  const W = g.Worker;
  return {
    blockForStart: false,
    spawn(start) {
      const w = new W(url);
      w.postMessage({ op: "start", ...start });
      return w;
    },
  };
}

/** The batch rows of slice j of n: [floor(jB/n), floor((j+1)B/n)). */
function slices(B: number, n: number): [number, number][] {
  const k = Math.min(n, B);
  return Array.from({ length: k }, (_, j) => [
    Math.floor((j * B) / k),
    Math.floor(((j + 1) * B) / k),
  ]);
}

const numbers = (v: ArrayLike<unknown>): boolean =>
  ArrayBuffer.isView(v) || Array.prototype.every.call(v, (e) => typeof e === "number");

/** Whether x, lengths and initial states have the sizes and types the batch needs. */
function wellFormed(
  x: ArrayLike<number>,
  lengths: ArrayLike<number> | undefined,
  initial: ForwardOptions["initial"],
  B: number,
  sizes: Readonly<Record<string, number>>,
): boolean {
  if (!numbers(x) || (lengths != null && lengths.length !== B)) return false;
  for (const [name, v] of Object.entries(initial ?? {})) {
    const w = Object.hasOwn(sizes, name) ? sizes[name]! : -1;
    if (v == null || v.length !== B * w || !numbers(v)) return false;
  }
  return true;
}

interface SliceApi {
  $views(bufs: Buffers, meta: Meta): Views;
  $sliceForward(api: Kernel, v: Views, m: SliceMsg, params: Params): Run;
  $sliceBackward(api: Kernel, v: Views, m: SliceMsg, run: Run): void;
}
const sliceApi = (): SliceApi =>
  new Function(`"use strict";${SLICE}\nreturn { $views, $sliceForward, $sliceBackward };`)();

interface Meta {
  readonly dtype: string;
  readonly compute: string;
  readonly I: number;
  readonly O: number;
  readonly PS: number;
  readonly states: readonly { readonly name: string; readonly width: number }[];
}
/** The shared buffers, sized for `rows` = T·B rows and `batch` = B rows of states. */
interface Buffers {
  readonly gen: number;
  readonly rows: number;
  readonly batch: number;
  readonly P: SharedArrayBuffer;
  readonly G: SharedArrayBuffer;
  readonly X: SharedArrayBuffer;
  readonly COT: SharedArrayBuffer;
  readonly OUT: SharedArrayBuffer;
  readonly DX: SharedArrayBuffer;
  readonly st: Record<string, Record<"init" | "fcot" | "fin" | "dinit", SharedArrayBuffer>>;
}
type Arr = Float32Array | Float64Array;
interface Views extends Meta {
  readonly gen: number;
  readonly P: Arr;
  readonly G: Float64Array;
  readonly X: Arr;
  readonly COT: Arr;
  readonly OUT: Arr;
  readonly DX: Arr;
  readonly st: Record<string, Record<"init" | "fcot" | "fin" | "dinit", Arr>>;
}
/** One slice's command (sent to a worker, or run here). */
interface SliceMsg {
  op: "forward" | "backward";
  id: number;
  part: number;
  T: number;
  B: number;
  b0: number;
  b1: number;
  initial: string[];
  final: string[];
  output: boolean;
  lengths?: number[];
  tape?: boolean;
  checkpoint?: number | "auto";
  layout?: unknown;
  bufs: Buffers;
}

interface Part {
  readonly b0: number;
  readonly b1: number;
  /** The slice's run, where it ran on the calling thread (its worker had not started). */
  readonly run?: Run;
}
interface ThreadedRun extends Run {
  readonly owner: object;
  readonly id: number;
  readonly parts: readonly Part[];
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
    throw new Error(`${where}: threads must be a positive integer, got ${String(n)}`);
  const env = host(where);
  const compute = (k as { schedule?: { compute?: string } }).schedule?.compute ?? "f64";
  const names = Object.keys(k.stateSizes);
  const meta: Meta = {
    dtype: k.dtype,
    compute,
    I: k.inputSize,
    O: k.outputSize,
    PS: k.layout.reduce((m, s) => Math.max(m, s.offset + s.size), 0),
    states: names.map((name) => ({ name, width: k.stateSizes[name]! })),
  };
  const { I, O, PS } = meta;
  const ctrl = new SharedArrayBuffer(4 * n);
  const flag = new Int32Array(ctrl);
  const errs = new SharedArrayBuffer(2 * ERR_CHARS * n);
  const workers = Array.from({ length: n }, (_, slot) =>
    env.spawn({ text, wasm, ctrl, err: errs, slot, meta }),
  );
  const local = sliceApi();
  const owner = {};
  let nextId = 1;
  // a run dropped without backward frees the workers' tapes
  const drops = new FinalizationRegistry<number>((id) =>
    workers.forEach((w) => w.postMessage({ op: "drop", id })),
  );

  let bufs: Buffers | null = null;
  let views: Views | null = null;
  const sab = (n: number, bytes: number) => new SharedArrayBuffer(Math.max(1, n) * bytes);
  /** Shared buffers with room for T·B rows and B states (grown, never shrunk). */
  const room = (rows: number, batch: number): Views => {
    if (bufs && bufs.rows >= rows && bufs.batch >= batch) return views!;
    rows = Math.max(rows, bufs?.rows ?? 0);
    batch = Math.max(batch, bufs?.batch ?? 0);
    const f = k.dtype === "float32" ? 4 : 8,
      kf = compute === "f32" ? 4 : 8;
    const st: Buffers["st"] = {};
    for (const s of meta.states)
      st[s.name] = {
        init: sab(batch * s.width, kf),
        fcot: sab(batch * s.width, kf),
        fin: sab(batch * s.width, f),
        dinit: sab(batch * s.width, f),
      };
    bufs = {
      gen: (bufs?.gen ?? 0) + 1,
      rows,
      batch,
      P: sab(PS, f),
      G: sab(n * PS, 8),
      X: sab(rows * I, kf),
      COT: sab(rows * O, kf),
      OUT: sab(rows * O, f),
      DX: sab(rows * I, f),
      st,
    };
    views = local.$views(bufs, meta);
    return views;
  };

  const failure = (slot: number): string => {
    const e = new Uint16Array(errs, 2 * ERR_CHARS * slot, ERR_CHARS);
    let s = "";
    for (let i = 0; i < e[0]!; i++) s += String.fromCharCode(e[1 + i]!);
    return s;
  };
  /** Whether the worker in `slot` can take a slice now (blocking for its start where allowed). */
  const started = (slot: number): boolean => {
    if (Atomics.load(flag, slot) === STARTING) {
      if (!env.blockForStart) return false;
      while (Atomics.load(flag, slot) === STARTING) Atomics.wait(flag, slot, STARTING, 60_000);
    }
    if (Atomics.load(flag, slot) === BROKEN) throw new Error(failure(slot));
    return true;
  };
  /** Blocks until the worker in `slot` is done; its error, if any. */
  const finish = (slot: number): Error | undefined => {
    while (Atomics.load(flag, slot) === BUSY) Atomics.wait(flag, slot, BUSY, 60_000);
    if (Atomics.load(flag, slot) !== FAILED) return undefined;
    const e = new Error(failure(slot));
    Atomics.store(flag, slot, IDLE);
    return e;
  };
  /**
   * Posts each slice to its worker (or runs it here where its worker has not started), then
   * waits for every posted one, even when one failed, so no reply is left for a later call.
   */
  const dispatch = (
    msgs: SliceMsg[],
    remote: (j: number) => boolean,
    here: (j: number) => void,
  ): void => {
    const posted: number[] = [];
    let err: unknown;
    for (let j = 0; j < msgs.length; j++) {
      if (!remote(j)) continue;
      Atomics.store(flag, j, BUSY);
      workers[j]!.postMessage(msgs[j]);
      posted.push(j);
    }
    for (let j = 0; j < msgs.length; j++) {
      if (remote(j)) continue;
      try {
        here(j);
      } catch (e) {
        err ??= e;
      }
    }
    for (const j of posted) err ??= finish(j);
    if (err !== undefined) throw err;
  };

  const forward = (params: Params, x: ArrayLike<number>, opts: ForwardOptions): Run => {
    const B = opts?.batch;
    if (!Number.isInteger(B) || B <= 0 || n === 1 || B === 1) return k.forward(params, x, opts);
    const T = I === 0 ? 0 : x.length / (B * I);
    // what slicing would hide (a wrong length, a string among the values): one thread's error
    if (
      !Number.isInteger(T) ||
      params?.data?.length !== PS ||
      !wellFormed(x, opts.lengths, opts.initial, B, k.stateSizes)
    )
      return k.forward(params, x, opts);
    const v = room(T * B, B);
    v.P.set(params.data);
    v.X.set(x);
    const initial = names.filter(
      (s) => opts.initial?.[s] !== undefined && Object.hasOwn(opts.initial!, s),
    );
    for (const s of initial) v.st[s]!.init.set(opts.initial![s]!);
    const id = nextId++;
    const parts = slices(B, n);
    const msgs: SliceMsg[] = parts.map(([b0, b1], part) => ({
      op: "forward",
      id,
      part,
      T,
      B,
      b0,
      b1,
      initial,
      final: [],
      output: false,
      ...(opts.lengths != null ? { lengths: Array.from(opts.lengths).slice(b0, b1) } : {}),
      ...(opts.tape !== undefined ? { tape: opts.tape } : {}),
      ...(opts.checkpoint !== undefined ? { checkpoint: opts.checkpoint } : {}),
      layout: params.layout,
      bufs: bufs!,
    }));
    const here: Part[] = parts.map(([b0, b1]) => ({ b0, b1 }));
    const remote = parts.map((_, j) => started(j));
    dispatch(
      msgs,
      (j) => remote[j]!,
      (j) => {
        here[j] = { ...here[j]!, run: local.$sliceForward(k, v, msgs[j]!, params) };
      },
    );
    const output = v.OUT.slice(0, T * B * O);
    const final = Object.fromEntries(
      meta.states.map((s) => [s.name, v.st[s.name]!.fin.slice(0, B * s.width)]),
    );
    const run: ThreadedRun = { T, B, output, final, owner, id, parts: here };
    if (opts.tape !== false && remote.some(Boolean)) drops.register(run, id, run);
    (run as unknown as { tape: unknown }).tape = opts.tape === false ? null : true;
    return run;
  };

  const backward = (run0: Run, cot: Cotangents): Gradients => {
    const run = run0 as ThreadedRun;
    if (run?.owner !== owner) return k.backward(run0, cot);
    const { T, B, parts, id } = run;
    if ((run as unknown as { tape: unknown }).tape === null)
      throw new Error(
        "backward: this run was made with { tape: false } (inference) and kept nothing for backward; run forward without tape: false",
      );
    for (const s of Object.keys(cot?.final ?? {}))
      if (!names.includes(s))
        throw new Error(
          `backward: unknown state ${JSON.stringify(s)} in final cotangents (states: ${names.join(", ")})`,
        );
    const out = cot?.output;
    if (out != null && out.length !== T * B * O)
      throw new Error(`backward: output cotangent needs ${T * B * O} values, got ${out.length}`);
    if (out != null && !numbers(out))
      throw new Error("backward: the output cotangent must hold numbers only");
    const final = names.filter(
      (s) => cot?.final?.[s] !== undefined && Object.hasOwn(cot.final!, s),
    );
    for (const s of final) {
      const c = cot.final![s]!;
      if (c.length !== B * k.stateSizes[s]! || !numbers(c))
        throw new Error(
          `backward: final ${s} cotangent needs ${B * k.stateSizes[s]!} numbers, got ${c.length} values`,
        );
    }
    drops.unregister(run);
    const v = room(T * B, B);
    if (out != null) v.COT.set(out);
    for (const s of final) v.st[s]!.fcot.set(cot.final![s]!);
    const msgs: SliceMsg[] = parts.map(({ b0, b1 }, part) => ({
      op: "backward",
      id,
      part,
      T,
      B,
      b0,
      b1,
      initial: [],
      final,
      output: out != null,
      bufs: bufs!,
    }));
    dispatch(
      msgs,
      (j) => parts[j]!.run === undefined,
      (j) => local.$sliceBackward(k, v, msgs[j]!, parts[j]!.run!),
    );
    const F = k.dtype === "float32" ? Float32Array : Float64Array;
    // parameter gradients summed in slice order: deterministic for a given thread count
    const dP = new F(PS);
    for (let i = 0; i < PS; i++) {
      let s = v.G[i]!;
      for (let j = 1; j < parts.length; j++) s += v.G[j * PS + i]!;
      dP[i] = s;
    }
    const initial = Object.fromEntries(
      meta.states.map((s) => [s.name, v.st[s.name]!.dinit.slice(0, B * s.width)]),
    );
    return { params: makeParams(k.layout, dP), input: v.DX.slice(0, T * B * I), initial };
  };

  return Object.assign(
    { ...k },
    {
      threads: n,
      forward,
      backward,
      async close() {
        await Promise.all(workers.map((w) => w.terminate()));
      },
      async ready() {
        // polled: a browser has no way to wait for a flag without blocking but Atomics.waitAsync
        for (let slot = 0; slot < n; slot++) {
          while (Atomics.load(flag, slot) === STARTING) await new Promise((r) => setTimeout(r, 2));
          if (Atomics.load(flag, slot) === BROKEN) throw new Error(failure(slot));
        }
      },
    },
  );
}
