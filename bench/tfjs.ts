/**
 * TensorFlow.js 4.22 baselines: `tf.layers.lstm` / `tf.layers.gru` (returnSequences) on the
 * `cpu` and `wasm` backends (wasm single-threaded: `setThreadsCount(1)`; Node has no threaded
 * wasm build anyway). float32 only (TF.js has no float64 kernels).
 *
 * Weight mapping from the catalogue's names (all per gate, row-major [H, I] / [H, H]):
 *   LSTM: kernel [I, 4H], recurrentKernel [H, 4H], bias [4H], gate blocks i, f, c(=g), o:
 *         kernel[k, q·H + j] = U_q[j, k], recurrentKernel[k, q·H + j] = W_q[j, k],
 *         bias[q·H + j] = bi_q[j] + bh_q[j].
 *   GRU:  TF.js 4.22 rejects `resetAfter: true`, so its GRU is Cho's (reset *before* the
 *         recurrent product) = the catalogue's `cho_gru`: gate blocks in Keras order z, r, h,
 *         kernel[k, q·H + j] = U_q[j, k], recurrentKernel likewise with W_q, bias[q·H + j] = b_q[j],
 *         h' = z·h + (1 − z)·h̃. Same products and FLOPs as PyTorch's GRU; the agreement check
 *         compares it against `cho_gru`, the timing against `gru`.
 */

import { createRequire } from "node:module";
import path from "node:path";
import type { Named } from "./handLstm.js";

export type TfBackend = "cpu" | "wasm";
export type TfCell = "lstm" | "gru";

/** Gate blocks in TF.js order, with the catalogue's gate names and bias names. */
const LAYOUT: Record<TfCell, { gates: string[]; bias: (k: string) => string[] }> = {
  lstm: { gates: ["i", "f", "g", "o"], bias: (k) => [`bi_${k}`, `bh_${k}`] },
  gru: { gates: ["z", "r", "h"], bias: (k) => [`b_${k}`] },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
let tfMods: { tf: Any; tfl: Any; wasm: Any } | null = null;

/** Loads TF.js once (its modules stay runtime imports, not bundled). */
export async function loadTf(): Promise<{ tf: Any; tfl: Any; wasm: Any }> {
  if (tfMods) return tfMods;
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-cpu");
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const tfl = await import("@tensorflow/tfjs-layers");
  const req = createRequire(import.meta.url);
  const wasmMain = req.resolve("@tensorflow/tfjs-backend-wasm");
  // the .wasm binaries sit next to the package's main file (dist/), loaded by file path
  wasm.setWasmPaths(path.dirname(wasmMain) + path.sep);
  wasm.setThreadsCount(1);
  // production mode: skips debug-time checks, what a performance-minded user would set
  tf.enableProdMode();
  tfMods = { tf, tfl, wasm };
  return tfMods;
}

export interface TfRunner {
  readonly backend: TfBackend;
  /** Forward over the whole sequence; returns nothing (the result is read back to host memory). */
  forward(): void;
  /** Forward + backward of sum(outputs) through `tf.variableGrads`. */
  forwardBackward(): void;
  /**
   * Output [T][B][H] (time-major, like the other kernels) and named weight gradients, from the
   * last timed runs (computed afresh if there were none).
   */
  check(): { output: Float32Array; grads: Record<string, Float64Array> };
  dispose(): void;
}

/** A layer on `backend` with the given weights, and x [T][B][I] (time-major, float64 values). */
export async function tfRunner(
  cell: TfCell,
  backend: TfBackend,
  I: number,
  H: number,
  B: number,
  T: number,
  named: Named,
  x: ArrayLike<number>,
): Promise<TfRunner> {
  const { tf, tfl, wasm } = await loadTf();
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`TF.js backend ${backend} failed to initialise`);
  await tf.ready();
  if (backend === "wasm" && wasm.getThreadsCount() !== 1)
    throw new Error(`TF.js wasm runs ${wasm.getThreadsCount()} threads, expected 1`);
  const common = {
    units: H,
    returnSequences: true,
    recurrentActivation: "sigmoid",
    kernelInitializer: "zeros",
    recurrentInitializer: "zeros",
    biasInitializer: "zeros",
  };
  const layer =
    cell === "lstm"
      ? tfl.layers.lstm({ ...common, unitForgetBias: false })
      : tfl.layers.gru({ ...common, resetAfter: false });
  // x: time-major [T][B][I] -> batch-major [B, T, I]
  const xb = new Float32Array(B * T * I);
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++)
      for (let k = 0; k < I; k++) xb[(b * T + t) * I + k] = x[(t * B + b) * I + k]!;
  const xt = tf.tensor3d(xb, [B, T, I]);
  tf.tidy(() => layer.apply(xt));
  const { gates, bias } = LAYOUT[cell];
  const G = gates.length;
  const kernel = new Float32Array(I * G * H);
  const rec = new Float32Array(H * G * H);
  const b = new Float32Array(G * H);
  gates.forEach((k, q) => {
    const U = named[`U_${k}`]!,
      W = named[`W_${k}`]!;
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < I; i++) kernel[i * G * H + q * H + j] = U[j * I + i]!;
      for (let i = 0; i < H; i++) rec[i * G * H + q * H + j] = W[j * H + i]!;
      b[q * H + j] = bias(k).reduce((s, n) => s + named[n]![j]!, 0);
    }
  });
  layer.setWeights([tf.tensor2d(kernel, [I, G * H]), tf.tensor2d(rec, [H, G * H]), tf.tensor1d(b)]);
  const vars = layer.trainableWeights.map((w: Any) => w.read());

  function grads(): Float32Array[] {
    return tf.tidy(() => {
      const { value, grads: g } = tf.variableGrads(() => tf.sum(layer.apply(xt)), vars);
      value.dataSync();
      return vars.map((v: Any) => g[v.name].dataSync() as Float32Array);
    });
  }

  /**
   * Runs are interleaved with other backends': switch to ours (synchronous once the backend is
   * initialised; tensors follow lazily, a copy of a few MB, small next to a run).
   */
  const use = () => {
    if (tf.getBackend() !== backend) void tf.setBackend(backend);
    if (tf.getBackend() !== backend) throw new Error(`TF.js did not switch to ${backend}`);
  };
  let lastY: Float32Array | null = null;
  let lastG: Float32Array[] | null = null;
  return {
    backend,
    forward() {
      use();
      lastY = tf.tidy(() => layer.apply(xt).dataSync()) as Float32Array;
    },
    forwardBackward() {
      use();
      lastG = grads();
    },
    check() {
      use();
      const yb = lastY ?? (tf.tidy(() => layer.apply(xt).dataSync()) as Float32Array);
      const output = new Float32Array(T * B * H);
      for (let t = 0; t < T; t++)
        for (let bb = 0; bb < B; bb++)
          for (let j = 0; j < H; j++) output[(t * B + bb) * H + j] = yb[(bb * T + t) * H + j]!;
      const [gk, gr, gb] = (lastG ?? grads()) as [Float32Array, Float32Array, Float32Array];
      const out: Record<string, Float64Array> = {};
      gates.forEach((k, q) => {
        const U = new Float64Array(H * I),
          W = new Float64Array(H * H),
          db = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          for (let i = 0; i < I; i++) U[j * I + i] = gk[i * G * H + q * H + j]!;
          for (let i = 0; i < H; i++) W[j * H + i] = gr[i * G * H + q * H + j]!;
          db[j] = gb[q * H + j]!;
        }
        out[`U_${k}`] = U;
        out[`W_${k}`] = W;
        for (const n of bias(k)) out[n] = db;
      });
      return { output, grads: out };
    },
    dispose() {
      xt.dispose();
      layer.dispose?.();
    },
  };
}
