/**
 * Kernel threads: `compileCell(…, { threads: N })`. The rows of a batch are independent through
 * the whole recurrence, so each of N workers takes a fixed slice of the batch for the whole sweep
 * (the main thread runs slice 0): one synchronisation per forward and per backward call, not one
 * per step. Workers evaluate the kernel's own text (what `emitModule` writes), so every backend
 * works; inputs and results travel in SharedArrayBuffers, completion is signalled with Atomics.
 *
 * Outputs, final states and input gradients are bitwise those of one thread (each row is computed
 * by the same code on the same values). Parameter gradients are the slices' sums added in slice
 * order: equal to one thread's up to the order of the float additions over the batch, i.e.
 * |Δ| ≤ (N + 1)·u·Σ_b |∂_b| per entry (u = 2⁻⁵³ in float64, 2⁻²⁴ in float32), deterministic
 * for a given N.
 *
 * Node ≥ 20.16 (worker_threads through process.getBuiltinModule); the main thread blocks in
 * Atomics.wait, which a browser's main thread may not do: there, threads > 1 is an error.
 */

import { makeParams } from "./params.js";
import type { Cotangents, ForwardOptions, Gradients, Kernel, Params, Run } from "./types.js";

interface WorkerModule {
  Worker: new (
    code: string,
    opts: { eval: true; workerData: unknown; transferList: unknown[] },
  ) => {
    postMessage(m: unknown, transfer?: unknown[]): void;
    unref(): void;
    terminate(): Promise<number>;
  };
  MessageChannel: new () => { port1: MessagePortLike; port2: MessagePortLike };
  receiveMessageOnPort(port: MessagePortLike): { message: unknown } | undefined;
}
interface MessagePortLike {
  postMessage(m: unknown): void;
}

/** The worker: evaluates the kernel text once, then runs slices on request. */
const WORKER = `"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { text, wasm, ctrl, slot, reply } = workerData;
const flag = new Int32Array(ctrl);
const api = new Function("$wasmBytes", '"use strict";\\n' + text + "\\nreturn { params, forward, backward };")(wasm);
const runs = new Map();
function done(msg, state) { reply.postMessage(msg); Atomics.store(flag, slot, state); Atomics.notify(flag, slot); }
done({ ready: true }, 1);
parentPort.on("message", (m) => {
  try {
    if (m.op === "drop") { runs.delete(m.id); return; }
    if (m.op === "forward") {
      const p = api.params(m.params);
      const run = api.forward(p, m.x, m.opts);
      m.output.set(run.output);
      const final = {};
      for (const k of Object.keys(run.final)) { final[k] = new SharedArrayBuffer(run.final[k].length * 8); new Float64Array(final[k]).set(run.final[k]); }
      if (run.tape) runs.set(m.id, run);
      done({ final }, 1);
    } else if (m.op === "backward") {
      const run = runs.get(m.id);
      if (!run) throw new Error("backward: this worker kept no tape for run " + m.id);
      runs.delete(m.id);
      const g = api.backward(run, m.cot);
      m.input.set(g.input);
      const params = new SharedArrayBuffer(g.params.data.length * 8);
      new Float64Array(params).set(g.params.data);
      const initial = {};
      for (const k of Object.keys(g.initial)) { initial[k] = new SharedArrayBuffer(g.initial[k].length * 8); new Float64Array(initial[k]).set(g.initial[k]); }
      done({ params, initial }, 1);
    }
  } catch (e) {
    done({ error: String(e && e.message || e) }, 1);
  }
});
`;

/** `process.getBuiltinModule("node:worker_threads")`, or a one-line error saying why not. */
function workerThreads(where: string): WorkerModule {
  const g = globalThis as unknown as {
    process?: { getBuiltinModule?: (n: string) => unknown };
    window?: unknown;
  };
  if (g.window !== undefined || g.process === undefined)
    throw new Error(
      `${where}: threads > 1 needs Node's worker_threads (a browser's main thread cannot block in Atomics.wait); use threads: 1 here`,
    );
  const m = g.process.getBuiltinModule?.("node:worker_threads") as WorkerModule | undefined;
  if (!m) throw new Error(`${where}: threads > 1 needs Node ≥ 20.16 (process.getBuiltinModule)`);
  return m;
}

/** The batch rows of slice j of n: [floor(jB/n), floor((j+1)B/n)). */
function slices(B: number, n: number): [number, number][] {
  const k = Math.min(n, B);
  return Array.from({ length: k }, (_, j) => [
    Math.floor((j * B) / k),
    Math.floor(((j + 1) * B) / k),
  ]);
}

/** Rows [b0, b1) of every step of a [T][B][w] array, contiguous ([T][b1−b0][w]). */
function gather(
  a: ArrayLike<number> | undefined,
  T: number,
  B: number,
  w: number,
  b0: number,
  b1: number,
  out: Float64Array,
): Float64Array {
  if (a === undefined) return out;
  const n = (b1 - b0) * w;
  for (let t = 0; t < T; t++)
    for (let i = 0, s = (t * B + b0) * w, d = t * n; i < n; i++) out[d + i] = a[s + i]!;
  return out;
}

function scatter(
  src: ArrayLike<number>,
  T: number,
  B: number,
  w: number,
  b0: number,
  b1: number,
  out: { [i: number]: number },
): void {
  const n = (b1 - b0) * w;
  for (let t = 0; t < T; t++)
    for (let i = 0, d = (t * B + b0) * w, s = t * n; i < n; i++) out[d + i] = src[s + i]!;
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

const shared = (n: number) => new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8));

interface ThreadedRun extends Run {
  readonly owner: object;
  readonly parts: readonly {
    readonly b0: number;
    readonly b1: number;
    readonly run?: Run;
    readonly id?: number;
  }[];
}

/** A kernel whose forward/backward split the batch over `n` threads (the main one included). */
export function threadedKernel<K extends Kernel>(
  k: K,
  n: number,
  text: string,
  wasm?: Uint8Array,
): K & { readonly threads: number; close(): Promise<void> } {
  const where = `compileCell ${JSON.stringify(k.name)}`;
  if (!(Number.isInteger(n) && n >= 1))
    throw new Error(`${where}: threads must be a positive integer, got ${String(n)}`);
  const wt = workerThreads(where);
  const ctrl = new SharedArrayBuffer(4 * n);
  const flag = new Int32Array(ctrl);
  const workers = Array.from({ length: n - 1 }, (_, j) => {
    const { port1, port2 } = new wt.MessageChannel();
    const w = new wt.Worker(WORKER, {
      eval: true,
      workerData: { text, wasm, ctrl, slot: j + 1, reply: port2 },
      transferList: [port2],
    });
    w.unref();
    return { w, port: port1, slot: j + 1, ready: false };
  });
  const I = k.inputSize,
    O = k.outputSize;
  const names = Object.keys(k.stateSizes);
  const owner = {};
  let nextId = 1;
  // a run dropped without backward frees the workers' tapes
  const drops = new FinalizationRegistry<number[]>((ids) =>
    ids.forEach((id, j) => j > 0 && workers[j - 1]?.w.postMessage({ op: "drop", id })),
  );

  // blocks until the worker in `slot` has answered (Atomics), then reads its reply
  const wait = (slot: number): Record<string, unknown> => {
    const w = workers[slot - 1]!;
    while (Atomics.load(flag, slot) === 0) Atomics.wait(flag, slot, 0, 60_000);
    const r = wt.receiveMessageOnPort(w.port);
    Atomics.store(flag, slot, 0);
    const m = (r?.message ?? {}) as Record<string, unknown>;
    if (m["ready"]) w.ready = true;
    if (typeof m["error"] === "string") throw new Error(m["error"]);
    return m;
  };
  // every posted slot is waited for, even when one failed, so no reply is left for a later call
  const collect = (n: number, own: () => void): Record<string, unknown>[] => {
    let err: unknown;
    try {
      own();
    } catch (e) {
      err = e;
    }
    const got: Record<string, unknown>[] = [{}];
    for (let j = 1; j < n; j++) {
      try {
        got[j] = wait(j);
      } catch (e) {
        err ??= e;
      }
    }
    if (err !== undefined) throw err;
    return got;
  };
  const post = (slot: number, m: unknown) => {
    const w = workers[slot - 1]!;
    if (!w.ready) wait(slot); // the first call waits for the worker to load the kernel
    Atomics.store(flag, slot, 0);
    w.w.postMessage(m);
  };

  const forward = (params: Params, x: ArrayLike<number>, opts: ForwardOptions): Run => {
    const B = opts.batch;
    if (!Number.isInteger(B) || B <= 0 || n === 1 || B === 1) return k.forward(params, x, opts);
    const T = I === 0 ? 0 : x.length / (B * I);
    // what slicing would hide (a wrong length, a string among the values): one thread's error
    if (!Number.isInteger(T) || !wellFormed(x, opts.lengths, opts.initial, B, k.stateSizes))
      return k.forward(params, x, opts);
    const parts = slices(B, n);
    const P = shared(params.data.length);
    P.set(params.data);
    const rows = (v: ArrayLike<number> | undefined, w: number, b0: number, b1: number) =>
      v === undefined ? undefined : Array.from({ length: (b1 - b0) * w }, (_, i) => v[b0 * w + i]!);
    const optsFor = (b0: number, b1: number) => {
      const initial: Record<string, number[]> = {};
      for (const s of names) {
        const v = opts.initial?.[s];
        if (v !== undefined && Object.hasOwn(opts.initial!, s))
          initial[s] = rows(v, k.stateSizes[s]!, b0, b1)!;
      }
      return {
        batch: b1 - b0,
        initial,
        ...(opts.lengths !== undefined ? { lengths: Array.from(opts.lengths).slice(b0, b1) } : {}),
        ...(opts.tape !== undefined ? { tape: opts.tape } : {}),
        ...(opts.checkpoint !== undefined ? { checkpoint: opts.checkpoint } : {}),
      };
    };
    // workers first, then slice 0 here, then collect
    const outs = parts.map(([b0, b1]) => shared(T * (b1 - b0) * O));
    const ids: number[] = [];
    for (let j = 1; j < parts.length; j++) {
      const [b0, b1] = parts[j]!;
      const xs = gather(x, T, B, I, b0, b1, shared(T * (b1 - b0) * I));
      const id = nextId++;
      ids[j] = id;
      post(j, { op: "forward", id, params: P, x: xs, opts: optsFor(b0, b1), output: outs[j]! });
    }
    const [a0, a1] = parts[0]!;
    let r0!: Run;
    const got = collect(parts.length, () => {
      r0 = k.forward(
        params,
        gather(x, T, B, I, a0, a1, new Float64Array(T * (a1 - a0) * I)),
        optsFor(a0, a1),
      );
    });
    const output = new (k.dtype === "float32" ? Float32Array : Float64Array)(T * B * O);
    scatter(r0.output, T, B, O, a0, a1, output);
    const final = Object.fromEntries(
      names.map((s) => [
        s,
        new (k.dtype === "float32" ? Float32Array : Float64Array)(B * k.stateSizes[s]!),
      ]),
    );
    for (const s of names) final[s]!.set(r0.final[s]!, a0 * k.stateSizes[s]!);
    for (let j = 1; j < parts.length; j++) {
      const [b0, b1] = parts[j]!;
      scatter(outs[j]!, T, B, O, b0, b1, output);
      const f = got[j]!["final"] as Record<string, SharedArrayBuffer>;
      for (const s of names) final[s]!.set(new Float64Array(f[s]!), b0 * k.stateSizes[s]!);
    }
    const run: ThreadedRun = {
      T,
      B,
      output,
      final,
      owner,
      parts: parts.map(([b0, b1], j) => (j === 0 ? { b0, b1, run: r0 } : { b0, b1, id: ids[j]! })),
    };
    if (opts.tape !== false) drops.register(run, ids, run);
    (run as unknown as { tape: unknown }).tape = opts.tape === false ? null : true;
    return run;
  };

  const backward = (run0: Run, cot: Cotangents): Gradients => {
    const run = run0 as ThreadedRun;
    if (run.owner !== owner) return k.backward(run0, cot);
    const { T, B, parts } = run;
    if ((run as unknown as { tape: unknown }).tape === null)
      throw new Error(
        "backward: this run was made with { tape: false } (inference) and kept nothing for backward; run forward without tape: false",
      );
    for (const s of Object.keys(cot.final ?? {}))
      if (!names.includes(s))
        throw new Error(
          `backward: unknown state ${JSON.stringify(s)} in final cotangents (states: ${names.join(", ")})`,
        );
    if (cot.output !== undefined && cot.output.length !== T * B * O)
      throw new Error(
        `backward: output cotangent needs ${T * B * O} values, got ${cot.output.length}`,
      );
    if (cot.output !== undefined && !numbers(cot.output))
      throw new Error("backward: the output cotangent must hold numbers only");
    for (const s of names) {
      const v = cot.final?.[s];
      if (
        v !== undefined &&
        Object.hasOwn(cot.final!, s) &&
        (v.length !== B * k.stateSizes[s]! || !numbers(v))
      )
        throw new Error(
          `backward: final ${s} cotangent needs ${B * k.stateSizes[s]!} numbers, got ${v.length} values`,
        );
    }
    const cotFor = (b0: number, b1: number) => {
      const final: Record<string, number[]> = {};
      for (const s of names) {
        const v = cot.final?.[s];
        const w = k.stateSizes[s]!;
        if (v !== undefined && Object.hasOwn(cot.final!, s))
          final[s] = Array.from({ length: (b1 - b0) * w }, (_, i) => v[b0 * w + i]!);
      }
      return {
        ...(cot.output !== undefined
          ? { output: gather(cot.output, T, B, O, b0, b1, new Float64Array(T * (b1 - b0) * O)) }
          : {}),
        final,
      };
    };
    const dx = parts.map(({ b0, b1 }) => shared(T * (b1 - b0) * I));
    drops.unregister(run);
    for (let j = 1; j < parts.length; j++) {
      const { b0, b1, id } = parts[j]!;
      post(j, { op: "backward", id, cot: cotFor(b0, b1), input: dx[j]! });
    }
    const p0 = parts[0]!;
    let g0!: Gradients;
    const got = collect(parts.length, () => {
      g0 = k.backward(p0.run!, cotFor(p0.b0, p0.b1));
    });
    const F = k.dtype === "float32" ? Float32Array : Float64Array;
    const input = new F(T * B * I);
    scatter(g0.input, T, B, I, p0.b0, p0.b1, input);
    const initial = Object.fromEntries(names.map((s) => [s, new F(B * k.stateSizes[s]!)]));
    for (const s of names) initial[s]!.set(g0.initial[s]!, p0.b0 * k.stateSizes[s]!);
    // parameter gradients summed in slice order: deterministic for a given thread count
    const dP = Float64Array.from(g0.params.data);
    for (let j = 1; j < parts.length; j++) {
      const m = got[j]!;
      const { b0, b1 } = parts[j]!;
      scatter(dx[j]!, T, B, I, b0, b1, input);
      const gp = new Float64Array(m["params"] as SharedArrayBuffer);
      for (let i = 0; i < dP.length; i++) dP[i]! += gp[i]!;
      const gi = m["initial"] as Record<string, SharedArrayBuffer>;
      for (const s of names) initial[s]!.set(new Float64Array(gi[s]!), b0 * k.stateSizes[s]!);
    }
    return { params: makeParams(k.layout, F.from(dP)), input, initial };
  };

  return Object.assign(
    { ...k },
    {
      threads: n,
      forward,
      backward,
      async close() {
        await Promise.all(workers.map((w) => w.w.terminate()));
      },
    },
  );
}
