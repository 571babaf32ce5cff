import { describe, expect, test } from "vitest";
import { compileCell, referenceKernel, type Recurrence } from "@gated/codegen";
import { elman, gru, lstm } from "./codegenCells.js";

function rand(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296) * 2 - 1;
  });
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e / Math.max(scale, 1e-300);
}

function compare(cell: Recurrence, I: number, H: number, T: number, B: number, lengths?: number[]) {
  const ref = referenceKernel(cell, { inputSize: I, hiddenSize: H });
  const k = compileCell(cell, { inputSize: I, hiddenSize: H });
  const p = ref.initParams({ seed: 3 });
  const pk = k.params();
  for (const s of k.layout) pk.get(s.name).set(p.get(s.name));
  const x = rand(T * B * I, 1);
  const initial = Object.fromEntries(Object.entries(ref.stateSizes).map(([n, w], i) => [n, rand(B * w, 10 + i)]));
  const opts = { batch: B, initial, ...(lengths ? { lengths } : {}) };
  const r1 = ref.forward(p, x, opts);
  const r2 = k.forward(pk, x, opts);
  expect(maxRel(r2.output, r1.output)).toBeLessThan(1e-12);
  for (const n of Object.keys(r1.final)) expect(maxRel(r2.final[n]!, r1.final[n]!)).toBeLessThan(1e-12);
  const cot = { output: rand(T * B * ref.outputSize, 5), final: Object.fromEntries(Object.entries(ref.stateSizes).map(([n, w], i) => [n, rand(B * w, 20 + i)])) };
  const g1 = ref.backward(r1, cot);
  const g2 = k.backward(r2, cot);
  expect(maxRel(g2.input, g1.input)).toBeLessThan(1e-12);
  for (const s of k.layout) expect(maxRel(g2.params.get(s.name), g1.params.get(s.name)), s.name).toBeLessThan(1e-12);
  for (const n of Object.keys(g1.initial)) expect(maxRel(g2.initial[n]!, g1.initial[n]!)).toBeLessThan(1e-12);
  return k;
}

describe("compiled kernels equal the reference", () => {
  test("elman", () => void compare(elman(), 3, 4, 5, 2));
  test("lstm", () => {
    compare(lstm(), 3, 4, 5, 2);
  });
  test("gru", () => void compare(gru(), 3, 4, 5, 2));
  test("lstm masked", () => void compare(lstm(), 3, 4, 5, 3, [5, 2, 0]));
});
