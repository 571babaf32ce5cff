import { compileCell, referenceKernel } from "@gated/codegen";
import { describe, expect, test } from "vitest";
import { getCell } from "../src/catalogue.js";
import { compiledBackend, interpreterBackend } from "../src/train/backend.js";
import { Model, type ModelSpec, type Sample } from "../src/train/model.js";
import { Rng } from "../src/train/rng.js";

/**
 * Central differences of the batch loss w.r.t. random parameters vs the model's gradient:
 * the worst |fd − g| / max(1, |fd|) (absolute for small gradients, relative for large).
 */
function gradCheck(spec: ModelSpec, samples: readonly Sample[], picks = 40, eps = 1e-6): number {
  const m = new Model(spec);
  const g = new Float64Array(m.size);
  m.run(samples, g);
  const rng = new Rng(7);
  let worst = 0;
  for (let k = 0; k < picks; k++) {
    const i = rng.int(m.size);
    const p0 = m.params[i]!;
    m.params[i] = p0 + eps;
    const up = m.run(samples).loss;
    m.params[i] = p0 - eps;
    const dn = m.run(samples).loss;
    m.params[i] = p0;
    const fd = (up - dn) / (2 * eps);
    worst = Math.max(worst, Math.abs(fd - g[i]!) / Math.max(1, Math.abs(fd)));
  }
  return worst;
}

const rng = new Rng(3);
const tokens = (n: number): Sample[] =>
  Array.from({ length: n }, (_, b) => ({
    x: Array.from({ length: 2 + (b % 3) }, () => rng.int(6)),
    y: b % 3,
  }));

describe("model gradients (embedding → RNN → head → loss) match finite differences (reference kernel)", () => {
  for (const pool of ["last", "mean", "max", { attention: 3 }] as const) {
    test(`2-layer bidirectional LSTM, ${typeof pool === "string" ? pool : "attention"} pooling, cross-entropy`, () => {
      const spec: ModelSpec = {
        cell: getCell("lstm"),
        hidden: 3,
        layers: 2,
        bidirectional: true,
        embedding: { vocab: 6, dim: 2 },
        pool,
        outputs: 3,
        loss: "cross-entropy",
        seed: 1,
        kernel: referenceKernel,
      };
      expect(gradCheck(spec, tokens(3))).toBeLessThan(1e-7);
    });
  }
});

describe("the same check with compiled kernels (compileCell) and every loss", () => {
  const dense = (n: number, per: (r: Rng) => Sample["y"]): Sample[] => {
    const r = new Rng(5);
    return Array.from({ length: n }, () => ({
      x: Array.from({ length: 3 + r.int(3) }, () => r.next() * 2 - 1),
      y: per(r),
    }));
  };
  test("GRU, last pooling, MSE", () => {
    const spec: ModelSpec = {
      cell: getCell("gru"),
      hidden: 4,
      inputSize: 1,
      pool: "last",
      outputs: 2,
      loss: "mse",
      seed: 3,
      kernel: compileCell,
    };
    expect(
      gradCheck(
        spec,
        dense(4, (r) => [r.next(), r.next()]),
      ),
    ).toBeLessThan(1e-7);
  });
  test("Elman, max pooling, binary cross-entropy", () => {
    const spec: ModelSpec = {
      cell: getCell("elman"),
      hidden: 4,
      inputSize: 1,
      pool: "max",
      outputs: 2,
      loss: "bce",
      seed: 3,
      kernel: compileCell,
    };
    expect(
      gradCheck(
        spec,
        dense(4, (r) => [r.int(2), r.int(2)]),
      ),
    ).toBeLessThan(1e-7);
  });
  test("bidirectional LSTM, per-step cross-entropy (pool none), embedding", () => {
    const r = new Rng(9);
    const samples: Sample[] = Array.from({ length: 3 }, (_, b) => {
      const x = Array.from({ length: 2 + b }, () => r.int(5));
      return { x, y: x.map((v) => v % 3) };
    });
    const spec: ModelSpec = {
      cell: getCell("lstm"),
      hidden: 3,
      bidirectional: true,
      embedding: { vocab: 5, dim: 2 },
      pool: "none",
      outputs: 3,
      loss: "cross-entropy",
      seed: 4,
      kernel: compileCell,
    };
    expect(gradCheck(spec, samples)).toBeLessThan(1e-7);
  });
});

test("the compiled path (compileCell + compileGraph) equals the interpreter path (reference kernel + interpreter)", () => {
  const base: ModelSpec = {
    cell: getCell("lstm"),
    hidden: 4,
    layers: 2,
    bidirectional: true,
    embedding: { vocab: 6, dim: 3 },
    pool: { attention: 3 },
    outputs: 3,
    loss: "cross-entropy",
    seed: 8,
  };
  const slow = new Model({ ...base, kernel: referenceKernel, backend: interpreterBackend });
  const fast = new Model({ ...base, kernel: compileCell, backend: compiledBackend });
  // the two kernels may pack parameters differently: bind them by name
  for (const s of slow.layout) fast.get(s.name).set(slow.get(s.name));
  const batch = tokens(4);
  const gs = new Float64Array(slow.size),
    gf = new Float64Array(fast.size);
  const a = slow.run(batch, gs),
    b = fast.run(batch, gf);
  expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-12 * Math.abs(a.loss));
  for (const s of slow.layout) {
    const f = fast.layout.find((l) => l.name === s.name)!;
    for (let i = 0; i < s.size; i++) {
      const x = gs[s.offset + i]!,
        y = gf[f.offset + i]!;
      expect(Math.abs(x - y)).toBeLessThan(1e-12 + 1e-10 * Math.abs(x));
    }
  }
});
