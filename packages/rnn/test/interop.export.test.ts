/**
 * The exporters' own pieces, without external tools: the protobuf writer's wire format, ONNX
 * models read back by the import reader (property test), Python names for gated's names, and
 * one-line errors.
 */
import { fc, test as fcTest } from "@fast-check/vitest";
import { S } from "@gated/graph";
import { OPS, sigmoid, tanh } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { defineCell, exportOnnx, exportPytorch, getCell, readOnnxRecurrent } from "../src/index.js";
import { ONNX_STRUCTURAL, onnxModel } from "../src/interop/export/onnx.js";
import { encodeOnnxModel, type OnnxGraph } from "../src/interop/export/onnxProto.js";
import { ProtoWriter } from "../src/interop/export/protobuf.js";
import { TORCH_STRUCTURAL } from "../src/interop/export/torch.js";
import { pyNumber, renderTorchScalar } from "../src/interop/export/torchScalar.js";

describe("every op of @gated/ops exports", () => {
  test.each(Object.entries(OPS))(
    "%s: a scalar formula, or a row in both structural tables",
    (_name, op) => {
      if (op.kind === "elementwise") expect(op.scalar).toBeTypeOf("function");
      else {
        expect(TORCH_STRUCTURAL.has(op)).toBe(true);
        expect(ONNX_STRUCTURAL.has(op)).toBe(true);
      }
    },
  );
});

describe("protobuf writer", () => {
  test("varints, negative int64, strings and floats follow the wire format", () => {
    expect([...new ProtoWriter().int(1, 300).finish()]).toEqual([0x08, 0xac, 0x02]);
    expect([...new ProtoWriter().int(2, -1).finish()]).toEqual([
      0x10,
      ...new Array(9).fill(0xff),
      0x01,
    ]);
    expect([...new ProtoWriter().string(4, "Add").finish()]).toEqual([0x22, 3, 65, 100, 100]);
    expect([...new ProtoWriter().float(2, 1).finish()]).toEqual([0x15, 0, 0, 0x80, 0x3f]);
    expect([...new ProtoWriter().packedInts(8, [1, 2, 300]).finish()]).toEqual([
      0x42, 4, 1, 2, 0xac, 0x02,
    ]);
  });
});

describe("ONNX models read back", () => {
  fcTest.prop(
    [
      fc.constantFrom("LSTM" as const, "GRU" as const),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
      fc.constantFrom("float32" as const, "float64" as const),
    ],
    { seed: 11, numRuns: 40 },
  )("W, R, B and linear_before_reset survive encode → readOnnxRecurrent", (op, H, I, lbr, type) => {
    const G = op === "LSTM" ? 4 : 3;
    const t = (name: string, dims: number[]) => ({
      name,
      type,
      dims,
      data: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, k) => (k % 7) / 8 - 0.375),
    });
    const inits = [t("W", [1, G * H, I]), t("R", [1, G * H, H]), t("B", [1, 2 * G * H])];
    const bytes = encodeOnnxModel({
      opset: 17,
      graph: {
        name: "g",
        nodes: [
          {
            op,
            inputs: ["x", "W", "R", "B"],
            outputs: ["Y"],
            attrs: {
              hidden_size: { i: H },
              ...(op === "GRU" ? { linear_before_reset: { i: lbr ? 1 : 0 } } : {}),
            },
          },
        ],
        inputs: [{ name: "x", type, shape: ["T", "B", I] }],
        outputs: [{ name: "Y", type }],
        initializers: inits,
      },
    });
    const r = readOnnxRecurrent(bytes);
    expect(r.kind).toBe(op === "LSTM" ? "lstm" : "gru");
    expect(r.hiddenSize).toBe(H);
    expect(r.linearBeforeReset).toBe(op === "GRU" && lbr);
    for (const init of inits) {
      expect(r.tensors.get(init.name)!.shape).toEqual(init.dims);
      expect([...r.tensors.get(init.name)!.data]).toEqual(init.data);
    }
  });

  test("a model without exactly one LSTM/GRU node is refused", () => {
    const bytes = exportOnnx(getCell("gru"), { inputSize: 2, hiddenSize: 3 });
    expect(() => readOnnxRecurrent(bytes)).toThrow(/0 LSTM\/GRU nodes; import reads exactly one/);
  });
});

describe("ONNX Scan body: only what depends on a state runs per step", () => {
  const ops = (g: OnnxGraph) => g.nodes.map((n) => n.op);
  const bodyOf = (g: OnnxGraph) => {
    const scan = g.nodes.find((n) => n.op === "Scan")!;
    return (scan.attrs!["body"] as { g: OnnxGraph }).g;
  };
  test.each([
    ["lstm", 4],
    ["gru", 3],
    ["peephole_lstm", 4],
    ["mgu", 2],
  ])("%s: the %i input products are GEMMs over [T, B] before the Scan, scanned in", (name, n) => {
    const main = onnxModel(getCell(name), { inputSize: 3, hiddenSize: 4 }).graph;
    const body = bodyOf(main);
    const count = (g: OnnxGraph, op: string) => ops(g).filter((o) => o === op).length;
    // x·Uᵀ for every gate before the Scan; per step only the recurrent products W h
    expect(count(main, "MatMul")).toBe(n);
    expect(count(body, "MatMul")).toBe(n);
    // parameter-only values (the transposes) are computed once, outside the body
    expect(count(body, "Transpose")).toBe(0);
    // σ and tanh as ONNX's own ops, not σ's stable scalar form (Exp, Div, Where)
    expect(count(body, "Sigmoid")).toBeGreaterThan(0);
    expect(count(body, "Exp") + count(body, "Where")).toBe(0);
    // the body reads the products, not x
    expect(body.inputs.some((v) => v.name === "x_t")).toBe(false);
  });
});

describe("PyTorch module text", () => {
  test("gated names that are not Python identifiers become attributes, mapped back in GATED_NAMES", () => {
    const cell = defineCell({
      name: "odd",
      state: { h: "H" },
      step: ({ x, h }, ctx) => {
        const a = ctx.affine("α", x, h);
        const w = ctx.param("class", ["H"]);
        return { h: tanh(a).mul(sigmoid(w)) };
      },
    });
    const py = exportPytorch(cell, { inputSize: 2, hiddenSize: 3 });
    expect(py).toContain('"U__u3b1": "U_α"');
    expect(py).toContain('"class_": "class"');
    expect(py).toContain("self.class_ = torch.nn.Parameter(torch.empty([3]))");
    expect(py).toMatch(/^from typing import Dict, List, Optional, Tuple$/m);
    expect(py.match(/^import .*$/gm)).toEqual(["import torch"]);
  });

  test("the input size must match x's dim", () => {
    expect(() => exportPytorch(getCell("mut1"), { inputSize: 3, hiddenSize: 4 })).toThrow(
      /export: cell "mut1": its input x\[H\] has 4 values per step, but inputSize is 3/,
    );
  });

  test("scalar formulas: constants fold, comparisons feed where, extremes with a constant clamp", () => {
    const t = { k: "tensor", s: "a" } as const;
    expect(renderTorchScalar(S.add(S.mul(2, 3), S.arg(0)), [t], "x.dtype")).toEqual({
      k: "tensor",
      s: "(6.0 + a)",
    });
    expect(renderTorchScalar(S.select(S.gt(S.arg(0), 0), S.arg(0), 0), [t], "x.dtype")).toEqual({
      k: "tensor",
      s: "torch.where((a > 0.0), a, torch.full_like((a > 0.0), 0.0, dtype=x.dtype))",
    });
    expect(renderTorchScalar(S.max(S.arg(0), 0), [t], "x.dtype")).toEqual({
      k: "tensor",
      s: "torch.clamp_min(a, 0.0)",
    });
    expect([pyNumber(1), pyNumber(-0), pyNumber(1e-20), pyNumber(Infinity)]).toEqual([
      "1.0",
      "-0.0",
      "1e-20",
      'float("inf")',
    ]);
  });
});
