/**
 * One direction of one layer: a `Kernel` run over [T][B][W] forward in time or reversed within
 * each sequence's length, optionally in chunks for truncated BPTT.
 *
 * Truncated BPTT with window k ("detach every k steps"): the forward pass is exact; the
 * gradient is that of the same loss with the carried state treated as a constant (a
 * stop-gradient) wherever it crosses a chunk boundary t = k, 2k, … in the direction's own
 * reading order. So each step's gradient flows back at most to the start of its chunk
 * (between 1 and k steps), never into an earlier chunk. Per-step input gradients, parameter
 * gradients from every chunk, and the final-state cotangent (which enters the chunk holding
 * each sequence's last real step) are all kept; dL/d(initial state) only collects what flows
 * back through the first chunk (or the whole of a sequence shorter than k). For k ≥ T this is
 * plain BPTT.
 */
import {
  allocate,
  type FloatArray,
  type ForwardOptions,
  type Kernel,
  layoutSize,
  type Params,
  type Run,
} from "@gated/codegen";
import { reverseWithin, zeroPadded } from "./reverse.js";

/** One kernel run of a direction: `steps` steps from `start` (in its reading order). */
export interface Chunk {
  readonly start: number;
  readonly steps: number;
  readonly run: Run;
}

export interface DirectionRun {
  readonly reverse: boolean;
  readonly T: number;
  readonly B: number;
  readonly lengths: Int32Array;
  /** Chunk start times (in the direction's reading order) and each chunk's kernel run. */
  readonly chunks: readonly Chunk[];
  readonly truncated: boolean;
  /** [T][B][O] in natural time order (padded steps 0). */
  readonly output: Float64Array;
  /** [B][S] per state. */
  readonly final: Record<string, Float64Array>;
}

export interface DirectionGrads {
  /** [T][B][W] in natural time order. */
  readonly input: Float64Array;
  readonly params: Float64Array;
  readonly initial: Record<string, Float64Array>;
}

/**
 * One direction's kernel runs, in its own reading order (reversed within each length for the
 * reverse direction): what the sequence layers keep between forward and backward.
 */
export interface DirectionPass {
  readonly reverse: boolean;
  readonly T: number;
  readonly B: number;
  readonly lengths: Int32Array;
  readonly chunks: readonly Chunk[];
  readonly truncated: boolean;
  /** [T][B][O] in the reading order, in the kernel's dtype (the kernel's own array for one chunk). */
  readonly outputR: FloatArray;
  /** [B][S] per state (the kernel's arrays). */
  readonly final: Record<string, ArrayLike<number>>;
}

/** Gradients of a pass, in its reading order. */
export interface PassGrads {
  /** [T][B][W] in the reading order. */
  readonly inputR: ArrayLike<number>;
  /** Parameter gradients as the kernel gave them (one chunk) or their sum over chunks. */
  readonly params: ArrayLike<number>;
  readonly initial: Record<string, ArrayLike<number>>;
}

/**
 * Runs `kernel` over `xr` ([T][B][W], already in the direction's reading order); `window` ≥ 1
 * enables truncated BPTT; `tape` / `checkpoint` go to every kernel run.
 */
export function passDirection(
  kernel: Kernel,
  params: Params,
  xr: ArrayLike<number>,
  T: number,
  B: number,
  initial: Record<string, ArrayLike<number>>,
  lengths: Int32Array,
  reverse: boolean,
  window?: number,
  tape: Pick<ForwardOptions, "tape" | "checkpoint"> = {},
): DirectionPass {
  const W = kernel.inputSize,
    O = kernel.outputSize;
  const k = window === undefined ? Math.max(T, 1) : window;
  const chunks: Chunk[] = [];
  let cur: Record<string, ArrayLike<number>> = initial;
  for (let start = 0; start < T || (T === 0 && start === 0); start += k) {
    const steps = Math.min(k, T - start);
    const lens = Int32Array.from(lengths, (l) => Math.max(0, Math.min(steps, l - start)));
    const x = steps === T ? xr : subarray(xr, start * B * W, (start + steps) * B * W);
    const run = kernel.forward(params, x, { batch: B, initial: cur, lengths: lens, ...tape });
    chunks.push({ start, steps, run });
    cur = run.final;
    if (T === 0) break;
  }
  let outputR: FloatArray;
  if (chunks.length === 1 && chunks[0]!.steps === T) outputR = chunks[0]!.run.output;
  else {
    outputR = allocate(kernel.dtype, T * B * O);
    for (const c of chunks) outputR.set(c.run.output, c.start * B * O);
  }
  // null prototype: a state may be called __proto__ (an own key, not the object's prototype)
  const final: Record<string, ArrayLike<number>> = Object.create(null);
  for (const name of Object.keys(kernel.stateSizes))
    final[name] = own(cur, name) ?? new Float64Array(B * kernel.stateSizes[name]!);
  const truncated = window !== undefined && window < T;
  return { reverse, T, B, lengths, chunks, truncated, outputR, final };
}

/** Backward through a pass: dOutR [T][B][O] in its reading order with padded steps 0. */
export function backPass(
  kernel: Kernel,
  r: DirectionPass,
  dOutR: ArrayLike<number> | undefined,
  dFinal: Record<string, ArrayLike<number> | undefined>,
): PassGrads {
  const { T, B, lengths } = r;
  const W = kernel.inputSize,
    O = kernel.outputSize;
  const names = Object.keys(kernel.stateSizes);
  const carry: Record<string, Float64Array> = Object.create(null); // own keys even for __proto__
  for (const n of names) {
    const v = own(dFinal, n);
    carry[n] = v ? Float64Array.from(v) : new Float64Array(B * kernel.stateSizes[n]!);
  }
  if (r.chunks.length === 1 && r.chunks[0]!.steps === T) {
    // one chunk: the kernel's gradients as they are (nothing is cut or summed)
    const g = kernel.backward(r.chunks[0]!.run, {
      ...(dOutR ? { output: dOutR } : {}),
      final: carry,
    });
    const initial: Record<string, ArrayLike<number>> = Object.create(null);
    for (const n of names) initial[n] = g.initial[n]!;
    return { inputR: g.input, params: g.params.data, initial };
  }
  const gx = new Float64Array(T * B * W);
  const gp = new Float64Array(layoutSize(kernel.layout));
  for (let j = r.chunks.length - 1; j >= 0; j--) {
    const { start, steps, run } = r.chunks[j]!;
    const g = kernel.backward(run, {
      ...(dOutR ? { output: subarray(dOutR, start * B * O, (start + steps) * B * O) } : {}),
      final: carry,
    });
    gx.set(g.input, start * B * W);
    for (let i = 0; i < gp.length; i++) gp[i]! += g.params.data[i]!;
    for (const n of names) {
      const S = kernel.stateSizes[n]!;
      const d = g.initial[n]!;
      for (let b = 0; b < B; b++) {
        // the stop-gradient at this chunk's start cuts sequences that stepped inside it
        const cut = r.truncated && j > 0 && lengths[b]! > start;
        for (let s = 0; s < S; s++) carry[n]![b * S + s] = cut ? 0 : d[b * S + s]!;
      }
    }
  }
  return { inputR: gx, params: gp, initial: carry };
}

/**
 * Runs `kernel` over x ([T][B][W]) in one direction; `window` ≥ 1 enables truncated BPTT;
 * `tape` / `checkpoint` go to every kernel run (inference, checkpointed BPTT).
 */
export function runDirection(
  kernel: Kernel,
  params: Params,
  x: Float64Array,
  T: number,
  B: number,
  initial: Record<string, Float64Array>,
  lengths: Int32Array,
  reverse: boolean,
  window?: number,
  tape: Pick<ForwardOptions, "tape" | "checkpoint"> = {},
): DirectionRun {
  const O = kernel.outputSize;
  const xr = reverse ? reverseWithin(x, T, B, kernel.inputSize, lengths) : x;
  const p = passDirection(kernel, params, xr, T, B, initial, lengths, reverse, window, tape);
  const final: Record<string, Float64Array> = Object.create(null);
  for (const name of Object.keys(p.final)) final[name] = Float64Array.from(p.final[name]!);
  return {
    reverse,
    T,
    B,
    lengths,
    chunks: p.chunks,
    truncated: p.truncated,
    output: reverse ? reverseWithin(p.outputR, T, B, O, lengths) : Float64Array.from(p.outputR),
    final,
  };
}

/** Backward through one direction: dOut [T][B][O] (natural order), dFinal [B][S] per state. */
export function backDirection(
  kernel: Kernel,
  r: DirectionRun,
  dOut: ArrayLike<number> | undefined,
  dFinal: Record<string, ArrayLike<number> | undefined>,
): DirectionGrads {
  const { T, B, lengths } = r;
  const W = kernel.inputSize,
    O = kernel.outputSize;
  // padded steps output a constant 0: their cotangent is dropped whatever the caller passed
  const dOutR =
    dOut === undefined
      ? undefined
      : zeroPadded(
          r.reverse ? reverseWithin(dOut, T, B, O, lengths) : Float64Array.from(dOut),
          T,
          B,
          O,
          lengths,
        );
  const pass = { ...r, outputR: r.output, final: r.final };
  const g = backPass(kernel, pass, dOutR, dFinal);
  // gradients summed from zero, as over chunks (so a −0 from the kernel is +0 here too)
  const params = new Float64Array(g.params.length);
  for (let i = 0; i < params.length; i++) params[i]! += g.params[i]!;
  const initial: Record<string, Float64Array> = Object.create(null);
  for (const n of Object.keys(g.initial)) initial[n] = Float64Array.from(g.initial[n]!);
  return {
    input: r.reverse ? reverseWithin(g.inputR, T, B, W, lengths) : Float64Array.from(g.inputR),
    params,
    initial,
  };
}

/** `a[start, end)` without a copy where `a` is a typed array. */
function subarray(a: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  return ArrayBuffer.isView(a)
    ? (a as Float64Array).subarray(start, end)
    : Array.prototype.slice.call(a, start, end);
}

/** `o[k]` if `o` has its own property `k` (a state may be called `__proto__` or `constructor`). */
export function own<T>(o: Readonly<Record<string, T>> | undefined, k: string): T | undefined {
  return o != null && Object.hasOwn(o, k) ? o[k] : undefined;
}
