/**
 * Importing LSTM and GRU weights laid out by other frameworks into gated's cells.
 *
 * | format        | tensors (H units, I inputs)                                   | gate order | gated cell |
 * | ------------- | ------------------------------------------------------------- | ---------- | ---------- |
 * | keras / tfjs LSTM | kernel [I, 4H], recurrent_kernel [H, 4H], bias [4H]        | i f c o    | lstm (bi_k = bias, bh_k = 0) |
 * | keras GRU, reset_after = true (TF2's default) | kernel [I, 3H], recurrent_kernel [H, 3H], bias [2, 3H] (input; recurrent) | z r h | gru (n ← h) |
 * | keras / tfjs GRU, reset_after = false | kernel [I, 3H], recurrent_kernel [H, 3H], bias [3H] | z r h | cho_gru |
 * | onnx LSTM     | W [1, 4H, I], R [1, 4H, H], B [1, 8H] (Wb; Rb)               | i o f c    | lstm       |
 * | onnx GRU, linear_before_reset = 1 | W [1, 3H, I], R [1, 3H, H], B [1, 6H]      | z r h      | gru        |
 * | onnx GRU, linear_before_reset = 0 (ONNX's default) | same                       | z r h      | cho_gru (b_k = Wb_k + Rb_k) |
 * | pytorch       | weight_ih, weight_hh, bias_ih, bias_hh (torchBinding.ts)     | i f g o / r z n | lstm / gru |
 *
 * Keras kernels multiply from the right (x · kernel), so gated's `U_k` [H, I] is the transpose
 * of the kernel's k-th column block; ONNX and PyTorch store rows [out, in] as gated does. All
 * three conventions update a GRU as h' = z ⊙ h + (1 − z) ⊙ h̃, as gated's gru and cho_gru do.
 * The activations are the standard ones (σ for gates, tanh for candidates and the cell output):
 * TF.js layers default to hard sigmoid gates, which no gated cell computes; export those with
 * `recurrentActivation: "sigmoid"`. Every failure names the tensor and what was expected.
 */
import type { DictTensor } from "../stateDict.js";
import { kindInfo } from "../torchKinds.js";
import { loadTorchState, torchModel } from "../torchModel.js";

export type ImportFormat = "keras" | "tfjs" | "onnx" | "pytorch";
export const IMPORT_FORMATS: readonly ImportFormat[] = ["keras", "tfjs", "onnx", "pytorch"];
export type ImportKind = "lstm" | "gru";

export interface ImportOptions {
  /** Keras GRU: `reset_after` (default: read off the bias shape, [2, 3H] ⇒ true). */
  readonly resetAfter?: boolean;
  /** ONNX GRU: `linear_before_reset` (default 0, ONNX's default). */
  readonly linearBeforeReset?: boolean;
}

export interface ImportedWeights {
  /** The catalogue cell the weights belong to. */
  readonly cell: "lstm" | "gru" | "cho_gru";
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** gated's parameters by name, [out, in] row-major. */
  readonly params: Map<string, Float64Array>;
}

type Tensors = ReadonlyMap<string, DictTensor>;

const fmt = (s: readonly number[]) => `[${s.join(", ")}]`;

/** The one tensor whose name is `base` or ends in `/base` (Keras/TF.js variable paths, `:0` allowed). */
function find(ts: Tensors, base: string, format: string): [string, DictTensor] {
  const re = new RegExp(`(^|[/.])${base}(:0)?$`);
  const hits = [...ts].filter(([k]) => re.test(k));
  if (hits.length === 1) return hits[0]!;
  throw new Error(
    hits.length === 0
      ? `${format}: no tensor named ${base} (tensors: ${[...ts.keys()].join(", ") || "none"})`
      : `${format}: ${hits.length} tensors match ${base} (${hits.map(([k]) => k).join(", ")}); pass one layer's weights`,
  );
}

function expectShape(name: string, t: DictTensor, shape: readonly number[], what: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw new Error(`tensor ${name} has shape ${fmt(t.shape)}, expected ${fmt(shape)} (${what})`);
}

function noExtra(ts: Tensors, used: readonly string[], format: string): void {
  for (const k of ts.keys())
    if (!used.includes(k))
      throw new Error(`${format}: unexpected tensor ${k} (expected: ${used.join(", ")})`);
}

/** Block k (of width H) of the columns of a [rows, G·H] matrix, transposed to [H, rows]. */
function columnsT(t: DictTensor, k: number, H: number): Float64Array {
  const [rows, cols] = t.shape as [number, number];
  const out = new Float64Array(H * rows);
  for (let j = 0; j < H; j++)
    for (let i = 0; i < rows; i++) out[j * rows + i] = t.data[i * cols + k * H + j]!;
  return out;
}

/** Rows kH:(k+1)H of a row-major tensor whose leading dims have been flattened. */
function rows(data: Float64Array, k: number, H: number, width: number, offset = 0): Float64Array {
  return data.slice(offset + k * H * width, offset + (k + 1) * H * width);
}

function keras(
  ts: Tensors,
  kind: ImportKind,
  opts: ImportOptions,
  format: string,
): ImportedWeights {
  const [kn, kernel] = find(ts, "kernel", format);
  const [rn, rec] = find(ts, "recurrent_kernel", format);
  const [bn, bias] = find(ts, "bias", format);
  noExtra(ts, [kn, rn, bn], format);
  const G = kind === "lstm" ? 4 : 3;
  if (kernel.shape.length !== 2 || kernel.shape[1]! % G !== 0)
    throw new Error(
      `tensor ${kn} has shape ${fmt(kernel.shape)}, expected [I, ${G}H] (${format} ${kind} kernel)`,
    );
  const I = kernel.shape[0]!,
    H = kernel.shape[1]! / G;
  expectShape(rn, rec, [H, G * H], `${format} ${kind} recurrent_kernel`);
  const params = new Map<string, Float64Array>();
  if (kind === "lstm") {
    expectShape(bn, bias, [4 * H], `${format} lstm bias`);
    // Keras gate order i, f, c, o; gated's lstm: i, f, g, o
    ["i", "f", "g", "o"].forEach((g, k) => {
      params.set(`U_${g}`, columnsT(kernel, k, H));
      params.set(`W_${g}`, columnsT(rec, k, H));
      params.set(`bi_${g}`, bias.data.slice(k * H, (k + 1) * H));
      params.set(`bh_${g}`, new Float64Array(H));
    });
    return ordered("lstm", I, H, params);
  }
  const after = opts.resetAfter ?? bias.shape.length === 2;
  expectShape(
    bn,
    bias,
    after ? [2, 3 * H] : [3 * H],
    `${format} GRU bias with reset_after=${after}`,
  );
  // Keras gate order z, r, h
  const order = ["z", "r", "h"];
  if (after) {
    order.forEach((g, k) => {
      const n = g === "h" ? "n" : g;
      params.set(`U_${n}`, columnsT(kernel, k, H));
      params.set(`W_${n}`, columnsT(rec, k, H));
      params.set(`bi_${n}`, bias.data.slice(k * H, (k + 1) * H));
      params.set(`bh_${n}`, bias.data.slice(3 * H + k * H, 3 * H + (k + 1) * H));
    });
    return ordered("gru", I, H, params);
  }
  order.forEach((g, k) => {
    params.set(`U_${g}`, columnsT(kernel, k, H));
    params.set(`W_${g}`, columnsT(rec, k, H));
    params.set(`b_${g}`, bias.data.slice(k * H, (k + 1) * H));
  });
  return ordered("cho_gru", I, H, params);
}

function onnx(ts: Tensors, kind: ImportKind, opts: ImportOptions): ImportedWeights {
  const get = (n: string) => {
    const t = ts.get(n);
    if (!t)
      throw new Error(
        `onnx: no tensor named ${n} (tensors: ${[...ts.keys()].join(", ") || "none"})`,
      );
    return t;
  };
  const W = get("W"),
    R = get("R");
  const used = ["W", "R", ...(ts.has("B") ? ["B"] : [])];
  noExtra(ts, used, "onnx");
  const G = kind === "lstm" ? 4 : 3;
  if (W.shape.length !== 3 || W.shape[0] !== 1 || W.shape[1]! % G !== 0)
    throw new Error(
      `tensor W has shape ${fmt(W.shape)}, expected [1, ${G}H, I] (onnx ${kind}; one direction)`,
    );
  const H = W.shape[1]! / G,
    I = W.shape[2]!;
  expectShape("R", R, [1, G * H, H], `onnx ${kind} R`);
  const B = ts.get("B") ?? { shape: [1, 2 * G * H], data: new Float64Array(2 * G * H) };
  expectShape("B", B, [1, 2 * G * H], `onnx ${kind} B = [Wb, Rb]`);
  const wb = (k: number) => B.data.slice(k * H, (k + 1) * H);
  const rb = (k: number) => B.data.slice(G * H + k * H, G * H + (k + 1) * H);
  const params = new Map<string, Float64Array>();
  if (kind === "lstm") {
    // ONNX gate order i, o, f, c
    const at: Record<string, number> = { i: 0, o: 1, f: 2, g: 3 };
    for (const g of ["i", "f", "g", "o"]) {
      const k = at[g]!;
      params.set(`U_${g}`, rows(W.data, k, H, I));
      params.set(`W_${g}`, rows(R.data, k, H, H));
      params.set(`bi_${g}`, wb(k));
      params.set(`bh_${g}`, rb(k));
    }
    return ordered("lstm", I, H, params);
  }
  const order = ["z", "r", "h"];
  if (opts.linearBeforeReset) {
    order.forEach((g, k) => {
      const n = g === "h" ? "n" : g;
      params.set(`U_${n}`, rows(W.data, k, H, I));
      params.set(`W_${n}`, rows(R.data, k, H, H));
      params.set(`bi_${n}`, wb(k));
      params.set(`bh_${n}`, rb(k));
    });
    return ordered("gru", I, H, params);
  }
  order.forEach((g, k) => {
    params.set(`U_${g}`, rows(W.data, k, H, I));
    params.set(`W_${g}`, rows(R.data, k, H, H));
    // h̃ = tanh(Wh x + Rh (r ⊙ h) + Rbh + Wbh): both biases sit outside the reset, so they add
    params.set(
      `b_${g}`,
      wb(k).map((v, j) => v + rb(k)[j]!),
    );
  });
  return ordered("cho_gru", I, H, params);
}

/** The parameters in the cell's own order (the order gated's layout and files use). */
function ordered(
  cell: ImportedWeights["cell"],
  I: number,
  H: number,
  p: Map<string, Float64Array>,
): ImportedWeights {
  const gates =
    cell === "lstm" ? ["i", "f", "g", "o"] : cell === "gru" ? ["r", "z", "n"] : ["r", "z", "h"];
  const names = cell === "cho_gru" ? ["U", "W", "b"] : ["U", "bi", "W", "bh"];
  const params = new Map<string, Float64Array>();
  for (const g of gates) for (const n of names) params.set(`${n}_${g}`, p.get(`${n}_${g}`)!);
  return { cell, inputSize: I, hiddenSize: H, params };
}

/** PyTorch's names through the existing binding (torchBinding.ts), sizes read off weight_ih. */
function pytorch(ts: Tensors, kind: ImportKind): ImportedWeights {
  const G = kindInfo(kind).gates.length;
  const wih = ts.get("weight_ih_l0") ?? ts.get("weight_ih");
  if (!wih || wih.shape.length !== 2 || wih.shape[0]! % G !== 0)
    throw new Error(
      wih
        ? `tensor weight_ih_l0 has shape ${fmt(wih.shape)}, expected [${G}H, I] (torch.nn.${kind.toUpperCase()})`
        : `pytorch: no tensor named weight_ih_l0 (tensors: ${[...ts.keys()].join(", ") || "none"})`,
    );
  const tm = torchModel(kind, { inputSize: wih.shape[1]!, hiddenSize: wih.shape[0]! / G });
  const p = loadTorchState(tm, ts);
  const params = new Map(
    tm.model.layout.map((s) => [s.name.replace(/_l0$/, ""), Float64Array.from(p.get(s.name))]),
  );
  return ordered(kind, tm.model.inputSize, tm.model.hiddenSize, params);
}

/** gated parameters (and the cell they belong to) from an LSTM's or GRU's foreign tensors. */
export function importWeights(
  format: ImportFormat,
  kind: ImportKind,
  tensors: Tensors,
  opts: ImportOptions = {},
): ImportedWeights {
  if (kind !== "lstm" && kind !== "gru")
    throw new Error(`import: kind must be lstm or gru, got ${JSON.stringify(kind)}`);
  switch (format) {
    case "keras":
    case "tfjs":
      return keras(tensors, kind, opts, format);
    case "onnx":
      return onnx(tensors, kind, opts);
    case "pytorch":
      return pytorch(tensors, kind);
    default:
      throw new Error(
        `import: unknown format ${JSON.stringify(format)} (formats: ${IMPORT_FORMATS.join(", ")})`,
      );
  }
}
