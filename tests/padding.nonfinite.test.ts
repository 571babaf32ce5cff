/**
 * Padding of a variable-length batch has no effect even for cells whose values at x = 0 are not
 * finite (log(x), 1/x): the runtime zeroes padded rows of x, so a padded step computes
 * log(0) = −∞ and 1/0 = ∞ there; the kernels must select the carried state and a zero output
 * (not multiply by a 0/1 mask, which turns ∞ · 0 into NaN), forward and backward. Every backend
 * and the reference: outputs, final states and gradients are finite and equal running each
 * sequence alone.
 */
import { compileCell, type Kernel, referenceKernel } from "@gated/codegen";
import { parseCell } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { BACKENDS, maxRel, rand } from "./codegenCompare.js";

const CELLS = {
  // d/dx log(x) = 1/x: ∞ at x = 0, and tanh′(−∞) = 0 gives 0 · ∞ = NaN
  log: `cell logcell(x[I]; h[H]) {
  h' = tanh(W h + U log(x) + b)
}`,
  // 1/x and a second state: the output is h, c carries 1/x through a gate
  reciprocal: `cell recip(x[I]; h[H], c[H]) {
  f  = sigmoid(W_f h + U_f (1 / x) + b_f)
  c' = f * c + (1 - f) * tanh(U_c x)
  h' = tanh(c') * f
}`,
  // the output y is non-finite at x = 0 itself
  output: `cell logout(x[I]; h[H]) {
  h' = tanh(W h + U x + b)
  output y = V log(x) + h'
}`,
};

const I = 3;
const H = 4;
const T = 5;
const lengths = [5, 2, 0, 3];
const B = lengths.length;

/** x in (0.5, 1.5): log and 1/x are finite on every real step. */
function positive(n: number, seed: number): Float64Array {
  return rand(n, seed).map((v) => 1 + 0.5 * v);
}

function kernels(text: string): [string, Kernel][] {
  const cell = parseCell(text);
  const opts = { inputSize: I, hiddenSize: H };
  return [
    ["reference", referenceKernel(cell, opts)],
    ...BACKENDS.flatMap((backend) =>
      (["float64", "float32"] as const).map(
        (dtype) =>
          [`${backend} ${dtype}`, compileCell(cell, { ...opts, backend, dtype })] as [
            string,
            Kernel,
          ],
      ),
    ),
  ];
}

describe.each(Object.entries(CELLS))("padding with a cell non-finite at x = 0 (%s)", (_n, text) => {
  test.each(kernels(text))("%s: finite, and equal to each sequence run alone", (name, k) => {
    const tol = name.includes("float32") ? 1e-4 : 1e-12;
    const p = k.initParams({ seed: 3 });
    const x = positive(T * B * I, 1);
    // padded rows hold garbage the runtime must ignore (it zeroes them: log(0), 1/0)
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++)
        if (t >= lengths[b]!) x.fill(0, (t * B + b) * I, (t * B + b + 1) * I);
    const initial = Object.fromEntries(
      Object.entries(k.stateSizes).map(([s, n], i) => [s, rand(B * n, 10 + i).map((v) => 0.5 * v)]),
    );
    const O = k.outputSize;
    const dOut = rand(T * B * O, 2);
    const dFinal = Object.fromEntries(
      Object.entries(k.stateSizes).map(([s, n], i) => [s, rand(B * n, 20 + i)]),
    );
    for (const mode of [{}, { checkpoint: 2 }]) {
      const run = k.forward(p, x, { batch: B, lengths, initial, ...mode });
      const g = k.backward(run, { output: dOut, final: dFinal });
      expect(run.output.every(Number.isFinite), "output finite").toBe(true);
      // inference (no tape) gives the taped forward's outputs and final states, bit for bit
      const inf = k.forward(p, x, { batch: B, lengths, initial, tape: false });
      expect(Array.from(inf.output), "inference output").toEqual(Array.from(run.output));
      for (const s of Object.keys(k.stateSizes))
        expect(Array.from(inf.final[s]!), `inference final ${s}`).toEqual(
          Array.from(run.final[s]!),
        );
      expect(g.params.data.every(Number.isFinite), "∂params finite").toBe(true);
      expect(g.input.every(Number.isFinite), "∂x finite").toBe(true);
      const gSum = new Float64Array(g.params.data.length);
      for (let b = 0; b < B; b++) {
        const L = lengths[b]!;
        const rows = (a: ArrayLike<number>, w: number, n: number) => {
          const out = new Float64Array(n * w);
          for (let t = 0; t < n; t++)
            for (let i = 0; i < w; i++) out[t * w + i] = a[(t * B + b) * w + i]!;
          return out;
        };
        const one = (a: Readonly<Record<string, ArrayLike<number>>>) =>
          Object.fromEntries(
            Object.entries(k.stateSizes).map(([s, n]) => [
              s,
              Float64Array.from({ length: n }, (_, i) => a[s]![b * n + i]!),
            ]),
          );
        // the padded part of the batched run: output 0, ∂x 0
        for (let t = L; t < T; t++)
          for (let i = 0; i < O; i++) expect(run.output[(t * B + b) * O + i]).toBe(0);
        for (let t = L; t < T; t++)
          for (let i = 0; i < I; i++) expect(g.input[(t * B + b) * I + i]).toBe(0);
        for (const [s, n] of Object.entries(k.stateSizes)) {
          const fin = run.final[s]!.subarray(b * n, (b + 1) * n);
          if (L === 0) expect(maxRel(fin, one(initial)[s]!)).toBeLessThanOrEqual(tol);
          if (L === 0)
            expect(
              maxRel(g.initial[s]!.subarray(b * n, (b + 1) * n), one(dFinal)[s]!),
            ).toBeLessThanOrEqual(tol);
        }
        if (L === 0) continue;
        const alone = k.forward(p, rows(x, I, L), { batch: 1, initial: one(initial) });
        expect(
          maxRel(rows(run.output, O, L), alone.output),
          `output of sequence ${b}`,
        ).toBeLessThanOrEqual(tol);
        for (const s of Object.keys(k.stateSizes))
          expect(
            maxRel(
              run.final[s]!.subarray(b * k.stateSizes[s]!, (b + 1) * k.stateSizes[s]!),
              alone.final[s]!,
            ),
            `final ${s} of sequence ${b}`,
          ).toBeLessThanOrEqual(tol);
        const ga = k.backward(alone, { output: rows(dOut, O, L), final: one(dFinal) });
        expect(maxRel(rows(g.input, I, L), ga.input), `∂x of sequence ${b}`).toBeLessThanOrEqual(
          tol,
        );
        for (const s of Object.keys(k.stateSizes))
          expect(
            maxRel(
              g.initial[s]!.subarray(b * k.stateSizes[s]!, (b + 1) * k.stateSizes[s]!),
              ga.initial[s]!,
            ),
            `∂${s}₀ of sequence ${b}`,
          ).toBeLessThanOrEqual(tol);
        ga.params.data.forEach((v, i) => (gSum[i]! += v));
      }
      expect(maxRel(g.params.data, gSum), "∂params = Σ over sequences alone").toBeLessThanOrEqual(
        tol,
      );
    }
  });
});
