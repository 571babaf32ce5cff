/**
 * The schedule: plain data, backend-neutral. A procedure is a list of statements over named
 * buffers; statements are loop nests of a few structural kinds (a fused elementwise map, a
 * row-batched contraction, a gather, a reduction, a linear scan, copies and masks). Lowering produces it from a
 * recurrence; emitters (JavaScript now, WebAssembly later) turn it into code.
 */
import type { Scalar } from "@gated/graph";
import type { DType, ParamSlot } from "../kernel/types.js";

/**
 * How many rows a statement runs over: `one` (static, once per call), `B` (one time step, inside
 * the time loop) or `TB` (every row of the sequence, before or after the loop).
 */
export type Rows = "one" | "B" | "TB";

/** A row count: a number fixed at compile time, or the step's B rows, or all T·B rows. */
export type Dim = number | "B" | "TB";

/**
 * Where a value lives. Element `j` of row `r` is `buf[base(r) + col + j]` with
 * - `static`: base = 0 (no rows);
 * - `row`: base = r·ld (a per-step buffer of B rows);
 * - `time`: base = ((t + shift)·B + r)·ld inside the time loop, (shift·B + r)·ld outside it;
 * - `cols`: a [width][T·B] buffer (a transposed `time` buffer): element (r, j) is buf[(col + j)·TB + r].
 */
export interface Loc {
  readonly buf: string;
  readonly scope: "static" | "row" | "time" | "cols";
  readonly ld: number;
  readonly col: number;
  readonly shift: number;
}

/** Buffer kinds: who allocates it and what it is for. */
export type BufferRole =
  | "param" // the flat parameter buffer (read), or its gradient (backward, written)
  | "input" // a per-row input of the procedure (x, an output cotangent, a tape entry)
  | "output" // a per-row output of the procedure (output, dx)
  | "state" // state history [(T+1)·B] (forward) or carried cotangent [B] (backward)
  | "tape" // written by forward, read by backward
  | "temp"
  | "const"; // folded constants and index tables, fixed at compile time

/** Element types of buffers: the compute type (f32 or f64) and i32 index tables. */
export type ElemType = "f32" | "f64" | "i32";

/**
 * A size or offset in elements that depends on the call's sizes: a + b·B + c·T·B. The memory
 * plan gives every buffer of a procedure such an offset in one linear memory.
 */
export interface Extent {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

export interface BufferDecl {
  readonly name: string;
  readonly role: BufferRole;
  /** Element type: the sweep's compute type, or i32 for index tables. */
  readonly type: ElemType;
  /** Row count: none, B, T·B or (T+1)·B. */
  readonly rows: "one" | "B" | "TB" | "T1B";
  readonly width: number;
  /** What it holds, for comments. */
  readonly doc: string;
  /** For `const` buffers: the values (and whether they are indices). */
  readonly data?: readonly number[];
  readonly int?: boolean;
  /** Storage borrowed from another temporary whose live range has ended (buffer reuse). */
  readonly shares?: string;
  /**
   * Where it lives in the procedure's one memory, in elements (`planMemory`; a buffer that
   * shares storage has its host's offset). Every coefficient is a multiple of 16 bytes.
   */
  readonly offset?: Extent;
}

/** An operand of a fused map: an earlier let, a load, or a literal. */
export type Operand =
  | { readonly kind: "let"; readonly name: string }
  | { readonly kind: "load"; readonly loc: Loc; readonly width: number; readonly index?: string }
  | { readonly kind: "lit"; readonly value: number };

/** One value computed in a fused map: `name = expr(args)`. */
export interface MapLet {
  readonly name: string;
  /** The op's name, for printing. */
  readonly op: string;
  readonly args: readonly Operand[];
  /** The op's formula in the scalar IR; `arg i` is `args[i]`. */
  readonly expr: Scalar;
  /** The equation, in the cell's notation, for the comment. */
  readonly doc: string;
}

export interface MapStore {
  readonly from: string;
  readonly to: Loc;
}

export type Stmt =
  | {
      readonly kind: "loop";
      readonly reverse: boolean;
      readonly body: readonly Stmt[];
      readonly doc: string;
    }
  | {
      /** All elementwise work of one width, fused: for each row, for j < width, lets then stores. */
      readonly kind: "map";
      readonly rows: Rows;
      readonly width: number;
      readonly lets: readonly MapLet[];
      readonly stores: readonly MapStore[];
    }
  | {
      /**
       * A matrix product in dot-product form: C[i, n] (+)= Σ_k A[i, k]·P[n, k] for i < m,
       * n < n, k < k. Row-batched (m = B or T·B rows of a step or of the sequence), or over
       * `cols` buffers (k = T·B: a parameter gradient summed over every row at once).
       */
      readonly kind: "gemm";
      readonly m: Dim;
      readonly n: number;
      readonly k: Dim;
      readonly a: Loc;
      readonly p: Loc;
      readonly c: Loc;
      readonly accumulate: boolean;
      readonly doc: string;
    }
  | {
      /** to[j, i] = from[i, j] for i < m, j < n (`to` has leading dimension m). */
      readonly kind: "transpose";
      readonly m: Dim;
      readonly n: number;
      readonly from: Loc;
      readonly to: Loc;
      readonly doc: string;
    }
  | {
      /** out[r, to[k]] = in[r, from[k]] for k < width (broadcast, transpose, slice, concat). */
      readonly kind: "gather";
      readonly rows: Rows;
      readonly from: Loc;
      readonly to: Loc;
      readonly index: string;
      readonly toIndex: string;
      readonly width: number;
      readonly doc: string;
    }
  | {
      /** out[r, k] = finish(fold_{i<count} combine(acc, in[r, base[k] + i·stride])). */
      readonly kind: "reduce";
      readonly rows: Rows;
      readonly from: Loc;
      readonly to: Loc;
      readonly base: string;
      readonly width: number;
      readonly count: number;
      readonly stride: number;
      readonly init: number;
      /** Scalar IR over `arg 0` (the accumulator) and `arg 1` (the element, or the count for finish). */
      readonly combine: Scalar;
      readonly finish?: Scalar;
      readonly doc: string;
    }
  | {
      /**
       * A linear recurrence along runs of `count` contiguous elements (an op's last axis), for
       * each run of each row: y₀ = b₀, yᵢ = aᵢ·yᵢ₋₁ + bᵢ (from the end when `reverse`), stored
       * to `to`. `a` is a location, or a number when the coefficients are one constant.
       */
      readonly kind: "scan";
      readonly rows: Rows;
      readonly a: Loc | number;
      readonly b: Loc;
      readonly to: Loc;
      readonly width: number;
      readonly count: number;
      readonly reverse: boolean;
      readonly doc: string;
    }
  | {
      /** Per-row products whose operands are not a static matrix times rows: generic loops. */
      readonly kind: "product";
      readonly op: "matvec" | "matmul" | "outer";
      readonly rows: Rows;
      readonly a: Loc;
      readonly b: Loc;
      readonly to: Loc;
      /** matvec: [m,k]·[k]; matmul: [m,k]·[k,n]; outer: [m]⊗[n]. */
      readonly m: number;
      readonly n: number;
      readonly k: number;
      readonly doc: string;
    }
  | {
      /** dst[0:width] += Σ_r src[r, 0:width] (a per-row gradient summed into a parameter). */
      readonly kind: "colsum";
      readonly rows: Rows;
      readonly from: Loc;
      readonly to: Loc;
      /** Further destinations given the same sums, in the same pass (biases of one gate). */
      readonly also?: readonly Loc[];
      readonly width: number;
      readonly doc: string;
    }
  | {
      readonly kind: "copy";
      readonly rows: Rows;
      readonly from: Loc;
      readonly to: Loc;
      readonly width: number;
      readonly doc: string;
    }
  | {
      readonly kind: "fill";
      readonly rows: Rows;
      readonly to: Loc;
      readonly width: number;
      readonly value: number;
      readonly doc: string;
    }
  | {
      /**
       * Masking by sequence length, for the rows b with t ≥ len[b] of this step.
       * forward `hold`: state keeps its value (pairs [prev, next]), outputs are zeroed;
       * backward `split`: the incoming cotangent moves to `keep` and reads as zero for the step;
       * backward `merge`: the outgoing cotangent is the kept one.
       */
      readonly kind: "mask";
      readonly mode: "hold" | "split" | "merge";
      readonly pairs: readonly { readonly a: Loc; readonly b: Loc; readonly width: number }[];
      readonly zero: readonly { readonly loc: Loc; readonly width: number }[];
    }
  | {
      /** Zero the rows of a [T·B] buffer whose step is past the sequence's length. */
      readonly kind: "maskRows";
      readonly loc: Loc;
      readonly width: number;
    }
  | { readonly kind: "swap"; readonly pairs: readonly (readonly [string, string])[] };

/** One sweep: its buffers, what it takes and returns, and its statements. */
export interface Proc {
  readonly sweep: "forward" | "backward";
  readonly buffers: readonly BufferDecl[];
  /** Buffers passed in by the caller, in order (names of `input`/`tape`/`state` buffers). */
  readonly args: readonly string[];
  /** Buffers returned, in order. */
  readonly results: readonly string[];
  readonly body: readonly Stmt[];
  /** Elements of the procedure's one memory (`planMemory`): every buffer's offset is below it. */
  readonly memory?: Extent;
}

/** A compiled recurrence: layout, sizes, both sweeps and the inference sweep. */
export interface Schedule {
  readonly name: string;
  readonly dtype: DType;
  /** The element type the sweeps compute and keep their buffers in (float64 for JS). */
  readonly compute: "f32" | "f64";
  readonly hash: string;
  readonly sizes: Readonly<Record<string, number>>;
  readonly layout: readonly ParamSlot[];
  readonly paramSize: number;
  /** Per-row inputs (x, or a stateless graph's inputs): names and widths. */
  readonly inputs: readonly { readonly name: string; readonly width: number }[];
  readonly outputs: readonly { readonly name: string; readonly width: number }[];
  readonly states: readonly { readonly name: string; readonly width: number }[];
  /** Names of the tape buffers forward returns and backward takes, in order. */
  readonly tape: readonly string[];
  readonly consts: readonly BufferDecl[];
  readonly forward: Proc;
  readonly backward: Proc;
  /**
   * The forward sweep for inference (`tape: false`, `step()`): no tape, states in two step
   * buffers; takes the inputs and initial states, returns the outputs and final states.
   */
  readonly infer: Proc;
}
