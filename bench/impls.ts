/**
 * The implementations the benchmark compares, behind one interface: anything that implements
 * the `Kernel` contract (compiled, reference interpreter, unfused op-by-op), the hand-fused LSTM,
 * and TF.js layers. Every one runs the same cell on the same weights and inputs, with the loss
 * sum(outputs) (output cotangent = ones).
 */

import type { Kernel, KernelOptions, Recurrence } from "@gated/codegen";
import * as codegen from "@gated/codegen";
import { type HandDType, handLstm, type Named } from "./handLstm.js";
import type { TfRunner } from "./tfjs.js";
import type { Sample } from "./timing.js";

type Num = ArrayLike<number>;

/** What a run produced, for the agreement check (gradients under the catalogue's names). */
export interface Result {
  readonly output: Num;
  readonly grads?: Readonly<Record<string, Num>>;
  /** dL/dx, [T][B][I]. */
  readonly input?: Num;
}

export interface Impl {
  readonly name: string;
  forward(): void;
  forwardBackward(): void;
  /** The outputs of the last `forward` and gradients of the last `forwardBackward`. */
  result(): Result;
  dispose?(): void;
  /** A contender timed in its own process (PyTorch): k runs of `mode` back to back, their time. */
  sample?(mode: "fwd" | "fwd+bwd", k: number): Sample;
}

/** `compileCell` when the codegen package exports it (it lands while this bench is written). */
export function compiler():
  | ((cell: Recurrence, opts: KernelOptions & { backend?: string }) => Kernel)
  | undefined {
  const f = (codegen as unknown as Record<string, unknown>)["compileCell"];
  return typeof f === "function"
    ? (f as (cell: Recurrence, opts: KernelOptions & { backend?: string }) => Kernel)
    : undefined;
}

function typed(dtype: HandDType, v: Num): Float32Array | Float64Array {
  return dtype === "float32" ? Float32Array.from(v) : Float64Array.from(v);
}

/** Any `Kernel` on the given weights (by name) and input. */
export function kernelImpl(name: string, k: Kernel, named: Named, x: Num, B: number): Impl {
  const params = k.params();
  for (const s of k.layout) {
    const v = named[s.name];
    if (!v) throw new Error(`${name}: no value for parameter ${s.name}`);
    params.get(s.name).set(v);
  }
  const xs = typed(k.dtype, x);
  const T = xs.length / (B * k.inputSize);
  const ones = typed(k.dtype, new Float64Array(T * B * k.outputSize).fill(1));
  let out: Num = new Float64Array(0);
  let grads: Record<string, Num> | undefined;
  let input: Num | undefined;
  return {
    name,
    forward() {
      out = k.forward(params, xs, { batch: B }).output;
    },
    forwardBackward() {
      const run = k.forward(params, xs, { batch: B });
      const g = k.backward(run, { output: ones });
      grads = Object.fromEntries(k.layout.map((s) => [s.name, g.params.get(s.name)]));
      input = g.input;
    },
    result: () => ({ output: out, ...(grads ? { grads } : {}), ...(input ? { input } : {}) }),
  };
}

/** The hand-fused LSTM (bench/handLstm.ts). */
export function handImpl(
  dtype: HandDType,
  named: Named,
  x: Num,
  B: number,
  I: number,
  H: number,
): Impl {
  const k = handLstm(dtype, I, H);
  k.load(named);
  const xs = typed(dtype, x);
  const ones = typed(dtype, new Float64Array((xs.length / I) * H).fill(1));
  let out: Num = new Float64Array(0);
  let grads: Record<string, Num> | undefined;
  let input: Num | undefined;
  return {
    name: "hand",
    forward() {
      out = k.forward(xs, B).slice();
    },
    forwardBackward() {
      k.forward(xs, B);
      const g = k.backward(ones);
      grads = g.named;
      input = g.input;
    },
    result: () => ({ output: out, ...(grads ? { grads } : {}), ...(input ? { input } : {}) }),
  };
}

export function tfImpl(r: TfRunner): Impl {
  return {
    name: `tfjs-${r.backend}`,
    forward: () => r.forward(),
    forwardBackward: () => r.forwardBackward(),
    result: () => r.check(),
    dispose: () => r.dispose(),
  };
}
