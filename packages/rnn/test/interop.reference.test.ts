// Files written by the reference safetensors implementation (safetensors.torch.save_file of
// torch.nn state dicts, tests/fixtures/safetensors/make.py) read back exactly, load into the
// matching torch models under PyTorch's names, and save back to the same tensors.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  loadTorchState,
  readSafetensors,
  saveTorchState,
  type TorchKind,
  torchModel,
  writeSafetensors,
} from "@gated/rnn";
import { readSafetensorsFile } from "@gated/rnn/node";
import { describe, expect, test } from "vitest";

const dir = fileURLToPath(new URL("../../../tests/fixtures/safetensors/", import.meta.url));
const expected = JSON.parse(readFileSync(dir + "expected.json", "utf8")) as Record<
  string,
  Record<string, { shape: number[]; data: number[] }> & { __order__: string[] }
>;
const CASES: [
  string,
  TorchKind,
  { inputSize: number; hiddenSize: number; numLayers?: number; bidirectional?: boolean },
][] = [
  ["lstm_l2_bi_i3_h2", "lstm", { inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true }],
  ["gru_i2_h3", "gru", { inputSize: 2, hiddenSize: 3 }],
  ["rnn_relu_l2_i2_h2", "rnn_relu", { inputSize: 2, hiddenSize: 2, numLayers: 2 }],
];

describe("safetensors from the reference implementation", () => {
  test.each(
    CASES.flatMap(([n, k, d]) =>
      (["f32", "f64"] as const).map((t) => [`${n}_${t}`, n, k, d, t] as const),
    ),
  )("%s", (_, name, kind, dims, dt) => {
    const f = readSafetensorsFile(`${dir}${name}_${dt}.safetensors`);
    expect(f.metadata["format"]).toBe("pt");
    const want = expected[name]!;
    expect([...f.keys()].sort()).toEqual([...want.__order__].sort());
    for (const k of want.__order__) {
      const t = f.get(k)!;
      expect(t.dtype).toBe(dt === "f32" ? "F32" : "F64");
      expect([...t.shape]).toEqual(want[k]!.shape);
      expect([...t.data]).toEqual(want[k]!.data);
    }
    const tm = torchModel(kind, dims);
    const p = loadTorchState(tm, f);
    const back = saveTorchState(tm, p, dt === "f32" ? "F32" : "F64");
    expect([...back.keys()]).toEqual(want.__order__);
    for (const [k, t] of back) expect([...t.data]).toEqual(want[k]!.data);
    // and our writer's bytes read back to the same tensors
    const again = readSafetensors(writeSafetensors(back, { format: "pt" }));
    for (const [k, t] of back) expect([...again.get(k)!.data]).toEqual([...t.data]);
  });
});
