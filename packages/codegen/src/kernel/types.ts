/**
 * The contract between cells and kernels. A `Recurrence` is a per-sample step graph with carried
 * state (what `@gated/rnn`'s `defineCell` produces); a `Kernel` runs it over a batch of
 * sequences forward and backward. Compiled kernels and the interpreter-backed reference kernel
 * implement the same `Kernel`, so sequence layers and tests treat them alike.
 */
import type { Node, Sizes } from "@gated/graph";

export type DType = "float32" | "float64";
export type FloatArray = Float32Array | Float64Array;
/** The typed array of a dtype: `Float32Array` for "float32", `Float64Array` for "float64". */
export type ArrayOf<D extends DType> = D extends "float32" ? Float32Array : Float64Array;

/** One carried state: its input leaf (previous value) and the node giving its next value. */
export interface StateSpec {
  readonly name: string;
  /** The `input` leaf holding the previous value, shape e.g. ["H"]. */
  readonly node: Node;
  /** The next value, same shape as `node`. */
  readonly next: Node;
}

/** A per-sample step: (x_t, state_{t-1}) -> state_t, output_t. */
export interface Recurrence {
  readonly name: string;
  /** The per-step input leaf, shape e.g. ["I"]. */
  readonly x: Node;
  readonly state: readonly StateSpec[];
  /** The per-step output, usually the next `h` (the very same node as that state's `next`). */
  readonly output: Node;
  /** Parameter leaves, in the order of the flat parameter layout. */
  readonly params: readonly Node[];
  /** Names of intermediate values (gates, candidates): emitted code names its buffers after them. */
  readonly locals?: ReadonlyMap<Node, string>;
  /** Initial values of one parameter; the default is PyTorch's U(−1/√H, 1/√H). */
  readonly initParam?: (
    name: string,
    shape: readonly number[],
    random: () => number,
    sizes: Sizes,
  ) => ArrayLike<number>;
}

/** Where one named parameter lives in the flat buffer. */
export interface ParamSlot {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/** Named views over one flat buffer. `get(name)` is a view: writing to it writes the buffer. */
export interface Params<A extends FloatArray = FloatArray> {
  readonly data: A;
  readonly layout: readonly ParamSlot[];
  get(name: string): A;
}

export interface ForwardOptions {
  /** Batch size B; x holds T·B·I values, time-major. */
  readonly batch: number;
  /** Initial state per state name, [B][size]; zeros where absent. */
  readonly initial?: Readonly<Record<string, ArrayLike<number>>>;
  /** Per-sequence lengths (B of them): steps t ≥ lengths[b] change no state and output 0. */
  readonly lengths?: ArrayLike<number>;
  /**
   * `false`: inference — keep nothing for backward (only the output and final states); a
   * `backward` of such a run throws. Compiled kernels then run their forward-only sweep
   * (`schedule.infer`: no residuals, no state history), with the taped run's numbers bit for
   * bit. Default `true`.
   */
  readonly tape?: boolean;
  /**
   * Checkpointed BPTT: keep only the state every K steps (no per-step tape); `backward`
   * recomputes each segment's tape. `"auto"`: K ≈ √T. Same gradients as the full tape (up to
   * the order of the parameter-gradient sums).
   */
  readonly checkpoint?: number | "auto";
}

/** The result of a forward run; keeps what backward needs. */
export interface Run<A extends FloatArray = FloatArray> {
  readonly T: number;
  readonly B: number;
  /** [T][B][outputSize] */
  readonly output: A;
  /** Final state per name, [B][size] (for masked sequences: the state at each sequence's end). */
  readonly final: Readonly<Record<string, A>>;
}

/** Cotangents of the loss w.r.t. the run's results; absent parts are zero. */
export interface Cotangents {
  readonly output?: ArrayLike<number>;
  readonly final?: Readonly<Record<string, ArrayLike<number>>>;
}

export interface Gradients<A extends FloatArray = FloatArray> {
  readonly params: Params<A>;
  /** [T][B][inputSize] */
  readonly input: A;
  /** Per state name, [B][size]. */
  readonly initial: Readonly<Record<string, A>>;
}

export interface KernelOptions<D extends DType = DType> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly dtype?: D;
  /** Sizes of any other symbolic dims the cell uses (e.g. a group count). */
  readonly sizes?: Sizes;
}

/**
 * A recurrence bound to sizes and a dtype, runnable forward and backward over sequences. Generic
 * in the dtype: a `Kernel<"float64">`'s parameters, outputs and gradients are `Float64Array`s.
 */
export interface Kernel<D extends DType = DType> {
  readonly name: string;
  /** What runs it: "js" or "wasm" (compiled), "reference" (the interpreter). */
  readonly backend?: string;
  readonly dtype: D;
  readonly sizes: Sizes;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly stateSizes: Readonly<Record<string, number>>;
  readonly layout: readonly ParamSlot[];
  initParams(opts?: { seed?: number }): Params<ArrayOf<D>>;
  /** Wraps a flat buffer (copied into the kernel's dtype) or zeros as `Params`. */
  params(data?: ArrayLike<number>): Params<ArrayOf<D>>;
  forward(params: Params, x: ArrayLike<number>, opts: ForwardOptions): Run<ArrayOf<D>>;
  backward(run: Run, cotangents: Cotangents): Gradients<ArrayOf<D>>;
}
