/**
 * `gated export` and `gated import` end to end (in-process): files written, round trips through
 * onnxruntime, --check, and usage errors (exit 2, one line naming the culprit).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getCell, mulberry32, sequenceModel, writeSafetensors } from "gated";
import { afterAll, describe, expect, test, vi } from "vitest";
import { run } from "../../packages/cli/src/main.js";
import { encodeOnnxModel } from "../../packages/rnn/src/interop/export/onnxProto.js";
import { maxRelDiff } from "./cases.js";
import { loadOrt, runOnnx } from "./ort.js";
import { warnSkip } from "./tools.js";

const dir = mkdtempSync(join(tmpdir(), "gated-cli-interop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function gated(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await run(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** A cell file whose output size O has no default. */
function readoutFile(): string {
  const f = join(dir, "readout.cell");
  writeFileSync(
    f,
    "cell readout(x[I]; h[H]) {\n  h' = tanh(W h + U x)\n  output y = W_y[O, H] h'\n}\n",
  );
  return f;
}

const ort = await loadOrt();
if (!ort) warnSkip("gated export/import round trips through onnxruntime", "onnxruntime-node");
const rand = (r: () => number, n: number) => Array.from({ length: n }, () => 2 * r() - 1);

describe("gated export", () => {
  test("--to pytorch writes the module (with --dim), and its weights beside it", async () => {
    const py = join(dir, "ggl.py");
    const r = await gated(
      "export",
      "grouped_gate_lstm",
      "--to",
      "pytorch",
      "-o",
      py,
      "--input",
      "3",
      "--hidden",
      "4",
      "--dim",
      "G=2",
    );
    expect(r.code, r.err).toBe(0);
    const text = readFileSync(py, "utf8");
    expect(text).toContain("class Layer(torch.nn.Module)");
    expect(text).toMatch(/self\.E_f = torch\.nn\.Parameter\(torch\.empty\(\[4, 2\]\)\)/);
    // weights: a one-layer lstm's parameters under gated's names, `_l0` suffixes allowed
    const model = sequenceModel({ cell: getCell("lstm"), inputSize: 3, hiddenSize: 4 });
    const p = model.initParams({ seed: 5 });
    const wf = join(dir, "lstm_w.safetensors");
    writeFileSync(
      wf,
      writeSafetensors(
        new Map(
          model.layout.map((s) => [
            s.name,
            { dtype: "F64" as const, shape: s.shape, data: p.get(s.name) },
          ]),
        ),
      ),
    );
    const r2 = await gated(
      "export",
      "lstm",
      "--to",
      "pytorch",
      "-o",
      join(dir, "lstm.py"),
      "--input",
      "3",
      "--hidden",
      "4",
      "--weights",
      wf,
    );
    expect(r2.code, r2.err).toBe(0);
    expect(existsSync(join(dir, "lstm.safetensors"))).toBe(true);
  });

  test.each([
    [["export", "lstm", "-o", "x.py"], /--to pytorch\|onnx is required/],
    [["export", "lstm", "--to", "onnx", "-o", "x.py"], /must end in \.onnx/],
    [["export", "nope", "--to", "onnx", "-o", "x.onnx"], /unknown cell "nope"/],
    // a dim with no default (grouped_gate_lstm's G has one, H/4, as in every other command)
    [
      ["export", readoutFile(), "--to", "onnx", "-o", join(dir, "g.onnx")],
      /cell readout uses the dim O; give its size with --dim O=N/,
    ],
    [
      ["export", "lstm", "--to", "onnx", "-o", join(dir, "l.onnx"), "--dim", "G"],
      /--dim expects NAME=N/,
    ],
  ])("usage error %j", async (argv, msg) => {
    const r = await gated(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });
});

describe.skipIf(!ort)(
  "gated import → gated export: an ONNX GRU comes back as the same ONNX computation",
  () => {
    test.each([0, 1])("linear_before_reset=%i", async (lbr) => {
      const T = 4,
        B = 2,
        I = 3,
        H = 5;
      const r = mulberry32(40 + lbr);
      const t = (name: string, dims: number[]) => ({
        name,
        type: "float32" as const,
        dims,
        data: rand(
          r,
          dims.reduce((a, b) => a * b, 1),
        ),
      });
      const src = join(dir, `gru${lbr}.onnx`);
      writeFileSync(
        src,
        encodeOnnxModel({
          opset: 17,
          graph: {
            name: "g",
            nodes: [
              {
                op: "GRU",
                inputs: ["x", "W", "R", "B"],
                outputs: ["Y"],
                attrs: { hidden_size: { i: H }, linear_before_reset: { i: lbr } },
              },
            ],
            inputs: [{ name: "x", type: "float32", shape: [T, B, I] }],
            outputs: [{ name: "Y", type: "float32", shape: [T, 1, B, H] }],
            initializers: [t("W", [1, 3 * H, I]), t("R", [1, 3 * H, H]), t("B", [1, 6 * H])],
          },
        }),
      );
      const w = join(dir, `gru${lbr}.safetensors`);
      const imp = await gated("import", src, "--from", "onnx", "-o", w);
      expect(imp.code, imp.err).toBe(0);
      const cell = lbr ? "gru" : "cho_gru";
      expect(imp.out).toContain(`cell ${cell} (I = 3, H = 5)`);
      const back = join(dir, `back${lbr}.onnx`);
      const ex = await gated(
        "export",
        cell,
        "--to",
        "onnx",
        "-o",
        back,
        "--input",
        "3",
        "--hidden",
        "5",
        "--weights",
        w,
      );
      expect(ex.code, ex.err).toBe(0);
      const x = rand(r, T * B * I);
      const ref = (await runOnnx(ort!, readFileSync(src), { x: { data: x, dims: [T, B, I] } }))[
        "Y"
      ]!;
      const got = (
        await runOnnx(ort!, readFileSync(back), {
          x: { data: x, dims: [T, B, I] },
          init_h: { data: new Array(B * H).fill(0), dims: [B, H] },
        })
      )["output"]!;
      expect(maxRelDiff(got, ref)).toBeLessThanOrEqual(1e-5);
    });
  },
);

describe("gated import", () => {
  test("--from gated --check compares gated's output (and read-out loss) with the data file's", async () => {
    const I = 2,
      H = 3,
      T = 4,
      B = 2;
    const model = sequenceModel({ cell: getCell("gru"), inputSize: I, hiddenSize: H });
    const p = model.initParams({ seed: 9 });
    const w = join(dir, "g.safetensors");
    writeFileSync(
      w,
      writeSafetensors(
        new Map(
          model.layout.map((s) => [
            s.name.replace(/_l0$/, ""),
            { dtype: "F64" as const, shape: s.shape, data: p.get(s.name) },
          ]),
        ),
      ),
    );
    const r = mulberry32(3);
    const x = Float64Array.from(rand(r, T * B * I));
    const lengths = Float64Array.of(4, 2);
    const out = model.forward(p, x, { batch: B, lengths }).output;
    const Wr = Float64Array.from(rand(r, H)),
      br = Float64Array.of(0.1),
      y = Float64Array.of(0.5, -0.2);
    let loss = 0;
    for (let s = 0; s < B; s++) {
      const last = lengths[s]! - 1;
      let v = br[0]!;
      for (let j = 0; j < H; j++) v += Wr[j]! * out[(last * B + s) * H + j]!;
      loss += (v - y[s]!) ** 2 / B;
    }
    const data = (o: ArrayLike<number>) =>
      writeSafetensors(
        new Map([
          ["x", { dtype: "F64" as const, shape: [T, B, I], data: x }],
          ["lengths", { dtype: "F64" as const, shape: [B], data: lengths }],
          ["output", { dtype: "F64" as const, shape: [T, B, H], data: Float64Array.from(o) }],
          ["readout.weight", { dtype: "F64" as const, shape: [1, H], data: Wr }],
          ["readout.bias", { dtype: "F64" as const, shape: [1], data: br }],
          ["y", { dtype: "F64" as const, shape: [B, 1], data: y }],
          ["loss", { dtype: "F64" as const, shape: [1], data: Float64Array.of(loss) }],
        ]),
      );
    writeFileSync(join(dir, "ok.safetensors"), data(out));
    const args = [
      "import",
      w,
      "--from",
      "gated",
      "--cell",
      "gru",
      "--input",
      "2",
      "--hidden",
      "3",
      "-o",
      join(dir, "gi.safetensors"),
    ];
    const ok = await gated(...args, "--check", join(dir, "ok.safetensors"));
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/loss \(MSE of the read-out, in gated\): /);
    writeFileSync(join(dir, "bad.safetensors"), data(Array.from(out, (v) => v + 1e-3)));
    expect((await gated(...args, "--check", join(dir, "bad.safetensors"))).code).toBe(1);
  });

  test.each([
    [
      ["import", "w.json", "-o", "o.safetensors"],
      /--from keras\|tfjs\|onnx\|pytorch\|gated is required/,
    ],
    [
      ["import", "missing.json", "--from", "keras", "--kind", "lstm", "-o", "o.safetensors"],
      /cannot read missing\.json/,
    ],
    [
      ["import", "w.json", "--from", "gated", "-o", "o.safetensors"],
      /needs --cell CELL --input N --hidden N/,
    ],
  ])("usage error %j", async (argv, msg) => {
    const r = await gated(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
  });

  test("a misshapen Keras tensor is one line naming it", async () => {
    const f = join(dir, "k.json");
    writeFileSync(
      f,
      JSON.stringify({
        kernel: { shape: [3, 16], data: new Array(48).fill(0) },
        recurrent_kernel: { shape: [4, 12], data: new Array(48).fill(0) },
        bias: { shape: [16], data: new Array(16).fill(0) },
      }),
    );
    const r = await gated(
      "import",
      f,
      "--from",
      "keras",
      "--kind",
      "lstm",
      "-o",
      join(dir, "k.safetensors"),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/tensor recurrent_kernel has shape \[4, 12\], expected \[4, 16\]/);
  });
});
