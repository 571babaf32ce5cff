/**
 * Sequence layers over any `Kernel`: a cell run over [T][B][I], stacked `numLayers` deep,
 * optionally bidirectional, with per-sequence lengths and truncated BPTT.
 *
 * Semantics follow torch.nn.RNN/LSTM/GRU (batch_first=False):
 * - layer 0 reads x [T][B][I]; layer l > 0 reads the previous layer's output [T][B][D·O];
 * - the reverse direction reads each sequence reversed within its own length (packed
 *   sequences), and its output at t is its state after reading x[L−1..t];
 * - outputs are concatenated per step as [forward | reverse]; padded steps output 0;
 * - states (initial, final, their cotangents and gradients) are [L·D][B][S] per state name,
 *   indexed layer·D + direction; a final state is the one after each sequence's last real step;
 * - padded steps change neither the state nor any gradient.
 *
 * Parameters live in one flat buffer; block (l, d) holds the kernel's layout, its names
 * suffixed PyTorch-style: `U_i_l0`, `U_i_l0_reverse`, `W_f_l1`, ….
 */
import {
  allocate,
  checkLengths,
  type DType,
  type FloatArray,
  type Kernel,
  type KernelOptions,
  layoutSize,
  makeParams,
  type ParamSlot,
  type Params,
  type Recurrence,
  referenceKernel,
} from "@gated/codegen";
import type { Sizes } from "@gated/graph";
import { backPass, type DirectionPass, own, passDirection } from "./direction.js";
import { blockSeed, type InitScheme, initBlock } from "./init.js";
import { reverseWithin } from "./reverse.js";

export type KernelFactory = (rec: Recurrence, opts: KernelOptions) => Kernel;

export interface SequenceModelSpec {
  readonly cell: Recurrence;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers?: number;
  readonly bidirectional?: boolean;
  readonly dtype?: DType;
  /** Sizes of other symbolic dims of the cell. */
  readonly sizes?: Sizes;
  /** Builds the kernels (default: `referenceKernel`; pass `compileCell` for speed). */
  readonly kernel?: KernelFactory;
}

export interface SequenceForwardOptions {
  readonly batch: number;
  /** Per state name, [L·D][B][S]; zeros where absent. */
  readonly initial?: Readonly<Record<string, ArrayLike<number>>>;
  readonly lengths?: ArrayLike<number>;
  /** Truncated BPTT window k ≥ 1 (see direction.ts for the exact semantics). */
  readonly truncate?: number;
  /** `false`: inference, nothing kept for backward (backward then throws). */
  readonly tape?: boolean;
  /** Checkpointed BPTT in every kernel run: the state every K steps, `"auto"`: K ≈ √T. */
  readonly checkpoint?: number | "auto";
}

export interface SequenceRun {
  readonly T: number;
  readonly B: number;
  /** [T][B][D·O] */
  readonly output: FloatArray;
  /** Per state name, [L·D][B][S]. */
  readonly final: Readonly<Record<string, FloatArray>>;
}

export interface SequenceGradients {
  /** Same layout as the model's parameters. */
  readonly params: Params;
  /** [T][B][I] */
  readonly input: FloatArray;
  /** Per state name, [L·D][B][S]. */
  readonly initial: Readonly<Record<string, FloatArray>>;
}

export interface SequenceModel {
  readonly cell: Recurrence;
  readonly numLayers: number;
  /** 2 if bidirectional, else 1. */
  readonly D: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly dtype: DType;
  /** Width of one direction's output (the cell's output size, usually H). */
  readonly cellOutputSize: number;
  /** D · cellOutputSize. */
  readonly outputSize: number;
  readonly stateSizes: Readonly<Record<string, number>>;
  /** Kernel of each layer (layers > 0 share one). */
  readonly kernels: readonly Kernel[];
  readonly layout: readonly ParamSlot[];
  /** Offset of block (layer, dir) in the flat buffer. */
  blockOffset(layer: number, dir: number): number;
  /** The name suffix of block (layer, dir): `_l0`, `_l1_reverse`, …. */
  suffix(layer: number, dir: number): string;
  initParams(opts?: { seed?: number; scheme?: InitScheme }): Params;
  params(data?: ArrayLike<number>): Params;
  /** Block (layer, dir) of `params` as the kernel's own `Params` (a view: writes go through). */
  block(params: Params, layer: number, dir: number): Params;
  forward(params: Params, x: ArrayLike<number>, opts: SequenceForwardOptions): SequenceRun;
  backward(
    run: SequenceRun,
    cot: { output?: ArrayLike<number>; final?: Readonly<Record<string, ArrayLike<number>>> },
  ): SequenceGradients;
}

interface ModelRun extends SequenceRun {
  readonly params: Params;
  readonly dirs: DirectionPass[][];
  /** Made with `tape: false`. */
  readonly inference: boolean;
}

/** Builds a (stacked, bidirectional) sequence model of one cell. */
export function sequenceModel(spec: SequenceModelSpec): SequenceModel {
  const L = spec.numLayers ?? 1;
  const D = spec.bidirectional ? 2 : 1;
  const where = `sequenceModel(${spec.cell.name})`;
  if (!Number.isInteger(L) || L < 1)
    throw new Error(`${where}: numLayers must be a positive integer, got ${L}`);
  const dtype = spec.dtype ?? "float64";
  const make = spec.kernel ?? referenceKernel;
  const base = { hiddenSize: spec.hiddenSize, dtype, ...(spec.sizes ? { sizes: spec.sizes } : {}) };
  const k0 = make(spec.cell, { ...base, inputSize: spec.inputSize });
  const O = k0.outputSize;
  const kernels = [k0];
  if (L > 1) {
    const k1 = make(spec.cell, { ...base, inputSize: D * O });
    for (let l = 1; l < L; l++) kernels.push(k1);
  }
  const stateSizes = k0.stateSizes;
  const names = Object.keys(stateSizes);
  const suffix = (l: number, d: number) => `_l${l}${d === 1 ? "_reverse" : ""}`;
  // values in each layer's block, summed once (block() runs per layer and direction per call)
  const blockSizes = kernels.map((k) => layoutSize(k.layout));
  const offsets: number[] = [];
  const layout: ParamSlot[] = [];
  let total = 0;
  for (let l = 0; l < L; l++)
    for (let d = 0; d < D; d++) {
      offsets.push(total);
      for (const s of kernels[l]!.layout)
        layout.push({ ...s, name: s.name + suffix(l, d), offset: total + s.offset });
      total += blockSizes[l]!;
    }
  const wrap = (data: FloatArray) => makeParams(layout, data);
  const block = (p: Params, l: number, d: number): Params => {
    if (!(l >= 0 && l < L && d >= 0 && d < D))
      throw new Error(`${where}: no block (layer ${l}, direction ${d})`);
    const o = offsets[l * D + d]!;
    return makeParams(kernels[l]!.layout, p.data.subarray(o, o + blockSizes[l]!));
  };
  // the model's dtype: values a float32 kernel gave are float32 already (no rounding here)
  const cast = (a: ArrayLike<number>): FloatArray =>
    (dtype === "float64" ? a instanceof Float64Array : a instanceof Float32Array)
      ? (a as FloatArray)
      : dtype === "float64"
        ? Float64Array.from(a)
        : Float32Array.from(a);
  const stacked = (v: ArrayLike<number> | undefined, n: number, what: string): Float64Array => {
    if (v === undefined) return new Float64Array(n);
    if (v.length !== n)
      throw new Error(`${where}: ${what} needs ${n} values ([L·D][B][S]), got ${v.length}`);
    return Float64Array.from(v);
  };

  const model: SequenceModel = {
    cell: spec.cell,
    numLayers: L,
    D,
    inputSize: spec.inputSize,
    hiddenSize: spec.hiddenSize,
    dtype,
    cellOutputSize: O,
    outputSize: D * O,
    stateSizes,
    kernels,
    layout,
    blockOffset: (l, d) => offsets[l * D + d]!,
    suffix,
    initParams({ seed = 0, scheme = "cell" } = {}) {
      // NaN or 1.5 would silently give seed 0's or 1's weights
      if (!Number.isInteger(seed))
        throw new Error(`${where}: initParams seed must be an integer, got ${seed}`);
      const p = wrap(allocate(dtype, total));
      for (let l = 0; l < L; l++)
        for (let d = 0; d < D; d++)
          p.data.set(
            initBlock(spec.cell, kernels[l]!, scheme, blockSeed(seed, l, d)),
            offsets[l * D + d]!,
          );
      return p;
    },
    params(data) {
      const buf = allocate(dtype, total);
      if (data !== undefined) {
        if (data.length !== total)
          throw new Error(`${where}: parameters need ${total} values, got ${data.length}`);
        buf.set(data);
      }
      return wrap(buf);
    },
    block,
    forward(params, xs, { batch: B, initial = {}, lengths, truncate, tape, checkpoint }) {
      const I = spec.inputSize;
      if (!Number.isInteger(B) || B <= 0)
        throw new Error(`${where}: batch must be a positive integer, got ${B}`);
      if (xs.length % (B * I) !== 0)
        throw new Error(`${where}: x has ${xs.length} values, not a multiple of B·I = ${B * I}`);
      if (truncate !== undefined && !(Number.isInteger(truncate) && truncate >= 1)) {
        throw new Error(`${where}: truncate must be an integer ≥ 1, got ${truncate}`);
      }
      if (params.data.length !== total)
        throw new Error(
          `${where}: parameters have ${params.data.length} values, the model needs ${total}`,
        );
      for (const n of Object.keys(initial))
        if (!names.includes(n))
          throw new Error(
            `${where}: unknown state "${n}" in initial (states: ${names.join(", ")})`,
          );
      const T = xs.length / (B * I);
      const len = checkLengths(lengths, B, T);
      const init = Object.fromEntries(
        names.map((n) => [n, stacked(own(initial, n), L * D * B * stateSizes[n]!, `initial ${n}`)]),
      );
      const final = Object.fromEntries(
        names.map((n) => [n, allocate(dtype, L * D * B * stateSizes[n]!)]),
      );
      // each layer's input as it is (kernels copy what they keep); typed arrays are not copied
      let inp: ArrayLike<number> = ArrayBuffer.isView(xs) ? xs : Float64Array.from(xs);
      const dirs: DirectionPass[][] = [];
      for (let l = 0; l < L; l++) {
        const runs: DirectionPass[] = [];
        const W = kernels[l]!.inputSize;
        // one direction: its output is the next input; two: [forward | reverse] per step
        const next = D === 1 ? null : allocate(dtype, T * B * D * O);
        for (let d = 0; d < D; d++) {
          const k = l * D + d;
          const h0 = Object.fromEntries(
            names.map((n) => {
              const S = B * stateSizes[n]!;
              return [n, init[n]!.subarray(k * S, (k + 1) * S)];
            }),
          );
          const r = passDirection(
            kernels[l]!,
            block(params, l, d),
            d === 1 ? reverseWithin(inp, T, B, W, len) : inp,
            T,
            B,
            h0,
            len,
            d === 1,
            truncate,
            {
              ...(tape !== undefined ? { tape } : {}),
              ...(checkpoint !== undefined ? { checkpoint } : {}),
            },
          );
          runs.push(r);
          if (next) interleave(next, r.outputR, T, B, O, D, d, d === 1 ? len : null);
          else inp = r.outputR;
          for (const n of names) final[n]!.set(r.final[n]!, k * B * stateSizes[n]!);
        }
        dirs.push(runs);
        if (next) inp = next;
      }
      const run: ModelRun = {
        T,
        B,
        output: cast(inp),
        final,
        params,
        dirs,
        inference: tape === false,
      };
      return run;
    },
    backward(run0, cot) {
      const run = run0 as ModelRun;
      if (!run.dirs) throw new Error(`${where}: backward needs a run from this model's forward`);
      if (run.inference)
        throw new Error(
          `${where}: backward of a run made with { tape: false } (inference), which kept nothing for backward`,
        );
      const { T, B } = run;
      const n0 = T * B * D * O;
      if (cot.output !== undefined && cot.output.length !== n0)
        throw new Error(
          `${where}: output cotangent ([T][B][D·O]) needs ${n0} values ([L·D][B][S]), got ${cot.output.length}`,
        );
      let dOut: ArrayLike<number> = cot.output ?? new Float64Array(n0);
      const dFin = Object.fromEntries(
        names.map((n) => [
          n,
          stacked(own(cot.final, n), L * D * B * stateSizes[n]!, `final ${n} cotangent`),
        ]),
      );
      for (const n of Object.keys(cot.final ?? {}))
        if (!names.includes(n))
          throw new Error(`${where}: unknown state "${n}" in final cotangents`);
      const gParams = allocate(dtype, total);
      const gInit = Object.fromEntries(
        names.map((n) => [n, allocate(dtype, L * D * B * stateSizes[n]!)]),
      );
      const len = run.dirs[0]![0]!.lengths;
      for (let l = L - 1; l >= 0; l--) {
        const W = kernels[l]!.inputSize;
        const dIn = new Float64Array(T * B * W);
        for (let d = 0; d < D; d++) {
          const k = l * D + d;
          const rev = d === 1 ? len : null;
          // this direction's output cotangent in its reading order, padded steps 0 (float64:
          // kernels that compute in float64 read it unrounded)
          const dO = new Float64Array(T * B * O);
          deinterleave(dO, dOut, B, O, D, d, len, rev);
          const dF = Object.fromEntries(
            names.map((n) => {
              const S = B * stateSizes[n]!;
              return [n, dFin[n]!.subarray(k * S, (k + 1) * S)];
            }),
          );
          const g = backPass(kernels[l]!, run.dirs[l]![d]!, dO, dF);
          accumulate(dIn, g.inputR, T, B, W, rev);
          // summed from zero, as over chunks (a −0 from the kernel is +0)
          const o = offsets[k]!;
          for (let i = 0; i < g.params.length; i++) gParams[o + i] = g.params[i]! + 0;
          for (const n of names) gInit[n]!.set(g.initial[n]!, k * B * stateSizes[n]!);
        }
        dOut = dIn;
      }
      return {
        params: wrap(gParams),
        input: cast(dOut),
        initial: gInit,
      };
    },
  };
  return model;
}

/** Time t of the reading order that step t of the natural order is (reversed within a length). */
const readAt = (t: number, L: number, rev: boolean): number => (rev && t < L ? L - 1 - t : t);

/** out[t][b][d·O : (d+1)·O] = r[t'][b] with t' the reading-order step of t (rev: reversed). */
function interleave(
  out: FloatArray,
  r: ArrayLike<number>,
  T: number,
  B: number,
  O: number,
  D: number,
  d: number,
  rev: Int32Array | null,
): void {
  for (let b = 0; b < B; b++) {
    const L = rev ? rev[b]! : T;
    for (let t = 0; t < T; t++) {
      const src = (readAt(t, L, rev !== null) * B + b) * O;
      const dst = (t * B + b) * D * O + d * O;
      for (let o = 0; o < O; o++) out[dst + o] = r[src + o]!;
    }
  }
}

/** out[t'][b] = dOut[t][b][d·O : (d+1)·O] in direction d's reading order; padded steps stay 0. */
function deinterleave(
  out: FloatArray,
  dOut: ArrayLike<number>,
  B: number,
  O: number,
  D: number,
  d: number,
  lengths: Int32Array,
  rev: Int32Array | null,
): void {
  for (let b = 0; b < B; b++) {
    const L = lengths[b]!;
    for (let t = 0; t < L; t++) {
      const src = (readAt(t, L, rev !== null) * B + b) * D * O + d * O;
      const dst = (t * B + b) * O;
      for (let o = 0; o < O; o++) out[dst + o] = dOut[src + o]!;
    }
  }
}

/** acc[t][b] += g[t'][b] (W values) with t' the reading-order step of t. */
function accumulate(
  acc: Float64Array,
  g: ArrayLike<number>,
  T: number,
  B: number,
  W: number,
  rev: Int32Array | null,
): void {
  for (let b = 0; b < B; b++) {
    const L = rev ? rev[b]! : T;
    for (let t = 0; t < T; t++) {
      const src = (readAt(t, L, rev !== null) * B + b) * W;
      const dst = (t * B + b) * W;
      for (let i = 0; i < W; i++) acc[dst + i]! += g[src + i]!;
    }
  }
}
