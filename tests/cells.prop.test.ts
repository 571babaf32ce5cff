// Every catalogue cell over short sequences: the BPTT gradients of the reference kernel (the
// interpreter running the step's symbolic VJP backwards through time) against central finite
// differences of a random readout L = ⟨R, output⟩ + Σ_s ⟨R_s, final_s⟩, in float64; and the
// compiled float64 kernel of every cell against the reference kernel, forward and backward.
import { fc, test } from "@fast-check/vitest";
import { compileCell, mulberry32, referenceKernel } from "@gated/codegen";
import type { Sizes } from "@gated/graph";
import { CATALOGUE_NAMES, type Cell, getCell } from "@gated/rnn";
import { describe, expect } from "vitest";

const RUNS = Number(process.env["FC_RUNS"] ?? 4);

/** Random sizes (1..3) for every symbolic dim the cell uses. */
function drawSizes(cell: Cell, random: () => number): Sizes {
  const dims = new Set<string>();
  for (const n of [cell.x, ...cell.state.map((s) => s.node), ...cell.params])
    for (const d of n.shape) if (typeof d === "string") dims.add(d);
  return Object.fromEntries([...dims].map((d) => [d, 1 + Math.floor(random() * 3)]));
}

const uniform = (n: number, random: () => number, lo = -1, hi = 1) =>
  Float64Array.from({ length: n }, () => lo + (hi - lo) * random());
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j]! * b[j]!;
  return s;
};

describe.each(CATALOGUE_NAMES)("%s over a sequence", (name) => {
  const cell = getCell(name);
  test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 })], { seed: 1127, numRuns: RUNS })(
    "BPTT gradients match finite differences",
    (seed) => {
      const random = mulberry32(seed);
      const sizes = drawSizes(cell, random);
      const H = sizes["H"]!;
      const k = referenceKernel(cell, { inputSize: sizes["I"] ?? H, hiddenSize: H, sizes });
      const T = 1 + Math.floor(random() * 4);
      const B = 1 + Math.floor(random() * 2);
      const params = k.params(uniform(k.params().data.length, random, -0.8, 0.8));
      const x = uniform(T * B * k.inputSize, random);
      // the sLSTM normaliser must stay positive; every other state takes any value
      const initial = Object.fromEntries(
        Object.entries(k.stateSizes).map(([s, n]) => [
          s,
          name.startsWith("slstm") && s === "n"
            ? uniform(B * n, random, 0.5, 1.5)
            : uniform(B * n, random),
        ]),
      );
      const R = uniform(T * B * k.outputSize, random);
      const Rs = Object.fromEntries(
        Object.entries(k.stateSizes).map(([s, n]) => [s, uniform(B * n, random)]),
      );
      const loss = (
        p: typeof params,
        xs: ArrayLike<number>,
        init: Record<string, Float64Array>,
      ) => {
        const run = k.forward(p, xs, { batch: B, initial: init });
        return (
          dot(R, run.output) + Object.keys(Rs).reduce((a, s) => a + dot(Rs[s]!, run.final[s]!), 0)
        );
      };
      const g = k.backward(k.forward(params, x, { batch: B, initial }), { output: R, final: Rs });
      const eps = 1e-6;
      const check = (what: string, ad: number, plus: number, minus: number) => {
        const fd = (plus - minus) / (2 * eps);
        expect(
          Math.abs(fd - ad),
          `${name} ${what} T=${T} B=${B} sizes ${JSON.stringify(sizes)}: fd ${fd} bptt ${ad}`,
        ).toBeLessThanOrEqual(1e-7 + 1e-6 * Math.abs(ad));
      };
      // one random direction per parameter tensor, then for x and for each initial state
      for (const slot of k.layout) {
        const v = uniform(slot.size, random);
        const at = (t: number) => {
          const p = k.params(params.data);
          const view = p.get(slot.name);
          for (let j = 0; j < slot.size; j++) view[j]! += t * eps * v[j]!;
          return loss(p, x, initial);
        };
        check(`∂/∂${slot.name}`, dot(g.params.get(slot.name), v), at(1), at(-1));
      }
      const vx = uniform(x.length, random);
      check(
        "∂/∂x",
        dot(g.input, vx),
        loss(
          params,
          x.map((u, j) => u + eps * vx[j]!),
          initial,
        ),
        loss(
          params,
          x.map((u, j) => u - eps * vx[j]!),
          initial,
        ),
      );
      for (const s of Object.keys(initial)) {
        const v = uniform(initial[s]!.length, random);
        const shifted = (t: number) => ({
          ...initial,
          [s]: initial[s]!.map((u, j) => u + t * eps * v[j]!),
        });
        check(
          `∂/∂${s}0`,
          dot(g.initial[s]!, v),
          loss(params, x, shifted(1)),
          loss(params, x, shifted(-1)),
        );
      }
    },
  );
});

describe.each(CATALOGUE_NAMES)("%s compiled", (name) => {
  const cell = getCell(name);
  test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 })], {
    seed: 2711,
    numRuns: Math.max(1, Math.ceil(RUNS / 2)),
  })("compileCell matches the reference kernel", (seed) => {
    const random = mulberry32(seed);
    const sizes = drawSizes(cell, random);
    const H = sizes["H"]!;
    const opts = { inputSize: sizes["I"] ?? H, hiddenSize: H, sizes, dtype: "float64" as const };
    const ref = referenceKernel(cell, opts);
    const cc = compileCell(cell, opts);
    const T = 1 + Math.floor(random() * 4);
    const B = 1 + Math.floor(random() * 3);
    const p = ref.params(uniform(ref.params().data.length, random, -0.8, 0.8));
    const pc = cc.params();
    for (const s of ref.layout) pc.get(s.name).set(p.get(s.name));
    const x = uniform(T * B * ref.inputSize, random);
    const initial = Object.fromEntries(
      Object.entries(ref.stateSizes).map(([s, n]) => [
        s,
        name.startsWith("slstm") && s === "n"
          ? uniform(B * n, random, 0.5, 1.5)
          : uniform(B * n, random),
      ]),
    );
    const a = ref.forward(p, x, { batch: B, initial });
    const b = cc.forward(pc, x, { batch: B, initial });
    const close = (what: string, u: ArrayLike<number>, v: ArrayLike<number>) => {
      expect(u.length, what).toBe(v.length);
      for (let j = 0; j < u.length; j++)
        expect(Math.abs(u[j]! - v[j]!), `${name} ${what}[${j}]`).toBeLessThanOrEqual(
          1e-12 + 1e-10 * Math.abs(u[j]!),
        );
    };
    close("output", a.output, b.output);
    for (const s of Object.keys(ref.stateSizes)) close(`final ${s}`, a.final[s]!, b.final[s]!);
    const cot = {
      output: uniform(a.output.length, random),
      final: Object.fromEntries(
        Object.entries(ref.stateSizes).map(([s, n]) => [s, uniform(B * n, random)]),
      ),
    };
    const ga = ref.backward(a, cot);
    const gb = cc.backward(b, cot);
    for (const s of ref.layout) close(`∂/∂${s.name}`, ga.params.get(s.name), gb.params.get(s.name));
    close("∂/∂x", ga.input, gb.input);
    for (const s of Object.keys(ref.stateSizes)) close(`∂/∂${s}0`, ga.initial[s]!, gb.initial[s]!);
  });
});
