// Sequence layers: stacked, bidirectional, masked runs checked against finite differences and
// against independent routes (manual reversal, manual chunking), on tiny sizes.

import { mulberry32 } from "@gated/codegen";
import { sigmoid, tanh } from "@gated/ops";
import { defineCell, type SequenceModel, sequenceModel } from "@gated/rnn";
import { describe, expect, test } from "vitest";

const elman = defineCell({
  name: "elman",
  state: { h: "H" },
  step: ({ x, h }, { affine }) => ({ h: tanh(affine("h", x, h)) }),
});
const lstm = defineCell({
  name: "lstm",
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

const rand = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => 2 * r() - 1);
};
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

interface Case {
  m: SequenceModel;
  T: number;
  B: number;
  lengths?: number[];
  truncate?: number;
}

/** Loss = <R, output> + Σ_state <R_s, final_s>, with its pieces. */
function setup({ m, T, B }: Case, seed: number) {
  const names = Object.keys(m.stateSizes);
  const LD = m.numLayers * m.D;
  return {
    x: rand(T * B * m.inputSize, seed + 1),
    init: Object.fromEntries(
      names.map((n, k) => [n, rand(LD * B * m.stateSizes[n]!, seed + 2 + k)]),
    ),
    R: rand(T * B * m.outputSize, seed + 10),
    Rs: Object.fromEntries(
      names.map((n, k) => [n, rand(LD * B * m.stateSizes[n]!, seed + 20 + k)]),
    ),
    params: m.initParams({ seed }),
  };
}

function lossOf(c: Case, s: ReturnType<typeof setup>, p = s.params, x = s.x, init = s.init) {
  const run = c.m.forward(p, x, {
    batch: c.B,
    initial: init,
    ...(c.lengths ? { lengths: c.lengths } : {}),
  });
  let L = dot(run.output, s.R);
  for (const n of Object.keys(s.Rs)) L += dot(run.final[n]!, s.Rs[n]!);
  return L;
}

function gradsOf(c: Case, s: ReturnType<typeof setup>) {
  const run = c.m.forward(s.params, s.x, {
    batch: c.B,
    initial: s.init,
    ...(c.lengths ? { lengths: c.lengths } : {}),
    ...(c.truncate ? { truncate: c.truncate } : {}),
  });
  return c.m.backward(run, { output: s.R, final: s.Rs });
}

/** Central differences of `f` at every entry of `v` (perturbed in place, then restored). */
function fd(v: { [i: number]: number; length: number }, f: () => number, eps = 1e-6): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const o = v[i]!;
    v[i] = o + eps;
    const a = f();
    v[i] = o - eps;
    const b = f();
    v[i] = o;
    g[i] = (a - b) / (2 * eps);
  }
  return g;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-7) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i]! - b[i]!), `entry ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(
      tol * (1 + Math.abs(b[i]!)),
    );
}

function checkFd(c: Case, seed: number) {
  const s = setup(c, seed);
  const g = gradsOf(c, s);
  expectClose(
    g.params.data,
    fd(s.params.data, () => lossOf(c, s)),
  );
  expectClose(
    g.input,
    fd(s.x, () => lossOf(c, s)),
  );
  for (const n of Object.keys(s.init))
    expectClose(
      g.initial[n]!,
      fd(s.init[n]!, () => lossOf(c, s)),
    );
}

describe("sequence layers vs finite differences", () => {
  test("2-layer bidirectional LSTM with variable lengths", () => {
    const m = sequenceModel({
      cell: lstm,
      inputSize: 2,
      hiddenSize: 2,
      numLayers: 2,
      bidirectional: true,
    });
    checkFd({ m, T: 4, B: 3, lengths: [4, 1, 2] }, 1);
  });
  test("3-layer unidirectional Elman, full lengths", () => {
    const m = sequenceModel({ cell: elman, inputSize: 3, hiddenSize: 2, numLayers: 3 });
    checkFd({ m, T: 3, B: 2 }, 2);
  });
  test("bidirectional Elman with a zero-length sequence", () => {
    const m = sequenceModel({ cell: elman, inputSize: 2, hiddenSize: 3, bidirectional: true });
    checkFd({ m, T: 3, B: 2, lengths: [0, 3] }, 3);
  });
});

describe("semantics", () => {
  test("padded steps change neither outputs, final states nor any gradient", () => {
    const m = sequenceModel({
      cell: lstm,
      inputSize: 2,
      hiddenSize: 3,
      numLayers: 2,
      bidirectional: true,
    });
    const B = 2,
      lengths = [3, 1];
    const c: Case = { m, T: 3, B, lengths };
    const s = setup(c, 4);
    const g = gradsOf(c, s);
    const run = m.forward(s.params, s.x, { batch: B, initial: s.init, lengths });
    // append 2 padded steps with garbage inputs and garbage output cotangents
    const T2 = 5;
    const x2 = Float64Array.from({ length: T2 * B * 2 }, (_, i) =>
      i < s.x.length ? s.x[i]! : 1e3 * Math.sin(i),
    );
    const R2 = Float64Array.from({ length: T2 * B * m.outputSize }, (_, i) =>
      i < s.R.length ? s.R[i]! : 7 + i,
    );
    const run2 = m.forward(s.params, x2, { batch: B, initial: s.init, lengths });
    expect([...run2.output.subarray(0, run.output.length)]).toEqual([...run.output]);
    expect([...run2.output.subarray(run.output.length)].every((v) => v === 0)).toBe(true);
    for (const n of ["h", "c"]) expect([...run2.final[n]!]).toEqual([...run.final[n]!]);
    const g2 = m.backward(run2, { output: R2, final: s.Rs });
    expect([...g2.params.data]).toEqual([...g.params.data]);
    expect([...g2.input.subarray(0, g.input.length)]).toEqual([...g.input]);
    expect([...g2.input.subarray(g.input.length)].every((v) => v === 0)).toBe(true);
    // and padded steps inside the shorter sequence: x at t ≥ 1 of sequence 1 does not matter
    const x3 = Float64Array.from(s.x);
    for (let t = 1; t < 3; t++) for (let i = 0; i < 2; i++) x3[(t * B + 1) * 2 + i] = -5;
    const run3 = m.forward(s.params, x3, { batch: B, initial: s.init, lengths });
    expect([...run3.output]).toEqual([...run.output]);
  });

  test("the reverse direction equals a forward run over sequences reversed by hand", () => {
    const bi = sequenceModel({ cell: elman, inputSize: 2, hiddenSize: 3, bidirectional: true });
    const uni = sequenceModel({ cell: elman, inputSize: 2, hiddenSize: 3 });
    const T = 4,
      B = 2,
      lengths = [4, 2],
      H = 3;
    const p = bi.initParams({ seed: 5 });
    const x = rand(T * B * 2, 6);
    const run = bi.forward(p, x, { batch: B, lengths });
    const pr = uni.params(bi.block(p, 0, 1).data);
    for (let b = 0; b < B; b++) {
      const L = lengths[b]!;
      const xs = new Float64Array(L * 2);
      for (let t = 0; t < L; t++)
        xs.set(x.subarray(((L - 1 - t) * B + b) * 2, ((L - 1 - t) * B + b + 1) * 2), t * 2);
      const r = uni.forward(pr, xs, { batch: 1 });
      for (let t = 0; t < L; t++)
        for (let j = 0; j < H; j++)
          expect(run.output[(t * B + b) * 2 * H + H + j]).toBe(r.output[(L - 1 - t) * H + j]);
      for (let j = 0; j < H; j++) expect(run.final.h![(1 * B + b) * H + j]).toBe(r.final.h![j]);
    }
  });

  test("truncate ≥ T is plain BPTT; truncate k matches per-chunk gradients with detached states", () => {
    const m = sequenceModel({ cell: lstm, inputSize: 2, hiddenSize: 2 });
    const T = 5,
      B = 3,
      lengths = [5, 3, 2],
      k = 2;
    const c: Case = { m, T, B, lengths };
    const s = setup(c, 7);
    const full = gradsOf(c, s);
    expect([...gradsOf({ ...c, truncate: T }, s).params.data]).toEqual([...full.params.data]);
    const tr = gradsOf({ ...c, truncate: k }, s);
    expect(
      Math.max(...tr.params.data.map((v, i) => Math.abs(v - full.params.data[i]!))),
    ).toBeGreaterThan(1e-6);
    // independent route: for each chunk, FD of that chunk's own loss terms with its entry state fixed
    const want = new Float64Array(s.params.data.length);
    const wantX = new Float64Array(s.x.length);
    for (let start = 0; start < T; start += k) {
      const steps = Math.min(k, T - start);
      const lens = lengths.map((l) => Math.max(0, Math.min(steps, l - start)));
      const pre = m.forward(s.params, s.x.subarray(0, start * B * 2), {
        batch: B,
        initial: s.init,
        lengths: lengths.map((l) => Math.min(l, start)),
      });
      const entry = { h: Float64Array.from(pre.final.h!), c: Float64Array.from(pre.final.c!) };
      const xc = Float64Array.from(s.x.subarray(start * B * 2, (start + steps) * B * 2));
      const Rc = s.R.subarray(start * B * 2, (start + steps) * B * 2);
      const ends = lengths.map((l) => l > start && l <= start + steps); // last real step in this chunk
      const chunkLoss = () => {
        const r = m.forward(s.params, xc, { batch: B, initial: entry, lengths: lens });
        let L = dot(r.output, Rc);
        for (const n of ["h", "c"])
          for (let b = 0; b < B; b++)
            if (ends[b])
              for (let j = 0; j < 2; j++) L += r.final[n]![b * 2 + j]! * s.Rs[n]![b * 2 + j]!;
        return L;
      };
      fd(s.params.data, chunkLoss).forEach((v, i) => (want[i]! += v));
      wantX.set(fd(xc, chunkLoss), start * B * 2);
    }
    expectClose(tr.params.data, want);
    expectClose(tr.input, wantX);
  });

  test("init schemes are seeded, deterministic and differ per block", () => {
    const m = sequenceModel({
      cell: lstm,
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      bidirectional: true,
    });
    for (const scheme of ["cell", "pytorch", "xavier", "orthogonal"] as const) {
      const a = m.initParams({ seed: 11, scheme }),
        b = m.initParams({ seed: 11, scheme });
      expect([...a.data]).toEqual([...b.data]);
      expect([...a.get("U_i_l0")]).not.toEqual([...a.get("U_i_l0_reverse")]);
    }
    const o = m.initParams({ seed: 3, scheme: "orthogonal" }).get("W_f_l1");
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let d = 0;
        for (let t = 0; t < 4; t++) d += o[i * 4 + t]! * o[j * 4 + t]!;
        expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    const px = m.initParams({ seed: 3, scheme: "pytorch" }).data;
    expect(Math.max(...px.map(Math.abs))).toBeLessThanOrEqual(0.5);
    expect([...m.initParams({ seed: 3, scheme: "xavier" }).get("b_f_l0")]).toEqual([0, 0, 0, 0]);
    expect(() => m.initParams({ scheme: "nope" as "cell" })).toThrow(/unknown scheme "nope"/);
  });

  test("errors name what is wrong", () => {
    const m = sequenceModel({ cell: elman, inputSize: 2, hiddenSize: 3, numLayers: 2 });
    const p = m.initParams();
    expect(() => m.forward(p, [1, 2, 3], { batch: 2 })).toThrow(/not a multiple of B·I = 4/);
    expect(() => m.forward(p, [1, 2], { batch: 1, initial: { h: [1] } })).toThrow(
      /initial h needs 6 values/,
    );
    expect(() => m.forward(p, [1, 2], { batch: 1, initial: { q: [1] } })).toThrow(
      /unknown state "q"/,
    );
    expect(() => m.forward(p, [1, 2], { batch: 1, truncate: 0 })).toThrow(
      /truncate must be an integer ≥ 1/,
    );
    expect(() => sequenceModel({ cell: elman, inputSize: 2, hiddenSize: 3, numLayers: 0 })).toThrow(
      /numLayers/,
    );
  });
});
