/**
 * The backend seam. A backend turns a schedule (backend-neutral data: statements over buffers
 * with element types and one memory plan, op formulas as scalar-IR trees) into kernel source;
 * the host runtime (runtime.ts: parameter views, argument checks, the tape, `step`) is the same
 * for every backend and calls the two sweeps through one ABI.
 */
import type { DType } from "../kernel/types.js";
import type { Schedule } from "../schedule/schedule.js";

/** What a backend produces for one schedule. */
export interface KernelSource {
  /**
   * JavaScript text without imports or exports: constant tables, helpers, the compute array type
   * `$KF` (e.g. `const $KF = Float64Array;`) and the three sweeps `forward_kernel(P, T, B, len,
   * ...args)`, `backward_kernel(P, T, B, len, ...args)` and `infer_kernel(P, T, B, len, ...args)`
   * (the schedule's `infer`: forward without a tape), returning their results in order. A sweep
   * marked `memory` (`forward_kernel.memory = true`, the wasm backend's) copies its arguments
   * into a memory of its own, so the runtime may pass it arrays it does not own, and given one
   * argument more, `true`, it returns views of that memory, valid until its next call (the
   * runtime copies out what it keeps); other sweeps get copies and ignore that argument.
   */
  readonly js: string;
  /** WebAssembly bytes, if any: the text sees them as the identifier `$wasmBytes` (a Uint8Array). */
  readonly wasm?: Uint8Array;
}

/** What `compileCell` passes a backend besides the schedule. */
export interface BackendOptions {
  /**
   * WebAssembly: products with relaxed-SIMD fused multiply-adds where the engine runs them
   * (`compileCell`'s `fma`; default false: the same bits on every engine).
   */
  readonly fma?: boolean;
}

export interface Backend {
  /** "js" | "wasm": what `k.backend` reports. */
  readonly name: string;
  /**
   * Kernel source for a schedule: constant tables, helpers and the three sweeps
   * `forward_kernel(P, T, B, len, ...args)` / `backward_kernel(...)` / `infer_kernel(...)` (the ABI the host runtime
   * in runtime.ts calls), as JS text without imports/exports; `wasm` bytes, if any, are
   * available to that text as the identifier `$wasmBytes` (a Uint8Array).
   */
  emit(schedule: Schedule, opts?: BackendOptions): KernelSource;
  /**
   * The element type the sweeps compute in for a dtype (the lowering types every buffer with it).
   * Absent: "f64" (JS computes in doubles whatever the dtype).
   */
  readonly compute?: (dtype: DType) => "f32" | "f64";
  /** Whether it can run here (e.g. WebAssembly SIMD is supported). Absent: always. */
  readonly available?: () => boolean;
}
