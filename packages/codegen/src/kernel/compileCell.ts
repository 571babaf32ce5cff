/**
 * `compileCell`: a recurrence → a `Kernel` running generated code. Lowering (`lower`), the
 * backend's emission (`backend.emit`, once) and evaluation (`new Function`) happen here; the
 * kernel's methods are the emitted module's own `forward`/`backward`/`step`, and the text is
 * kept on the kernel, so the in-memory kernel and `emitModule`'s file run the very same code.
 */
import { resolveShape, sizeOf } from "@gated/graph";
import type { Backend } from "../backends/backend.js";
import { type BackendName, resolveBackend } from "../backends/registry.js";
import { lower } from "../lower/lower.js";
import type { Schedule } from "../schedule/schedule.js";
import { instantiate, kernelText } from "./module.js";
import { initParamsFor, layoutOf, makeParams, paramsFrom } from "./params.js";
import { cellSizes } from "./sizes.js";
import { threadedKernel } from "./threads.js";
import type {
  ArrayOf,
  DType,
  FloatArray,
  Gradients,
  Kernel,
  KernelOptions,
  Params,
  Recurrence,
  Run,
} from "./types.js";

/** Recurrent state kept between `step` calls. */
export interface StreamState {
  readonly params: Params;
  readonly batch: number;
  /**
   * In the kernel's compute type (float64 for JS) whatever the dtype: the state is carried as
   * forward carries it between steps.
   */
  readonly values: Record<string, FloatArray>;
}

export interface CompiledKernel<D extends DType = DType> extends Kernel<D> {
  /** The backend that emitted it: "js" or "wasm". */
  readonly backend: string;
  readonly schedule: Schedule;
  /** The generated source (kernels and runtime, no imports or exports), emitted once. */
  readonly source: string;
  /** The backend's WebAssembly bytes, if any (`$wasmBytes` in `source`). */
  readonly wasm?: Uint8Array;
  /** Milliseconds spent lowering and emitting. */
  readonly compileMs: number;
  /** A zero state for streaming, `batch` sequences at a time (default 1). */
  initialState(params: Params, opts?: { batch?: number }): StreamState;
  /** Threads forward/backward split the batch over (`compileCell`'s `threads`, default 1). */
  readonly threads: number;
  /** Ends the kernel's worker threads (nothing to do with one thread). */
  close(): Promise<void>;
  /**
   * Resolves once every worker has loaded the kernel (at once with one thread). Before that, a
   * browser runs a slice whose worker has not started on the calling thread (same numbers).
   */
  ready(): Promise<void>;
  /** Advances `state` by one step (x: [B][I]); returns the output [B][O]. */
  step(state: StreamState, x: ArrayLike<number>): ArrayOf<D>;
}

export interface CompileOptions<D extends DType = DType> extends KernelOptions<D> {
  /** Which backend emits the kernel (default: `defaultBackend()`). */
  readonly backend?: Backend | BackendName;
  /**
   * Threads for forward/backward (default 1): each takes a fixed slice of the batch for the
   * whole sweep (threads.ts). Node, or a browser inside a Web Worker of a cross-origin isolated
   * page (there `await k.ready()` before the first call); `close()` ends the workers.
   */
  readonly threads?: number;
  /**
   * WebAssembly backend: the products use relaxed-SIMD fused multiply-adds (one rounding per
   * multiply-add, ~15% faster) where the engine validates them (Chromium; Node 20 with
   * `--experimental-wasm-relaxed-simd`), plain SIMD elsewhere. Default false: without it a kernel
   * gives the same bits on every engine; with it, float32 results differ in the last bits between
   * engines with and without relaxed SIMD. The JS backend ignores it.
   */
  readonly fma?: boolean;
}

/**
 * Compiles a cell for fixed sizes and dtype (default "float64"; the kernel's type follows it, so
 * a float64 kernel's `params.get()` is a `Float64Array`). Errors name the cell and the node at fault.
 */
export function compileCell<D extends DType = "float64">(
  cell: Recurrence,
  opts: CompileOptions<D>,
): CompiledKernel<D> {
  const t0 = performance.now();
  const dtype: DType = opts.dtype ?? "float64";
  if (dtype !== "float32" && dtype !== "float64")
    throw new Error(`compileCell: dtype must be "float32" or "float64", got ${String(dtype)}`);
  const backend = resolveBackend(opts.backend, `compileCell ${JSON.stringify(cell.name)}`);
  const sizes = cellSizes(cell, opts);
  let schedule: Schedule;
  try {
    schedule = lower(cell, sizes, dtype, { compute: backend.compute?.(dtype) ?? "f64" });
  } catch (e) {
    throw new Error(`compileCell ${JSON.stringify(cell.name)}: ${(e as Error).message}`);
  }
  const src = backend.emit(schedule, { fma: opts.fma === true });
  const source = kernelText(schedule, src);
  const api = instantiate(source, src.wasm);
  const compileMs = performance.now() - t0;
  const { layout } = schedule;
  const natural = layoutOf(cell.params, sizes);
  const stateSizes = Object.fromEntries(schedule.states.map((s) => [s.name, s.width]));
  type ApiRun = Run & { readonly tape: unknown };
  const kernel: CompiledKernel = {
    name: cell.name,
    dtype,
    sizes,
    inputSize: sizeOf(resolveShape(cell.x.shape, sizes)),
    outputSize: schedule.outputs[0]!.width,
    stateSizes,
    layout,
    backend: backend.name,
    schedule,
    source,
    ...(src.wasm ? { wasm: src.wasm } : {}),
    compileMs,
    initParams({ seed = 0 } = {}) {
      // drawn in the cell's own parameter order, so every kernel of the cell agrees
      const p = initParamsFor(cell, natural, sizes, dtype, seed);
      const out = paramsFrom(layout, dtype);
      for (const s of layout) out.get(s.name).set(p.get(s.name));
      return out;
    },
    params: (data) => paramsFrom(layout, dtype, data),
    // the runtime checks the parameters (size and layout), as in the emitted module and step()
    forward: (params, x, o) => api.forward(params, x, o) as ApiRun,
    backward(run, cot): Gradients {
      const g = api.backward(run, cot) as {
        params: Params;
        input: FloatArray;
        initial: Record<string, FloatArray>;
      };
      return { params: makeParams(layout, g.params.data), input: g.input, initial: g.initial };
    },
    initialState: (params, o) => api.initialState(params, o) as StreamState,
    step: (state, x) => api.step(state, x) as FloatArray,
    threads: 1,
    close: async () => {},
    ready: async () => {},
  };
  if (opts.threads === undefined || opts.threads === 1) return kernel as CompiledKernel<D>;
  return threadedKernel(kernel, opts.threads, source, src.wasm) as unknown as CompiledKernel<D>;
}
