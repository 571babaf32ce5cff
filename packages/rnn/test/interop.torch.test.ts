// PyTorch names ↔ per-gate cell parameters: every fixture's parameters load and save back bit
// for bit (JSON state dict and safetensors), names and order follow named_parameters(), and
// missing / extra / misshapen tensors are rejected with messages naming them.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sigmoid, tanh } from "@gated/ops";
import {
  checkFixture,
  type DictTensor,
  defineCell,
  loadTorchState,
  parseFixture,
  parseStateDict,
  readSafetensors,
  type SafeTensor,
  type StateDict,
  saveTorchState,
  stateDictToJson,
  type TorchKind,
  torchModel,
  torchShapes,
  writeSafetensors,
} from "@gated/rnn";
import { describe, expect, test } from "vitest";

const dir = fileURLToPath(new URL("../../../tests/fixtures/torch/", import.meta.url));
const files = [
  ...readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "manifest.json")
    .map((f) => dir + f),
  ...readdirSync(dir + "generated/")
    .filter((f) => f.endsWith(".json") && f !== "manifest.json")
    .map((f) => dir + "generated/" + f),
];
const load = (f: string) => parseFixture(JSON.parse(readFileSync(f, "utf8")));
const dimsOf = (fx: ReturnType<typeof load>) => ({
  inputSize: fx.dims.I,
  hiddenSize: fx.dims.H,
  numLayers: fx.dims.numLayers,
  bidirectional: fx.dims.D === 2,
});

describe("torch parameter names", () => {
  test.each(files.map((f) => [f.slice(dir.length), f]))(
    "%s: load → save round-trips; names in named_parameters order",
    (_, f) => {
      const fx = load(f);
      const tm = torchModel(fx.kind as TorchKind, dimsOf(fx));
      expect([...torchShapes(fx.kind as TorchKind, dimsOf(fx)).keys()]).toEqual([
        ...fx.params.keys(),
      ]);
      const p = loadTorchState(tm, fx.params);
      const back = saveTorchState(tm, p);
      expect([...back.keys()]).toEqual([...fx.params.keys()]);
      for (const [k, t] of fx.params) {
        expect([...back.get(k)!.shape]).toEqual([...t.shape]);
        expect([...back.get(k)!.data]).toEqual([...t.data]);
      }
      // through safetensors bytes and through a JSON state dict
      const viaSt = loadTorchState(tm, readSafetensors(writeSafetensors(back)).tensors);
      expect([...viaSt.data]).toEqual([...p.data]);
      const viaJson = loadTorchState(tm, parseStateDict(JSON.parse(stateDictToJson(fx.params))));
      expect([...viaJson.data]).toEqual([...p.data]);
    },
  );

  test("the gate rows land on the per-gate parameters (lstm i f g o, gru r z n)", () => {
    const tm = torchModel("lstm", {
      inputSize: 1,
      hiddenSize: 1,
      numLayers: 2,
      bidirectional: true,
    });
    const dict: StateDict = new Map(
      [
        ...torchShapes("lstm", { inputSize: 1, hiddenSize: 1, numLayers: 2, bidirectional: true }),
      ].map(([n, s], k) => [
        n,
        {
          shape: s,
          data: Float64Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => 100 * k + i),
        },
      ]),
    );
    const p = loadTorchState(tm, dict);
    expect([...p.get("U_g_l0")]).toEqual([2]);
    expect([...p.get("W_o_l0")]).toEqual([103]);
    expect([...p.get("bh_f_l0")]).toEqual([301]);
    expect([...p.get("U_i_l0_reverse")]).toEqual([400]);
    expect([...p.get("U_f_l1")]).toEqual([802, 803]); // layer 1 reads [fwd | rev], 2 columns
    expect([...p.get("bi_o_l1_reverse")]).toEqual([1403]);
    const g = torchModel("gru", { inputSize: 2, hiddenSize: 1 });
    const pg = loadTorchState(
      g,
      new Map([
        ["weight_ih_l0", { shape: [3, 2], data: Float64Array.of(1, 2, 3, 4, 5, 6) }],
        ["weight_hh_l0", { shape: [3, 1], data: Float64Array.of(7, 8, 9) }],
        ["bias_ih_l0", { shape: [3], data: Float64Array.of(10, 11, 12) }],
        ["bias_hh_l0", { shape: [3], data: Float64Array.of(13, 14, 15) }],
      ]),
    );
    expect([
      ...pg.get("U_z_l0"),
      ...pg.get("W_n_l0"),
      ...pg.get("bi_r_l0"),
      ...pg.get("bh_n_l0"),
    ]).toEqual([3, 4, 9, 10, 15]);
  });

  test("missing, extra and misshapen tensors are errors naming them", () => {
    const dims = { inputSize: 3, hiddenSize: 4 };
    const tm = torchModel("gru", dims);
    const good = new Map(
      [...torchShapes("gru", dims)].map(([n, s]) => [
        n,
        { shape: s, data: new Float64Array(s.reduce((a, b) => a * b, 1)) },
      ]),
    );
    const without = new Map(good);
    without.delete("bias_hh_l0");
    expect(() => loadTorchState(tm, without)).toThrow(
      /gru \(1 layer\(s\), D=1\): missing tensor bias_hh_l0 \[12\]/,
    );
    expect(() =>
      loadTorchState(tm, new Map([...good, ["weight_ih_l1", good.get("weight_ih_l0")!]])),
    ).toThrow(/unexpected tensor weight_ih_l1/);
    expect(() =>
      loadTorchState(
        tm,
        new Map([...good, ["weight_hh_l0", { shape: [12, 3], data: new Float64Array(36) }]]),
      ),
    ).toThrow(/tensor weight_hh_l0 has shape \[12,3\], expected \[12,4\]/);
    expect(() =>
      loadTorchState(
        tm,
        new Map<string, DictTensor | SafeTensor>([
          ...good,
          ["bias_ih_l0", { dtype: "I32", shape: [12], data: new Int32Array(12) }],
        ]),
      ),
    ).toThrow(/bias_ih_l0: dtype I32 is not a float type/);
    expect(() => torchModel("lstmx" as TorchKind, dims)).toThrow(
      /unknown kind "lstmx" \(kinds: rnn_tanh, rnn_relu, lstm, gru/,
    );
  });

  test("float32 safetensors save and load (values rounded to float32)", () => {
    const tm = torchModel("rnn_tanh", { inputSize: 2, hiddenSize: 3 });
    const p = tm.model.initParams({ seed: 1, scheme: "pytorch" });
    const st = readSafetensors(writeSafetensors(saveTorchState(tm, p, "F32")));
    expect(st.tensors.get("weight_hh_l0")!.dtype).toBe("F32");
    const q = loadTorchState(tm, st.tensors);
    expect([...q.data]).toEqual([...Float32Array.from(p.data)]);
  });
});

describe("binding a differently written cell to a fixture", () => {
  test("a one-bias LSTM binds b_k = bias_ih + bias_hh and matches torch.nn.LSTM (2 layers, bidirectional)", () => {
    const cell = defineCell({
      name: "one_bias_lstm",
      state: { h: "H", c: "H" },
      step: ({ x, h, c }, { affine }) => {
        const i = sigmoid(affine("i", x, h)),
          f = sigmoid(affine("f", x, h)),
          g = tanh(affine("g", x, h)),
          o = sigmoid(affine("o", x, h));
        const c2 = f.mul(c).add(i.mul(g));
        return { h: o.mul(tanh(c2)), c: c2 };
      },
    });
    const r = checkFixture(load(dir + "generated/lstm_l2_bi_i3_h3_t4_b2.json"), { cell });
    expect(r.rows.filter((x) => !x.ok)).toEqual([]);
    expect(r.rows.map((x) => x.tensor)).toContain("d bias_hh_l1_reverse");
  });

  test("a cell whose names bind to nothing is an error naming the parameter", () => {
    const cell = defineCell({
      name: "odd",
      state: { h: "H" },
      step: ({ x, h }, { param }) => ({
        h: tanh(
          param("Q", ["H", "I"])
            .matvec(x)
            .add(param("R", ["H", "H"]).matvec(h)),
        ),
      }),
    });
    expect(() => checkFixture(load(dir + "rnn_tanh_i3_h4_t5_b2.json"), { cell })).toThrow(
      /cell parameter Q \(block Q_l0\) binds to no tensor/,
    );
    const partial = defineCell({
      name: "nobias",
      state: { h: "H" },
      step: ({ x, h }, { affine }) => ({ h: tanh(affine("h", x, h, { bias: false })) }),
    });
    expect(() => checkFixture(load(dir + "rnn_tanh_i3_h4_t5_b2.json"), { cell: partial })).toThrow(
      /tensor bias_ih_l0 \[4\]: element 0 binds to no cell parameter/,
    );
  });
});
