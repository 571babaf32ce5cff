/**
 * Audit: bad inputs through the public API. Each throws an Error whose message names what is at
 * fault (expression, cell, parameter, state, line:col); kernels never read out of bounds or
 * silently compute garbage from wrongly sized arrays.
 */

import {
  compileCell,
  constant,
  defineCell,
  evaluate,
  grad,
  gru,
  input,
  type Kernel,
  lstm,
  matvec,
  param,
  parseCell,
  referenceKernel,
  sigmoid,
  tanh,
} from "gated";
import { describe, expect, test } from "vitest";

const I = 2,
  H = 3;
const kernels = (): [string, Kernel][] => [
  ["reference", referenceKernel(lstm(), { inputSize: I, hiddenSize: H })],
  ["compiled f64", compileCell(lstm(), { inputSize: I, hiddenSize: H, dtype: "float64" })],
  ["compiled f32", compileCell(lstm(), { inputSize: I, hiddenSize: H, dtype: "float32" })],
];

describe("audit: kernels reject wrongly sized arrays with messages naming the argument", () => {
  for (const [label, k] of kernels()) {
    describe(label, () => {
      const p = k.initParams({ seed: 1 });
      const T = 2,
        B = 2;
      const x = new Float64Array(T * B * I).fill(0.1);
      test("x not a multiple of B·I, batch not a positive integer", () => {
        expect(() => k.forward(p, new Float64Array(5), { batch: B })).toThrow(/x has 5 values/);
        expect(() => k.forward(p, x, { batch: 0 })).toThrow(/batch must be a positive integer/);
        expect(() => k.forward(p, x, { batch: 1.5 })).toThrow(/batch must be a positive integer/);
      });
      test("initial state of the wrong length or an unknown state", () => {
        expect(() => k.forward(p, x, { batch: B, initial: { h: new Float64Array(5) } })).toThrow(
          /initial h needs 6 values, got 5/,
        );
        expect(() => k.forward(p, x, { batch: B, initial: { q: new Float64Array(6) } })).toThrow(
          /unknown state "q"/,
        );
      });
      test("lengths: wrong count, negative, beyond T, fractional", () => {
        expect(() => k.forward(p, x, { batch: B, lengths: [1] })).toThrow(/lengths/);
        expect(() => k.forward(p, x, { batch: B, lengths: [1, -1] })).toThrow(/lengths/);
        expect(() => k.forward(p, x, { batch: B, lengths: [1, 3] })).toThrow(/lengths/);
        expect(() => k.forward(p, x, { batch: B, lengths: [1, 0.5] })).toThrow(/lengths/);
      });
      test("cotangents of the wrong length", () => {
        const run = k.forward(p, x, { batch: B });
        expect(() => k.backward(run, { output: new Float64Array(3) })).toThrow(
          /output cotangent needs 12 values, got 3/,
        );
        expect(() => k.backward(run, { final: { c: new Float64Array(2) } })).toThrow(
          /final c cotangent needs 6 values, got 2/,
        );
      });
      test("parameters of the wrong size (e.g. from another kernel) are rejected, not read out of bounds", () => {
        const other = compileCell(gru(), { inputSize: I, hiddenSize: H });
        const q = other.initParams({ seed: 1 });
        expect(q.data.length).not.toBe(p.data.length);
        expect(() => k.forward(q, x, { batch: B })).toThrow(/param/);
        if (label.startsWith("compiled")) {
          // same size, another layout (the reference kernel's natural order): must not bind by position
          const r = referenceKernel(lstm(), { inputSize: I, hiddenSize: H, dtype: k.dtype });
          expect(() => k.forward(r.initParams({ seed: 1 }), x, { batch: B })).toThrow(
            /laid out for another kernel/,
          );
        }
      });
      test("params(data) with the wrong number of values", () => {
        expect(() => k.params(new Float64Array(p.data.length + 1))).toThrow(
          /expected \d+ values, got/,
        );
      });
      test("backward twice on the same run gives the same gradients (the run is not consumed or mutated)", () => {
        const run = k.forward(p, x, { batch: B, lengths: [2, 1] });
        const cot = {
          output: new Float64Array(T * B * H).fill(1),
          final: { c: new Float64Array(B * H).fill(0.5) },
        };
        const g1 = k.backward(run, cot);
        const snap = [
          Array.from(g1.params.data),
          Array.from(g1.input),
          Array.from(g1.initial["h"]!),
        ];
        const g2 = k.backward(run, cot);
        expect([
          Array.from(g2.params.data),
          Array.from(g2.input),
          Array.from(g2.initial["h"]!),
        ]).toEqual(snap);
        expect(g2.params.data).not.toBe(g1.params.data);
      });
      test("a forward run's results are not aliased by the next forward", () => {
        const r1 = k.forward(p, x, { batch: B });
        const o1 = Array.from(r1.output),
          f1 = Array.from(r1.final["h"]!);
        k.forward(p, new Float64Array(x.length).fill(-0.7), { batch: B });
        expect(Array.from(r1.output)).toEqual(o1);
        expect(Array.from(r1.final["h"]!)).toEqual(f1);
        // and backward of the older run still matches a fresh one
        const cot = { output: new Float64Array(T * B * H).fill(1) };
        expect(Array.from(k.backward(r1, cot).params.data)).toEqual(
          Array.from(k.backward(k.forward(p, x, { batch: B }), cot).params.data),
        );
      });
      test("changing params after forward does not change that run's backward", () => {
        const q = k.params(p.data);
        const run = k.forward(q, x, { batch: B });
        const cot = { output: new Float64Array(T * B * H).fill(1) };
        const g1 = Array.from(k.backward(run, cot).params.data);
        q.data.fill(0.3);
        expect(Array.from(k.backward(run, cot).params.data)).toEqual(g1);
      });
      test("backward with a run from another kernel, or a made-up run, throws", () => {
        const other = kernels().find(([l]) => l !== label)![1];
        const run = other.forward(other.initParams({ seed: 1 }), x, { batch: B });
        expect(() => k.backward(run, { output: new Float64Array(T * B * H) })).toThrow(
          /run did not come from this kernel/,
        );
        expect(() => k.backward({ T, B, output: new Float64Array(12), final: {} }, {})).toThrow(
          /run did not come from this kernel/,
        );
      });
    });
  }
});

describe("audit: graph and cell errors name what is at fault", () => {
  test("shape mismatch names both shapes and the op", () => {
    const a = param("a", ["H"]),
      U = param("U", ["H", "I"]);
    expect(() => a.add(param("bb", ["I"]))).toThrow(/\[H\][^]*\[I\]|\[I\][^]*\[H\]/);
    expect(() => matvec(U, a)).toThrow(/matvec[^]*\[H, ?I\][^]*\[H\]/);
  });
  test("evaluate: unbound leaf, wrong-length binding, unknown dim", () => {
    const a = param("alpha", ["H"]);
    expect(() => evaluate(a.mul(2), {}, { H: 2 })).toThrow(/alpha/);
    expect(() => evaluate(a.mul(2), { alpha: [1, 2, 3] }, { H: 2 })).toThrow(
      /alpha[^]*needs 2 values, got 3/,
    );
    expect(() => evaluate(a.mul(2), { alpha: [1, 2] }, {})).toThrow(/H/);
  });
  test("non-finite constants rejected", () => {
    expect(() => constant(NaN)).toThrow(/not finite/);
    expect(() => constant(Infinity, ["H"])).toThrow(/not finite/);
    expect(() => param("p", ["H"]).add(NaN)).toThrow(/not finite/);
  });
  test("grad of a non-scalar names the expression", () => {
    const a = param("a", ["H"]);
    expect(() => grad(tanh(a), [a])).toThrow(/tanh[^]*\[H\][^]*scalar/);
  });
  test("defineCell errors name the cell and the state or parameter", () => {
    const base = { name: "bad", state: { h: "H" } };
    expect(() => defineCell({ ...base, step: () => ({}) })).toThrow(
      /cell "bad": step gives no next value for state "h"/,
    );
    expect(() => defineCell({ ...base, step: ({ x }) => ({ h: x }) })).toThrow(
      /cell "bad": next h[^]*\[I\][^]*expected \[H\]/,
    );
    expect(() =>
      defineCell({
        ...base,
        step: ({ h }, { param: p }) => (p("W_z", ["H", "H"]), { h: tanh(h) }),
      }),
    ).toThrow(/cell "bad": parameter W_z never reaches/);
    expect(() =>
      defineCell({ ...base, step: ({ h }) => ({ h: h.mul(input("y", ["H"])) }) }),
    ).toThrow(/cell "bad": unknown input y/);
    expect(() =>
      defineCell({ ...base, step: ({ h }) => ({ h: h.mul(param("rogue", ["H"])) }) }),
    ).toThrow(/cell "bad": parameter rogue/);
    expect(() => defineCell({ ...base, step: ({ h }) => ({ h, z: h }) })).toThrow(
      /cell "bad": step returned "z"/,
    );
    expect(() => defineCell({ ...base, output: "c", step: ({ h }) => ({ h: tanh(h) }) })).toThrow(
      /cell "bad": output "c"/,
    );
    expect(() =>
      defineCell({
        ...base,
        step: ({ x, h }, { param: p }) => ({
          h: tanh(matvec(p("U", ["H", "I"]), x).add(matvec(p("U", ["H", "H"]), h))),
        }),
      }),
    ).toThrow(/cell "bad": parameter U used with shape \[H, ?H\] but declared \[H, ?I\]/);
  });
  test("compileCell errors name the cell", () => {
    const cell = defineCell({
      name: "needsG",
      state: { h: "H" },
      step: ({ x, h }, { param: p }) => ({
        h: tanh(
          matvec(p("U", ["H", "I"]), x)
            .add(h)
            .add(matvec(p("Z", ["H", "G"]), p("g", ["G"]))),
        ),
      }),
    });
    expect(() => compileCell(cell, { inputSize: 2, hiddenSize: 3 })).toThrow(/needsG[^]*G/);
    expect(() =>
      compileCell(cell, { inputSize: 2, hiddenSize: 3, dtype: "float16" as never }),
    ).toThrow(/dtype/);
    expect(() => referenceKernel(cell, { inputSize: 2, hiddenSize: 3 })).toThrow(/G/);
  });
});

describe("audit: malformed equation texts give line:col and what was expected", () => {
  const cases: [string, string, RegExp][] = [
    ["missing closing brace", "cell a(x[I]; h[H]) {\n  h' = tanh(W h)\n", /3:1|2:\d+/],
    ["missing operand", "cell a(x[I]; h[H]) {\n  h' = tanh(W h +)\n}", /2:\d+/],
    ["unknown function", "cell a(x[I]; h[H]) {\n  h' = tahn(W h)\n}", /2:8[^]*tahn|tahn[^]*2:8/],
    ["state without next value", "cell a(x[I]; h[H], c[H]) {\n  h' = tanh(W h + U x)\n}", /c/],
    ["assignment to x", "cell a(x[I]; h[H]) {\n  x = tanh(W h)\n  h' = x\n}", /2:3|x/],
    [
      "duplicate local",
      "cell a(x[I]; h[H]) {\n  f = sigmoid(W h)\n  f = tanh(W h)\n  h' = f\n}",
      /3:3[^]*f|f[^]*3:3/,
    ],
    ["bad character", "cell a(x[I]; h[H]) {\n  h' = tanh(W h) @ 2\n}", /2:\d+/],
    ["shape conflict", "cell a(x[I]; h[H]) {\n  h' = tanh(W h + W x)\n}", /2:\d+[^]*W|W[^]*2:\d+/],
    ["empty", "", /1:1/],
    ["unterminated paren", "cell a(x[I]; h[H]) {\n  h' = tanh((W h)\n}", /\d+:\d+/],
    [
      "use before definition",
      "cell a(x[I]; h[H]) {\n  h' = tanh(W h) * g\n  g = sigmoid(V h)\n}",
      /g/,
    ],
  ];
  test.each(cases)("%s", (_name, text, re) => {
    let err: unknown;
    try {
      parseCell(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).toMatch(/\d+:\d+/);
  });
  test("pathologically deep or long texts give a CellSyntaxError with a position, not a bare stack overflow", () => {
    const wrap = (body: string) => `cell a(x[I]; h[H]) {\n  h' = tanh(${body} + U x)\n}`;
    for (const body of ["(".repeat(3000) + "W h" + ")".repeat(3000), "-".repeat(5000) + "(W h)"]) {
      let err: unknown;
      try {
        parseCell(wrap(body));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^\d+:\d+: /);
    }
    // 200 levels are fine
    expect(parseCell(wrap("(".repeat(200) + "W h" + ")".repeat(200))).state[0]!.next.op.name).toBe(
      "tanh",
    );
  });
  test("a cycle between locals is an error with a position", () => {
    expect(() =>
      parseCell("cell a(x[I]; h[H]) {\n  f = sigmoid(g)\n  g = tanh(f)\n  h' = f * h\n}"),
    ).toThrow(/\d+:\d+/);
  });
  test("hostile cell names in the text are rejected or kept inert", () => {
    expect(() => parseCell("cell a\"b(x[I]; h[H]) {\n  h' = tanh(W h)\n}")).toThrow(/1:\d+/);
    expect(() => parseCell("cell a*/b(x[I]; h[H]) {\n  h' = tanh(W h)\n}")).toThrow(/1:\d+/);
    const c = parseCell("cell ñandú(x[I]; h[H]) {\n  h' = tanh(W_é h + U x + sigmoid(b))\n}");
    const k = compileCell(c, { inputSize: 2, hiddenSize: 2 });
    expect(k.layout.map((s) => s.name).sort()).toEqual(["U", "W_é", "b"].sort());
  });
  void sigmoid;
});
