/**
 * Import of LSTM and GRU weights, against references gated did not compute: TF.js layers for
 * the Keras/TF.js layouts, onnxruntime for ONNX LSTM/GRU nodes (built with the project's
 * protobuf writer), PyTorch's fixtures for torch names and for Keras's reset_after = true GRU.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DictTensor,
  getCell,
  importWeights,
  modelWithParams,
  mulberry32,
  parseFixture,
  readOnnxRecurrent,
  readSafetensors,
} from "gated";
import { describe, expect, test } from "vitest";
import { run } from "../../packages/cli/src/main.js";
import { encodeOnnxModel } from "../../packages/rnn/src/interop/export/onnxProto.js";
import { maxRelDiff } from "./cases.js";
import { loadOrt, runOnnx } from "./ort.js";
import { loadTfjs } from "./tfjs.js";
import { warnSkip } from "./tools.js";

const rand = (r: () => number, n: number, s = 0.5) =>
  Array.from({ length: n }, () => (2 * r() - 1) * s);
const T = 5,
  B = 2,
  I = 3,
  H = 4;

/** gated's output [T, B, H] for imported weights, x [T, B, I]. */
function gatedOutput(w: ReturnType<typeof importWeights>, x: number[]): number[] {
  const { model, params } = modelWithParams(getCell(w.cell), w, w.params);
  return [...model.forward(params, x, { batch: B }).output];
}

/** [B, T, C] (batch-major, as TF.js) ↔ [T, B, C]. */
function swap01(a: ArrayLike<number>, d0: number, d1: number, C: number): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < d0; i++)
    for (let j = 0; j < d1; j++)
      for (let c = 0; c < C; c++) out[(j * d0 + i) * C + c] = a[(i * d1 + j) * C + c]!;
  return out;
}

const tfjs = await loadTfjs();
if (!tfjs)
  warnSkip(
    "import of Keras/TF.js layouts (tests/interop/import.test.ts)",
    "TF.js (bench's @tensorflow/tfjs-layers)",
  );

describe.skipIf(!tfjs)("Keras / TF.js layouts: gated equals TF.js layers", () => {
  const cases = [
    {
      kind: "lstm",
      cell: "lstm",
      make: () =>
        tfjs!.tfl.layers.lstm({
          units: H,
          returnSequences: true,
          recurrentActivation: "sigmoid",
          recurrentInitializer: "glorotUniform",
          inputShape: [T, I],
        }),
    },
    {
      kind: "gru",
      cell: "cho_gru",
      make: () =>
        tfjs!.tfl.layers.gru({
          units: H,
          returnSequences: true,
          recurrentActivation: "sigmoid",
          recurrentInitializer: "glorotUniform",
          inputShape: [T, I],
        }),
    },
  ] as const;
  test.each(cases)("$kind → $cell", async ({ kind, cell, make }) => {
    const { tf, tfl } = tfjs!;
    const layer = make();
    const m = tfl.sequential({ layers: [layer] });
    const r = mulberry32(kind === "lstm" ? 1 : 2);
    // nonzero biases, so the bias mapping is tested too
    layer.setWeights(
      layer
        .getWeights()
        .map((w: { shape: number[]; size: number }) => tf.tensor(rand(r, w.size), w.shape)),
    );
    const xT = rand(r, T * B * I, 1); // [T, B, I]
    const y = m.predict(tf.tensor(swap01(xT, T, B, I), [B, T, I])) as { dataSync(): Float32Array };
    const ref = swap01(y.dataSync(), B, T, H);
    const tensors = new Map<string, DictTensor>(
      layer.weights.map(
        (v: { name: string; read(): { shape: number[]; dataSync(): Float32Array } }) => {
          const t = v.read();
          return [v.name, { shape: t.shape, data: Float64Array.from(t.dataSync()) }];
        },
      ),
    );
    const w = importWeights("tfjs", kind, tensors);
    expect(w.cell).toBe(cell);
    expect(maxRelDiff(gatedOutput(w, xT), ref)).toBeLessThanOrEqual(1e-5);
    // the same weights through TF.js's own save format (model.json + weights.bin) and the CLI
    const dir = mkdtempSync(join(tmpdir(), "gated-tfjs-"));
    try {
      await m.save(
        tf.io.withSaveHandler(async (a: { weightSpecs: unknown[]; weightData: ArrayBuffer }) => {
          writeFileSync(join(dir, "weights.bin"), new Uint8Array(a.weightData));
          writeFileSync(
            join(dir, "model.json"),
            JSON.stringify({
              weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs }],
            }),
          );
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
        }),
      );
      const out = join(dir, "w.safetensors");
      const code = await run([
        "import",
        join(dir, "model.json"),
        "--from",
        "tfjs",
        "--kind",
        kind,
        "-o",
        out,
      ]);
      expect(code).toBe(0);
      const saved = readSafetensors(new Uint8Array(readFileSync(out)));
      for (const [k, v] of w.params) expect([...saved.get(k)!.data], k).toEqual([...v]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("PyTorch fixtures: torch names, and Keras's reset_after = true GRU", () => {
  const fixture = (f: string) =>
    parseFixture(
      JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/torch", f), "utf8")),
    );
  test.each(["lstm_i3_h4_t5_b2.json", "gru_i5_h7_t9_b3.json"])("pytorch %s", (f) => {
    const fx = fixture(f);
    const w = importWeights("pytorch", fx.kind as "lstm" | "gru", fx.params);
    const { model, params } = modelWithParams(getCell(w.cell), w, w.params);
    const out = model.forward(params, fx.inputs["x"]!.data, {
      batch: fx.dims.B,
      initial: Object.fromEntries(
        Object.entries(fx.inputs)
          .filter(([k]) => k !== "x")
          .map(([k, v]) => [k.replace(/0$/, ""), v.data]),
      ),
    });
    expect(maxRelDiff([...out.output], [...fx.outputs["output"]!.data])).toBeLessThanOrEqual(1e-12);
  });

  test("keras GRU reset_after = true (the torch GRU's weights in Keras's layout) → gru", () => {
    const fx = fixture("gru_i5_h7_t9_b3.json");
    const { I: In, H: Hn } = fx.dims;
    const get = (k: string) => fx.params.get(`${k}_l0`)!.data;
    // torch rows r, z, n → Keras columns z, r, h; kernel[i, q·H + j] = weight_ih[gate q][j, i]
    const order = [1, 0, 2];
    const kernel = (w: Float64Array, inp: number) => {
      const out = new Float64Array(inp * 3 * Hn);
      order.forEach((g, q) => {
        for (let j = 0; j < Hn; j++)
          for (let i = 0; i < inp; i++) out[i * 3 * Hn + q * Hn + j] = w[(g * Hn + j) * inp + i]!;
      });
      return out;
    };
    const bias = new Float64Array(6 * Hn);
    order.forEach((g, q) => {
      for (let j = 0; j < Hn; j++) {
        bias[q * Hn + j] = get("bias_ih")[g * Hn + j]!;
        bias[3 * Hn + q * Hn + j] = get("bias_hh")[g * Hn + j]!;
      }
    });
    const tensors = new Map<string, DictTensor>([
      ["gru/gru_cell/kernel:0", { shape: [In, 3 * Hn], data: kernel(get("weight_ih"), In) }],
      [
        "gru/gru_cell/recurrent_kernel:0",
        { shape: [Hn, 3 * Hn], data: kernel(get("weight_hh"), Hn) },
      ],
      ["gru/gru_cell/bias:0", { shape: [2, 3 * Hn], data: bias }],
    ]);
    const w = importWeights("keras", "gru", tensors);
    expect(w.cell).toBe("gru");
    const { model, params } = modelWithParams(getCell(w.cell), w, w.params);
    const out = model.forward(params, fx.inputs["x"]!.data, {
      batch: fx.dims.B,
      initial: { h: fx.inputs["h0"]!.data },
    });
    expect(maxRelDiff([...out.output], [...fx.outputs["output"]!.data])).toBeLessThanOrEqual(1e-12);
  });
});

const ort = await loadOrt();
if (!ort)
  warnSkip("import of ONNX LSTM/GRU nodes (tests/interop/import.test.ts)", "onnxruntime-node");

/** A model of one ONNX LSTM/GRU node (forward, Y [T, 1, B, H]) with W, R, B initializers. */
function recurrentModel(op: "LSTM" | "GRU", r: () => number, lbr: number) {
  const G = op === "LSTM" ? 4 : 3;
  const init = (name: string, dims: number[]) => ({
    name,
    type: "float32" as const,
    dims,
    data: rand(
      r,
      dims.reduce((a, b) => a * b, 1),
    ),
  });
  const W = init("W", [1, G * H, I]),
    R = init("R", [1, G * H, H]),
    Bb = init("B", [1, 2 * G * H]);
  const bytes = encodeOnnxModel({
    opset: 17,
    graph: {
      name: "rec",
      nodes: [
        {
          op,
          inputs: ["x", "W", "R", "B"],
          outputs: ["Y"],
          attrs: {
            hidden_size: { i: H },
            ...(op === "GRU" ? { linear_before_reset: { i: lbr } } : {}),
          },
        },
      ],
      inputs: [{ name: "x", type: "float32", shape: [T, B, I] }],
      outputs: [{ name: "Y", type: "float32", shape: [T, 1, B, H] }],
      initializers: [W, R, Bb],
    },
  });
  return { bytes, inits: { W, R, B: Bb } };
}

describe.skipIf(!ort)("ONNX LSTM/GRU nodes: gated equals onnxruntime", () => {
  test.each([
    ["LSTM", 0, "lstm"],
    ["GRU", 0, "cho_gru"],
    ["GRU", 1, "gru"],
  ] as const)("%s linear_before_reset=%i → %s", async (op, lbr, cell) => {
    const r = mulberry32(op.length * 10 + lbr);
    const { bytes, inits } = recurrentModel(op, r, lbr);
    const x = rand(r, T * B * I, 1);
    const ref = (await runOnnx(ort!, bytes, { x: { data: x, dims: [T, B, I] } }))["Y"]!;
    const rec = readOnnxRecurrent(bytes);
    expect(rec.linearBeforeReset).toBe(lbr === 1);
    // the reader gives back exactly the float32 initializers that were written
    expect([...rec.tensors.get("W")!.data]).toEqual([...Float32Array.from(inits.W.data)]);
    const w = importWeights("onnx", rec.kind, rec.tensors, {
      linearBeforeReset: rec.linearBeforeReset,
    });
    expect(w.cell).toBe(cell);
    expect(maxRelDiff(gatedOutput(w, x), ref)).toBeLessThanOrEqual(1e-5);
  });
});

describe("import errors name the tensor", () => {
  const t = (shape: number[]): DictTensor => ({
    shape,
    data: new Float64Array(shape.reduce((a, b) => a * b, 1)),
  });
  test.each([
    [
      "keras",
      "lstm",
      { kernel: [3, 16], recurrent_kernel: [4, 12], bias: [16] },
      /recurrent_kernel has shape \[4, 12\], expected \[4, 16\]/,
    ],
    ["keras", "lstm", { kernel: [3, 16], recurrent_kernel: [4, 16] }, /no tensor named bias/],
    [
      "keras",
      "gru",
      { kernel: [3, 12], recurrent_kernel: [4, 12], bias: [12], extra: [1] },
      /unexpected tensor extra/,
    ],
    [
      "keras",
      "gru",
      { kernel: [3, 12], recurrent_kernel: [4, 12], bias: [3, 12] },
      /bias has shape \[3, 12\]/,
    ],
    [
      "onnx",
      "lstm",
      { W: [1, 16, 3], R: [1, 16, 5] },
      /tensor R has shape \[1, 16, 5\], expected \[1, 16, 4\]/,
    ],
    ["onnx", "gru", { W: [2, 12, 3], R: [2, 12, 4] }, /tensor W has shape \[2, 12, 3\]/],
    [
      "pytorch",
      "lstm",
      { weight_ih_l0: [16, 3], weight_hh_l0: [16, 4], bias_ih_l0: [16], bias_hh_l0: [12] },
      /bias_hh_l0/,
    ],
  ] as const)("%s %s", (format, kind, shapes, msg) => {
    const ts = new Map(Object.entries(shapes).map(([k, s]) => [k, t([...s])]));
    expect(() => importWeights(format, kind, ts)).toThrow(msg);
  });
});
