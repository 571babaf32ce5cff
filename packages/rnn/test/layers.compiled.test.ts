// Sequence layers are written against the Kernel interface: the same stacked, bidirectional,
// masked, truncated model on compiled kernels gives the reference kernel's numbers (float64),
// and runs in float32 within float32 tolerance.

import { compileCell, mulberry32, type Params } from "@gated/codegen";
import { getCell, type SequenceModel, sequenceModel } from "@gated/rnn";
import { describe, expect, test } from "vitest";

const rand = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => 2 * r() - 1);
};

/** The same named values in another model's layout (compiled kernels pack parameters their own way). */
function byName(to: SequenceModel, from: Params): Params {
  const q = to.params();
  for (const s of to.layout) q.get(s.name).set(from.get(s.name));
  return q;
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(atol + rtol * Math.abs(b[i]!));
}

describe("sequence model on compiled kernels", () => {
  test.each(["lstm", "gru", "peephole_lstm", "rnn_relu"])(
    "%s: 2 layers, bidirectional, masked, truncated = reference",
    (name) => {
      const cell = getCell(name);
      const spec = { cell, inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true };
      const ref = sequenceModel(spec);
      const cmp = sequenceModel({ ...spec, kernel: compileCell });
      const T = 6,
        B = 3,
        lengths = [6, 2, 4];
      const p = ref.initParams({ seed: 9, scheme: "orthogonal" });
      const x = rand(T * B * 3, 1);
      const init = Object.fromEntries(
        Object.keys(ref.stateSizes).map((n, k) => [n, rand(4 * B * 4, 2 + k)]),
      );
      const R = rand(T * B * 8, 5);
      const Rs = Object.fromEntries(
        Object.keys(ref.stateSizes).map((n, k) => [n, rand(4 * B * 4, 7 + k)]),
      );
      for (const truncate of [undefined, 2]) {
        const opts = { batch: B, initial: init, lengths, ...(truncate ? { truncate } : {}) };
        const a = ref.forward(p, x, opts),
          b = cmp.forward(byName(cmp, p), x, opts);
        close(b.output, a.output, 1e-13, 1e-11);
        for (const n of Object.keys(a.final)) close(b.final[n]!, a.final[n]!, 1e-13, 1e-11);
        const ga = ref.backward(a, { output: R, final: Rs }),
          gb = cmp.backward(b, { output: R, final: Rs });
        close(byName(ref, gb.params).data, ga.params.data, 1e-12, 1e-10);
        close(gb.input, ga.input, 1e-12, 1e-10);
        for (const n of Object.keys(ga.initial))
          close(gb.initial[n]!, ga.initial[n]!, 1e-12, 1e-10);
      }
    },
  );

  test("initialisation does not depend on the backend's layout", () => {
    const spec = {
      cell: getCell("gru"),
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      bidirectional: true,
    };
    const ref = sequenceModel(spec),
      cmp = sequenceModel({ ...spec, kernel: compileCell });
    for (const scheme of ["cell", "pytorch", "xavier", "orthogonal"] as const) {
      const a = ref.initParams({ seed: 2, scheme }),
        b = cmp.initParams({ seed: 2, scheme });
      for (const s of ref.layout) expect([...b.get(s.name)]).toEqual([...a.get(s.name)]);
    }
  });

  test("float32 compiled model tracks the float64 reference", () => {
    const cell = getCell("lstm");
    const spec = { cell, inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true };
    const ref = sequenceModel(spec);
    const f32 = sequenceModel({ ...spec, dtype: "float32", kernel: compileCell });
    const p = ref.initParams({ seed: 4 });
    const x = rand(5 * 2 * 2, 3);
    const a = ref.forward(p, x, { batch: 2, lengths: [5, 3] });
    const b = f32.forward(byName(f32, p), x, { batch: 2, lengths: [5, 3] });
    expect(b.output).toBeInstanceOf(Float32Array);
    close(b.output, a.output, 1e-5, 1e-4);
    const g = f32.backward(b, { output: rand(5 * 2 * 6, 8) });
    expect(g.params.data).toBeInstanceOf(Float32Array);
    close(
      byName(ref, g.params).data,
      ref.backward(a, { output: rand(5 * 2 * 6, 8) }).params.data,
      1e-4,
      1e-3,
    );
  });

  test("empty sequences (T = 0) pass the states and their cotangents through, on both backends", () => {
    for (const kernel of [undefined, compileCell]) {
      const m = sequenceModel({
        cell: getCell("lstm"),
        inputSize: 2,
        hiddenSize: 3,
        numLayers: 2,
        bidirectional: true,
        ...(kernel ? { kernel } : {}),
      });
      const h = Array.from({ length: 4 * 2 * 3 }, (_, i) => i);
      const r = m.forward(m.initParams(), [], { batch: 2, initial: { h }, truncate: 3 });
      expect(r.output.length).toBe(0);
      expect([...r.final.h!]).toEqual(h);
      const g = m.backward(r, { final: { h } });
      expect([...g.initial.h!]).toEqual(h);
      expect([...g.params.data].every((v) => v === 0)).toBe(true);
    }
  });
});
