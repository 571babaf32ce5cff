/**
 * A trained model as ONE standalone ES module (no imports; runs in Node and in a browser):
 * the cell kernels (the text `emitModule` writes for each, which is the code the model ran,
 * each in its own scope), the inference runtime (embedding, stacked / bidirectional
 * layers, pooling, head, input encoding, prediction decoding) and the trained weights
 * (base64 of the little-endian parameter buffer, so every value is exact). It exports
 * `predict(input)`, `outputs(input)` and `config`.
 */
import {
  type CompiledKernel,
  compileCell,
  emitModule,
  type Kernel,
  layoutSize,
} from "@gated/codegen";
import type { Model } from "../train/model.js";
import { configOf } from "./file.js";
import { MODEL_RUNTIME } from "./moduleRuntime.js";

function compiled(m: Model, k: Kernel): CompiledKernel {
  if ("schedule" in k && "source" in k) return k as CompiledKernel;
  return compileCell(m.spec.cell, {
    inputSize: k.inputSize,
    hiddenSize: m.spec.hidden,
    dtype: m.dtype,
    ...(m.spec.sizes ? { sizes: m.spec.sizes } : {}),
  });
}

function base64(bytes: Uint8Array): string {
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let s = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += A[(n >> 18) & 63]! + A[(n >> 12) & 63]!;
    s += i + 1 < bytes.length ? A[(n >> 6) & 63]! : "=";
    s += i + 2 < bytes.length ? A[n & 63]! : "=";
  }
  return s;
}

/** `emitModule`'s text of a kernel (the very code the model ran), without its export line. */
function kernelBody(k: CompiledKernel): string {
  const text = emitModule(k);
  const end = text.lastIndexOf("\nexport {");
  if (end < 0) throw new Error("emitModelModule: emitModule's text has no export line");
  return text.slice(0, end);
}

/** The module's source (see the module comment). */
export function emitModelModule(m: Model): string {
  const rnn = m.rnn;
  const distinct = rnn.numLayers > 1 ? [rnn.kernels[0]!, rnn.kernels[1]!] : [rnn.kernels[0]!];
  const kernels = distinct.map((k) => compiled(m, k));
  const blocks = [];
  for (let l = 0; l < rnn.numLayers; l++)
    for (let d = 0; d < rnn.D; d++)
      blocks.push({
        kernel: l === 0 ? 0 : 1,
        offset: m.rnnOffset + rnn.blockOffset(l, d),
        size: layoutSize(kernels[l === 0 ? 0 : 1]!.layout),
      });
  const slots: Record<string, [number, number]> = {};
  for (const s of m.layout)
    if (s.offset < m.rnnOffset || s.offset >= m.headOffset) slots[s.name] = [s.offset, s.size];
  const file = configOf({ ...m.spec, lossName: m.loss.name, dtype: m.dtype });
  const config = {
    ...file,
    D: rnn.D,
    O: rnn.cellOutputSize,
    blocks,
    slots,
  };
  const params = m.dtype === "float32" ? Float32Array.from(m.params) : Float64Array.from(m.params);
  const bytes = new Uint8Array(params.buffer);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new Error("emitModelModule: needs a little-endian machine");
  const kernelText = kernels
    .map(
      (k, i) =>
        `  // kernel ${i}: input size ${k.inputSize}\n  (() => {\n${kernelBody(k)}\n  return { params, forward };\n  })()`,
    )
    .join(",\n");
  return [
    `// gated model: cell ${JSON.stringify(file.cell.name)}${file.task?.name ? ` on ${JSON.stringify(file.task.name)}` : ""}; standalone inference module (no imports). Generated, do not edit.`,
    `const CONFIG = ${JSON.stringify(config)};`,
    `const KERNELS = [\n${kernelText}\n];`,
    `const WEIGHTS_B64 = "${base64(bytes)}";`,
    MODEL_RUNTIME,
    "export { predict, outputs, config };",
    "",
  ].join("\n");
}

/** TypeScript declarations for `emitModelModule`'s output. */
export function emitModelTypes(m: Model): string {
  return [
    `// Types for the gated model module (cell ${JSON.stringify(m.spec.cell.name)}).`,
    "export type Prediction =",
    '  | { readonly kind: "class"; readonly label: string; readonly index: number; readonly probabilities: Readonly<Record<string, number>> }',
    '  | { readonly kind: "binary"; readonly probabilities: readonly number[] }',
    '  | { readonly kind: "values"; readonly values: readonly number[] }',
    '  | { readonly kind: "steps"; readonly steps: readonly Prediction[] };',
    "/** One input: text (character models), token ids, or features per step ([T·I] or [T][I]). */",
    "export type PredictInput = string | ArrayLike<number> | readonly ArrayLike<number>[];",
    "export declare function predict(input: PredictInput): Prediction;",
    "/** Raw outputs (logits or values): [C], or [T][C] per step. */",
    "export declare function outputs(input: PredictInput): Float64Array;",
    "/** The model's configuration (as in its safetensors file) plus the module's layout. */",
    "export declare const config: Readonly<Record<string, unknown>>;",
    "",
  ].join("\n");
}
