/**
 * Per-step outputs that are not states (issue 12 §3): `output y = W_y h' + b_y` in the equation
 * syntax (or `output: "y"` with the builder). The sequence's output is y per step, its cotangent
 * flows into the backward, and nothing carries y: kernels' states, `initialState`, `final` and
 * the initial-state gradients hold only the declared states. Compiled kernels on every backend
 * equal the reference kernel, and the reference equals finite differences.
 */
import { compileCell, type Kernel, referenceKernel } from "@gated/codegen";
import type { Node } from "@gated/graph";
import { matvec, tanh } from "@gated/ops";
import {
  cellGradientLatex,
  cellLatex,
  defineCell,
  parseCell,
  printCell,
  sequenceModel,
} from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { BACKENDS, compareWithReference, maxRel, rand } from "./codegenCompare.js";

/** An Elman cell with a readout of its own size O: the output is y, the state h. */
export const READOUT = `cell readout(x[I]; h[H]) {
  param W_y[O, H]
  h' = tanh(W h + U x + b)
  output y = tanh(W_y h' + b_y) * 2
}`;

/** Two states and an output that reads both (and the input): no state is the output. */
const MIXED = `cell mixed(x[I]; h[H], c[H]) {
  f  = sigmoid(U_f x + W_f h + b_f)
  c' = f * c + (1 - f) * tanh(U_c x + W_c h)
  h' = tanh(c') * f
  output y = V c' + h' * c + P x
}`;

const sizes = { O: 3 };

describe("output y = …: a per-step output no state carries", () => {
  test("the cell's output is y; its states are only h; W_y is a readout (role other)", () => {
    const c = parseCell(READOUT);
    expect(c.state.map((s) => s.name)).toEqual(["h"]);
    expect(c.output.shape).toEqual(["O"]);
    expect(c.locals.get(c.output)).toBe("y");
    expect(c.paramInfo.find((p) => p.name === "W_y")).toMatchObject({
      shape: ["O", "H"],
      role: "other",
    });
    expect(c.paramInfo.find((p) => p.name === "b_y")).toMatchObject({ shape: ["O"], role: "bias" });
  });

  test.each(BACKENDS)(
    "%s: compiled equals the reference, float64 and float32, masked lengths",
    (backend) => {
      for (const text of [READOUT, MIXED]) {
        const c = parseCell(text);
        for (const dtype of ["float64", "float32"] as const)
          compareWithReference(c, { backend, B: 3, T: 5, lengths: [5, 2, 0], sizes, dtype });
      }
    },
  );

  test("the reference's gradients equal central finite differences (params, x, initial state)", () => {
    for (const text of [READOUT, MIXED]) {
      const k = referenceKernel(parseCell(text), { inputSize: 3, hiddenSize: 4, sizes });
      fdCheck(k, 5, 2, [5, 3]);
    }
  });

  test("kernels hold only the states: initialState, final, initial gradients; y cannot be given", () => {
    const c = parseCell(READOUT);
    for (const k of [
      referenceKernel(c, { inputSize: 3, hiddenSize: 4, sizes }),
      compileCell(c, { inputSize: 3, hiddenSize: 4, sizes }),
    ]) {
      expect(k.stateSizes).toEqual({ h: 4 });
      expect(k.outputSize).toBe(3);
      const p = k.initParams({ seed: 2 });
      const run = k.forward(p, rand(2 * 2 * 3, 4), { batch: 2 });
      expect(Object.keys(run.final)).toEqual(["h"]);
      expect(run.output.length).toBe(2 * 2 * 3);
      expect(Object.keys(k.backward(run, { output: rand(12, 5) }).initial)).toEqual(["h"]);
      expect(() =>
        k.forward(p, rand(12, 4), { batch: 2, initial: { y: new Float64Array(6) } }),
      ).toThrow(/unknown state "y"/);
    }
    const k = compileCell(c, { inputSize: 3, hiddenSize: 4, sizes });
    expect(Object.keys(k.initialState(k.initParams()).values)).toEqual(["h"]);
  });

  test("y's value never feeds a later step: streaming step() equals forward", () => {
    const c = parseCell(READOUT);
    const k = compileCell(c, { inputSize: 3, hiddenSize: 4, sizes });
    const p = k.initParams({ seed: 3 });
    const x = rand(4 * 2 * 3, 9);
    const run = k.forward(p, x, { batch: 2 });
    const st = k.initialState(p, { batch: 2 });
    for (let t = 0; t < 4; t++) {
      const y = k.step(st, x.subarray(t * 6, (t + 1) * 6));
      expect(maxRel(y, run.output.subarray(t * 6, (t + 1) * 6))).toBeLessThanOrEqual(1e-15);
    }
  });

  test("the builder: step returns the output beside the next states", () => {
    const built = defineCell({
      name: "readout",
      state: { h: "H" },
      output: "y",
      step: ({ x, h }, ctx) => {
        const hn = tanh(
          matvec(ctx.param("W", ["H", "H"]), h!)
            .add(matvec(ctx.param("U", ["H", "I"]), x))
            .add(ctx.param("b", ["H"])),
        );
        const W_y = ctx.param("W_y", ["O", "H"], { role: "other" });
        return { h: hn, y: tanh(matvec(W_y, hn).add(ctx.param("b_y", ["O"]))).mul(2) };
      },
    });
    const parsed = parseCell(READOUT);
    expect(built.output).toBe(parsed.output);
    expect(built.state[0]!.next).toBe(parsed.state[0]!.next);
    expect(() =>
      defineCell({
        name: "bad",
        state: { h: "H" },
        output: "y",
        step: ({ h }) => ({ h: h! }),
      }),
    ).toThrow(`cell "bad": output "y" is not a state (states: h) and step returns no value "y"`);
    // own keys only (a state may be called constructor); a value that is not a node is named
    expect(() =>
      defineCell({ name: "bad", state: { constructor: "H" }, step: () => ({}) }),
    ).toThrow(`cell "bad": step gives no next value for state "constructor"`);
    expect(() =>
      defineCell({ name: "bad", state: { h: "H" }, step: () => ({ h: 3 as unknown as Node }) }),
    ).toThrow(`cell "bad": step returned number for "h", expected a graph node`);
    expect(() =>
      defineCell({
        name: "bad",
        state: { h: "H" },
        output: "y",
        step: ({ h }) => ({ h: h!, y: "W h" as unknown as Node }),
      }),
    ).toThrow(`cell "bad": step returned string for "y", expected a graph node`);
    // an Object.prototype name is no value of the step
    expect(() =>
      defineCell({
        name: "bad",
        state: { h: "H" },
        output: "constructor",
        step: ({ h }) => ({ h: h! }),
      }),
    ).toThrow(/output "constructor" is not a state \(states: h\) and step returns no value/);
  });

  test("sequence layers: stacked and bidirectional, layer 2 reads D·O per step; compiled = reference", () => {
    const c = parseCell(READOUT);
    const spec = { cell: c, inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, sizes };
    const ref = sequenceModel(spec);
    const comp = sequenceModel({ ...spec, kernel: compileCell });
    expect(ref.outputSize).toBe(6);
    expect(ref.kernels[1]!.inputSize).toBe(6);
    const p = ref.initParams({ seed: 4 });
    const x = rand(5 * 2 * 3, 8);
    const opts = { batch: 2, lengths: [5, 3] };
    const r1 = ref.forward(p, x, opts);
    const r2 = comp.forward(comp.params(p.data), x, opts);
    expect(maxRel(r2.output, r1.output)).toBeLessThanOrEqual(1e-12);
    const cot = { output: rand(r1.output.length, 3) };
    const g1 = ref.backward(r1, cot);
    const g2 = comp.backward(r2, cot);
    expect(maxRel(g2.params.data, g1.params.data)).toBeLessThanOrEqual(1e-12);
    expect(maxRel(g2.input, g1.input)).toBeLessThanOrEqual(1e-12);
  });

  test("printCell round-trips it; LaTeX shows y^{(t)} and its cotangent \\bar{y}^{(t)}", () => {
    for (const text of [READOUT, MIXED]) {
      const c = parseCell(text);
      const back = parseCell(printCell(c));
      expect(back.output).toBe(c.output);
      expect(back.state.map((s) => s.next)).toEqual(c.state.map((s) => s.next));
      expect(printCell(c)).toMatch(/\n {2}output y\n\}$/);
    }
    const c = parseCell(READOUT);
    expect(cellLatex(c)).toContain("y^{(t)} &= ");
    const g = cellGradientLatex(c);
    expect(g).toContain("\\bar{W}^{y} \\mathrel{+} &=");
    expect(g).toContain("\\bar{y}^{(t)}");
  });

  test("a builder cell whose output is unnamed prints as output y = …", () => {
    const built = defineCell({
      name: "unnamed",
      state: { h: "H" },
      output: "z",
      step: ({ x, h }, ctx) => ({
        h: tanh(matvec(ctx.param("W", ["H", "H"]), h!).add(matvec(ctx.param("U", ["H", "I"]), x))),
        z: h!,
      }),
    });
    // the output is the previous state itself, a leaf: printed inline
    const text = printCell(built);
    expect(text).toContain("output y = h");
    expect(parseCell(text).output).toBe(built.output);
  });
});

describe("project x = P x: an input of another size than H", () => {
  const HIGHWAY = `cell highway(x[I]; h[H]) {
  project x = P x
  f  = sigmoid(W_f h + U_f x + b_f)
  h' = f * tanh(W h + U x + b) + (1 - f) * x
  output y = h' * x
}`;
  test.each(BACKENDS)("%s: compiled equals the reference (I = 3, H = 4), masked", (backend) => {
    const c = parseCell(HIGHWAY);
    for (const dtype of ["float64", "float32"] as const)
      compareWithReference(c, { backend, I: 3, H: 4, B: 3, lengths: [5, 1, 4], dtype });
  });
  test("the reference equals finite differences", () => {
    fdCheck(referenceKernel(parseCell(HIGHWAY), { inputSize: 3, hiddenSize: 4 }), 4, 2, [4, 2]);
  });
});

describe("output errors: one line at line:col", () => {
  const cases: [string, string, string][] = [
    [
      "an undefined output",
      "cell c(x[I]; h[H]) {\n  h' = tanh(W h)\n  output y\n}",
      "3:10: output y is not a state (states: h) nor a value of the cell; define it with output y = …",
    ],
    [
      "a next state named as the output",
      "cell c(x[I]; h[H], c[H]) {\n  h' = tanh(W h)\n  c' = c\n  output c'\n}",
      "4:10: output c': name the state, output c (its next value is the per-step output)",
    ],
    [
      "a scalar output",
      "cell c(x[I]; h[H]) {\n  h' = tanh(W h)\n  output y = sum(h')\n}",
      "3:10: output y has shape []; the per-step output must be a vector, e.g. [H] or [O]",
    ],
    [
      "an output whose shape nothing fixes",
      "cell c(x[I]; h[H]) {\n  h' = tanh(W h)\n  output y = W_y\n}",
      "3:10: cannot infer the shape of output y; declare the parameters it uses, e.g. param W_y[O, H]",
    ],
    [
      "two outputs",
      "cell c(x[I]; h[H]) {\n  h' = tanh(W h)\n  output y = h'\n  output z = h\n}",
      "4:10: the output is already given at 3:10 (a cell has one output line)",
    ],
    [
      "a name taken by a state",
      "cell c(x[I]; h[H]) {\n  h' = tanh(W h)\n  output h = W_y h'\n}",
      "3:10: h is a state; write h' = … for its next value",
    ],
    [
      "a parameter reaching neither a next state nor the output",
      "cell c(x[I]; h[H]) {\n  q = V x\n  h' = tanh(W h)\n  output y = h'\n}",
      "2:7: unused parameter V: it never reaches a next state or the output",
    ],
  ];
  test.each(cases)("%s", (_what, text, message) => {
    expect(() => parseCell(text)).toThrow(message);
  });

  test("the output's size must be inferable: the error names the readout to declare", () => {
    expect(() =>
      parseCell("cell c(x[I]; h[H]) {\n  h' = tanh(W h)\n  output y = W_y h'\n}"),
    ).toThrow(/3:14: cannot infer the shape of parameter W_y \(\[\?, H\]\); declare it/);
  });
});

/** ⟨R, output⟩ + ⟨Rf, final⟩: the kernel's gradient along a random direction equals central differences. */
function fdCheck(k: Kernel, T: number, B: number, lengths: number[]): void {
  const p = k.initParams({ seed: 5 });
  const x = rand(T * B * k.inputSize, 6);
  const h0 = rand(B * k.stateSizes["h"]!, 7).map((v) => v * 0.5);
  const rest = Object.fromEntries(
    Object.entries(k.stateSizes)
      .filter(([s]) => s !== "h")
      .map(([s, n], i) => [s, rand(B * n, 8 + i).map((v) => v * 0.5)]),
  );
  const R = rand(T * B * k.outputSize, 10);
  const Rf = Object.fromEntries(
    Object.entries(k.stateSizes).map(([s, n], i) => [s, rand(B * n, 20 + i)]),
  );
  const loss = (pd: Float64Array, xs: Float64Array, h: Float64Array) => {
    const run = k.forward(k.params(pd), xs, { batch: B, initial: { h, ...rest }, lengths });
    let l = 0;
    run.output.forEach((v, i) => (l += v * R[i]!));
    for (const [s, r] of Object.entries(Rf)) run.final[s]!.forEach((v, i) => (l += v * r[i]!));
    return l;
  };
  const run = k.forward(p, x, { batch: B, initial: { h: h0, ...rest }, lengths });
  const g = k.backward(run, { output: R, final: Rf });
  const dp = rand(p.data.length, 30);
  const dx = rand(x.length, 31);
  const dh = rand(h0.length, 32);
  const sym = dotOf(g.params.data, dp) + dotOf(g.input, dx) + dotOf(g.initial["h"]!, dh);
  const eps = 1e-5;
  const at = (t: number) =>
    loss(
      Float64Array.from(p.data, (v, i) => v + t * dp[i]!),
      x.map((v, i) => v + t * dx[i]!),
      h0.map((v, i) => v + t * dh[i]!),
    );
  const fd = (at(eps) - at(-eps)) / (2 * eps);
  expect(Math.abs(sym - fd) / Math.max(1, Math.abs(fd))).toBeLessThanOrEqual(1e-7);
  // the output's cotangent matters: a gradient without it differs
  const g0 = k.backward(k.forward(p, x, { batch: B, initial: { h: h0, ...rest }, lengths }), {
    final: Rf,
  });
  expect(maxRel(g0.params.data, g.params.data)).toBeGreaterThan(1e-3);
}

function dotOf(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
