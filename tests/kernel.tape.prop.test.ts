/**
 * The kernel runtime's tape modes, for every backend (they live in the runtime, not the
 * lowering): `tape: false` keeps nothing for backward, `checkpoint: K` keeps the state every K
 * steps and recomputes each segment in backward. Forward results are bitwise those of the full
 * tape; gradients equal the full tape's within 1e-12 relative (float64), masked lengths included.
 */
import { fc, test } from "@fast-check/vitest";
import { type CompiledKernel, compileCell, toFunctions } from "@gated/codegen";
import { CATALOGUE, type CatalogueName } from "@gated/rnn";
import { describe, expect } from "vitest";
import { lstm } from "./codegenCells.js";
import { BACKENDS, maxRel, rand } from "./codegenCompare.js";

const CELLS: CatalogueName[] = [
  "lstm",
  "gru",
  "mgu",
  "mut1",
  "ind_rnn",
  "elman",
  "peephole_lstm",
  "ln_lstm",
  "grouped_gate_lstm",
  "min_gru",
];
const kernels = new Map<string, CompiledKernel>();
function kernelOf(name: CatalogueName, backend: (typeof BACKENDS)[number]): CompiledKernel {
  let k = kernels.get(`${backend} ${name}`);
  if (!k) {
    const cell = CATALOGUE[name]();
    const I = cell.x.shape[0] === "H" ? 4 : 3;
    k = compileCell(cell, { inputSize: I, hiddenSize: 4, sizes: { G: 2 }, backend });
    kernels.set(`${backend} ${name}`, k);
  }
  return k;
}

function data(k: CompiledKernel, T: number, B: number, seed: number) {
  const p = k.initParams({ seed });
  const x = rand(T * B * k.inputSize, seed + 1);
  const initial = Object.fromEntries(
    Object.entries(k.stateSizes).map(([n, w], i) => [n, rand(B * w, seed + 10 + i)]),
  );
  const cot = {
    output: rand(T * B * k.outputSize, seed + 5),
    final: Object.fromEntries(
      Object.entries(k.stateSizes).map(([n, w], i) => [n, rand(B * w, seed + 20 + i)]),
    ),
  };
  return { p, x, initial, cot };
}

describe("checkpointed BPTT equals the full tape", () => {
  test.prop(
    [
      fc.constantFrom(...CELLS),
      fc.constantFrom(...BACKENDS),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 1, max: 3 }),
      fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant("auto" as const)),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
      fc.integer({ min: 1, max: 1000 }),
    ],
    { seed: 9, numRuns: 60 },
  )("cells × backends × T × K × lengths (float64, 1e-12)", (name, backend, T, B, K, fr, seed) => {
    const k = kernelOf(name, backend);
    const lengths = fr.slice(0, B).map((f) => Math.round(f * T));
    const { p, x, initial, cot } = data(k, T, B, seed);
    const opts = { batch: B, initial, lengths };
    const full = k.forward(p, x, opts);
    const ck = k.forward(p, x, { ...opts, checkpoint: K });
    expect(ck.output).toEqual(full.output);
    for (const n of Object.keys(full.final)) expect(ck.final[n]).toEqual(full.final[n]);
    const g1 = k.backward(full, cot);
    const g2 = k.backward(ck, cot);
    expect(maxRel(g2.params.data, g1.params.data), "∂params").toBeLessThanOrEqual(1e-12);
    expect(maxRel(g2.input, g1.input), "∂x").toBeLessThanOrEqual(1e-12);
    for (const n of Object.keys(g1.initial))
      expect(maxRel(g2.initial[n]!, g1.initial[n]!), `∂${n}₀`).toBeLessThanOrEqual(1e-12);
  });

  test("float32 kernels and the emitted module's runtime take the option too", () => {
    const k = compileCell(lstm(), { inputSize: 3, hiddenSize: 5, dtype: "float32" });
    const api = toFunctions(k.schedule);
    const T = 20,
      B = 3;
    const { p, x, cot } = data(k, T, B, 4);
    const opts = { batch: B, lengths: [20, 7, 13] };
    const g1 = k.backward(k.forward(p, x, opts), cot);
    const g2 = k.backward(k.forward(p, x, { ...opts, checkpoint: "auto" }), cot);
    expect(maxRel(g2.params.data, g1.params.data)).toBeLessThanOrEqual(1e-6);
    const pm = api.params(p.data);
    const gm = api.backward(api.forward(pm, x, { ...opts, checkpoint: 6 }), cot) as {
      params: { data: Float32Array };
    };
    expect(maxRel(gm.params.data, g1.params.data)).toBeLessThanOrEqual(1e-6);
  });

  test("bad checkpoint values are one-line errors", () => {
    const k = compileCell(lstm(), { inputSize: 2, hiddenSize: 3 });
    const p = k.initParams();
    const x = rand(4 * 2, 1);
    for (const bad of [0, -2, 1.5, Number.NaN, "4", "Auto"])
      expect(() => k.forward(p, x, { batch: 1, checkpoint: bad as never })).toThrow(
        /forward: checkpoint must be a positive integer \(steps between stored states\) or "auto", got /,
      );
    expect(() => k.forward(p, x, { batch: 1, checkpoint: 2, tape: false })).toThrow(
      /checkpoint 2 needs a tape/,
    );
    expect(() => k.forward(p, x, { batch: 1, tape: "no" as never })).toThrow(
      /forward: tape must be true or false, got "no"/,
    );
  });
});

describe("inference: tape: false", () => {
  test("same output and final states as a taped run (bitwise), in chunks past 4096 rows", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const k = compileCell(lstm(), { inputSize: 2, hiddenSize: 3, dtype });
      const T = 2100,
        B = 3; // 6300 rows: two chunks
      const { p, x, initial } = data(k, T, B, 2);
      const opts = { batch: B, initial, lengths: [2100, 1500, 0] };
      const a = k.forward(p, x, opts);
      const b = k.forward(p, x, { ...opts, tape: false });
      expect(b.output).toEqual(a.output);
      expect(b.final).toEqual(a.final);
      expect((b as unknown as { tape: unknown }).tape).toBeNull();
    }
  });

  test("backward of an inference run says why it cannot run", () => {
    const k = compileCell(lstm(), { inputSize: 2, hiddenSize: 3 });
    const p = k.initParams();
    const run = k.forward(p, rand(10, 1), { batch: 1, tape: false });
    expect(() => k.backward(run, {})).toThrow(
      /^backward: this run was made with \{ tape: false \} \(inference\) and kept nothing for backward; run forward without tape: false$/,
    );
    const api = toFunctions(k.schedule);
    const mrun = api.forward(api.params(p.data), rand(10, 1), { batch: 1, tape: false });
    expect(() => api.backward(mrun, {})).toThrow(/tape: false/);
  });
});
