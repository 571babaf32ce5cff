/**
 * Issue 12's kernel-runtime findings, each a test that failed before: padding has no effect,
 * parameters of another kernel are refused everywhere, declared and given sizes agree, and bad
 * API values are one-line errors.
 */
import { compileCell, referenceKernel, toFunctions } from "@gated/codegen";
import { input, param } from "@gated/graph";
import { matvec, tanh } from "@gated/ops";
import { CATALOGUE } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { gru, lstm } from "./codegenCells.js";
import { BACKENDS, rand } from "./codegenCompare.js";

describe.each(BACKENDS)("%s: padding of a variable-length batch has no effect", (backend) => {
  for (const dtype of ["float64", "float32"] as const)
    test(`NaN / Infinity in padded x and output cotangents (${dtype})`, () => {
      for (const cell of [lstm(), gru(), CATALOGUE.ln_lstm()]) {
        const k = compileCell(cell, { inputSize: 3, hiddenSize: 4, dtype, backend });
        const T = 6,
          B = 3,
          I = 3,
          O = k.outputSize;
        const lengths = [6, 2, 0];
        const p = k.initParams({ seed: 3 });
        const x = rand(T * B * I, 1);
        const dOut = rand(T * B * O, 2);
        const xBad = Float64Array.from(x);
        const dBad = Float64Array.from(dOut);
        for (let t = 0; t < T; t++)
          for (let b = 0; b < B; b++)
            if (t >= lengths[b]!) {
              xBad.fill(
                t % 2 ? Number.NaN : Number.POSITIVE_INFINITY,
                (t * B + b) * I,
                (t * B + b + 1) * I,
              );
              dBad.fill(
                t % 2 ? Number.NEGATIVE_INFINITY : Number.NaN,
                (t * B + b) * O,
                (t * B + b + 1) * O,
              );
              x.fill(0, (t * B + b) * I, (t * B + b + 1) * I);
              dOut.fill(0, (t * B + b) * O, (t * B + b + 1) * O);
            }
        for (const mode of [{}, { checkpoint: 2 }]) {
          const clean = k.forward(p, x, { batch: B, lengths, ...mode });
          const dirty = k.forward(p, xBad, { batch: B, lengths, ...mode });
          expect(dirty.output).toEqual(clean.output);
          expect(dirty.final).toEqual(clean.final);
          const g1 = k.backward(clean, { output: dOut });
          const g2 = k.backward(dirty, { output: dBad });
          expect(g2.params.data).toEqual(g1.params.data);
          expect(g2.params.data.every(Number.isFinite)).toBe(true);
          expect(g2.input).toEqual(g1.input);
          expect(g2.initial).toEqual(g1.initial);
        }
      }
    });
});

describe("parameters of another kernel are refused by forward, step and the emitted module", () => {
  const k = compileCell(lstm(), { inputSize: 2, hiddenSize: 3 });
  // the reference kernel lays the same parameters out in the cell's natural order
  const other = referenceKernel(lstm(), { inputSize: 2, hiddenSize: 3 }).initParams();
  const api = toFunctions(k.schedule);
  test("same size, other layout", () => {
    expect(other.data.length).toBe(k.params().data.length);
    expect(() => k.forward(other, rand(4, 1), { batch: 1 })).toThrow(
      /^forward: parameters are laid out for another kernel \(\S+ is at offset \d+ in cell "lstm"'s layout\); copy them by name/,
    );
    const values = { h: new Float64Array(3), c: new Float64Array(3) };
    expect(() => k.step({ params: other, batch: 1, values }, [1, 2])).toThrow(
      /^step: parameters are laid out for another kernel/,
    );
    expect(() => k.initialState(other)).toThrow(
      /^initialState: parameters are laid out for another kernel/,
    );
    expect(() => api.forward(other, rand(4, 1), { batch: 1 })).toThrow(
      /^forward: parameters are laid out for another kernel/,
    );
  });
  test("the kernel's own and the module's own parameters are accepted", () => {
    const mine = k.initParams({ seed: 1 });
    const viaModule = api.params(mine.data) as typeof mine;
    const a = k.forward(mine, rand(4, 1), { batch: 1 }).output;
    expect(k.forward(viaModule, rand(4, 1), { batch: 1 }).output).toEqual(a);
    const s = k.initialState(mine);
    expect(k.step(s, rand(2, 1))).toEqual(a.subarray(0, 3));
  });
});

describe("declared and given sizes agree", () => {
  const x = input("x", ["H"]);
  const h = input("h", ["H"]);
  const W = param("W", ["H", "H"]);
  const xh = {
    name: "xh",
    x,
    state: [{ name: "h", node: h, next: tanh(matvec(W, h).add(x)) }],
    params: [W],
  };
  test("x[H] with another inputSize is an error naming both", () => {
    const cell = { ...xh, output: xh.state[0]!.next };
    expect(() => compileCell(cell, { inputSize: 3, hiddenSize: 4 })).toThrow(
      /^cell "xh": its input x\[H\] has 4 values per step, but inputSize is 3$/,
    );
    expect(() => referenceKernel(cell, { inputSize: 3, hiddenSize: 4 })).toThrow(/inputSize is 3/);
    expect(compileCell(cell, { inputSize: 4, hiddenSize: 4 }).inputSize).toBe(4);
  });
  test("literal sizes with another inputSize / hiddenSize, and sizes that contradict them", () => {
    const x8 = input("x", [8]);
    const h4 = input("h", [4]);
    const V = param("V", [4, 8]);
    const next = tanh(matvec(V, x8).add(h4));
    const cell = {
      name: "lit",
      x: x8,
      state: [{ name: "h", node: h4, next }],
      output: next,
      params: [V],
    };
    expect(() => compileCell(cell, { inputSize: 3, hiddenSize: 4 })).toThrow(
      /^cell "lit": its input x\[8\] has 8 values per step, but inputSize is 3$/,
    );
    expect(() => compileCell(cell, { inputSize: 8, hiddenSize: 5 })).toThrow(
      /^cell "lit": the cell fixes its sizes \(state h\[4\] has 4 values\), but hiddenSize is 5$/,
    );
    expect(compileCell(cell, { inputSize: 8, hiddenSize: 4 }).outputSize).toBe(4);
    expect(() => compileCell(lstm(), { inputSize: 2, hiddenSize: 3, sizes: { H: 5 } })).toThrow(
      /^cell "lstm": sizes\.H = 5 conflicts with hiddenSize = 3$/,
    );
  });
  test("hiddenSize 0 is valid (an empty state); negative or fractional sizes are errors", () => {
    expect(compileCell(lstm(), { inputSize: 2, hiddenSize: 0 }).outputSize).toBe(0);
    expect(() => compileCell(lstm(), { inputSize: 2, hiddenSize: -1 })).toThrow(
      /^cell "lstm": hiddenSize must be an integer ≥ 0, got -1$/,
    );
    expect(() => compileCell(lstm(), { inputSize: 2.5, hiddenSize: 3 })).toThrow(
      /^cell "lstm": inputSize must be an integer ≥ 0, got 2.5$/,
    );
  });
});

describe("bad API values are one-line errors", () => {
  const k = compileCell(lstm(), { inputSize: 2, hiddenSize: 3 });
  const p = k.initParams();
  test("seed: NaN", () => {
    expect(() => k.initParams({ seed: Number.NaN })).toThrow(
      /^initParams: seed must be an integer, got NaN$/,
    );
    expect(() =>
      referenceKernel(lstm(), { inputSize: 2, hiddenSize: 3 }).initParams({ seed: 0.5 }),
    ).toThrow(/seed must be an integer, got 0.5/);
  });
  test("non-numeric input values", () => {
    expect(() => k.forward(p, [1, "2", 3, 4] as never, { batch: 1 })).toThrow(
      /^forward: x\[1\] is "2", expected a number$/,
    );
    expect(() => k.forward(p, [1, 2, {}, 4] as never, { batch: 1 })).toThrow(
      /^forward: x\[2\] is an object, expected a number$/,
    );
    expect(() => k.forward(p, "1234" as never, { batch: 1 })).toThrow(
      /^forward: x must be an array of numbers, got "1234"$/,
    );
    expect(() => k.step(k.initialState(p), [null, 1] as never)).toThrow(
      /^step: x\[0\] is null, expected a number$/,
    );
    const run = k.forward(p, [1, 2, 3, 4], { batch: 1 });
    expect(() => k.backward(run, { output: [1, 2, 3, "x", 5, 6] as never })).toThrow(
      /^backward: output cotangent\[3\] is "x", expected a number$/,
    );
  });
  test("a misspelled final-state name in backward cotangents", () => {
    const run = k.forward(p, [1, 2, 3, 4], { batch: 1 });
    expect(() => k.backward(run, { final: { hh: [1, 2, 3] } })).toThrow(
      /^backward: unknown state "hh" in final cotangents \(states: h, c\)$/,
    );
    const ref = referenceKernel(lstm(), { inputSize: 2, hiddenSize: 3 });
    const rrun = ref.forward(ref.initParams(), [1, 2, 3, 4], { batch: 1 });
    expect(() => ref.backward(rrun, { final: { cc: [1, 2, 3] } })).toThrow(
      /unknown state "cc" in final cotangents/,
    );
  });
  test("initialState({ batch: 0 })", () => {
    for (const b of [0, -1, 1.5, Number.NaN])
      expect(() => k.initialState(p, { batch: b })).toThrow(
        /^initialState: batch must be a positive integer, got /,
      );
    expect(k.initialState(p).batch).toBe(1);
  });
});
