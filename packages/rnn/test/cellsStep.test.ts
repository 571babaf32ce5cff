// One step of every catalogue cell: the symbolic VJP (graph `vjp`, evaluated by the interpreter)
// against central finite differences of ⟨R, next states⟩, in float64, for random small sizes.
import { fc, test } from "@fast-check/vitest";
import { mulberry32 } from "@gated/codegen";
import { evaluate, input, type Node, type Sizes, vjp } from "@gated/graph";
import { CATALOGUE_NAMES, type Cell, getCell } from "@gated/rnn";
import { describe, expect } from "vitest";

const RUNS = Number(process.env["FC_RUNS"] ?? 4);

/** Every symbolic dim the cell uses, each bound to a random size in 1..4. */
function drawSizes(cell: Cell, random: () => number): Sizes {
  const dims = new Set<string>();
  for (const n of [cell.x, ...cell.state.map((s) => s.node), ...cell.params])
    for (const d of n.shape) if (typeof d === "string") dims.add(d);
  return Object.fromEntries([...dims].map((d) => [d, 1 + Math.floor(random() * 4)]));
}

const count = (n: Node, sizes: Sizes) =>
  n.shape.reduce<number>((a, d) => a * (typeof d === "number" ? d : sizes[d]!), 1);

/** Values in the cell's domain: the sLSTM normaliser n must be positive. */
function drawValue(name: string, cell: Cell, len: number, random: () => number): Float64Array {
  const positive = cell.name.startsWith("slstm") && name === "n";
  return Float64Array.from(
    { length: len },
    () => (positive ? 0.5 + random() : 2 * random() - 1) * (positive ? 1 : 0.9),
  );
}

describe.each(CATALOGUE_NAMES)("%s: one step", (name) => {
  const cell = getCell(name);
  const nexts = cell.state.map((s) => s.next);
  const seeds = cell.state.map((s) => input(`R_${s.name}`, s.node.shape));
  const wrt = [cell.x, ...cell.state.map((s) => s.node), ...cell.params];
  const grads = vjp(nexts, seeds, wrt);

  test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 })], { seed: 20261127, numRuns: RUNS })(
    "VJP matches finite differences",
    (seed) => {
      const random = mulberry32(seed);
      const sizes = drawSizes(cell, random);
      const b: Record<string, Float64Array> = {};
      for (const w of wrt) b[w.label!] = drawValue(w.label!, cell, count(w, sizes), random);
      for (const s of seeds) b[s.label!] = drawValue("", cell, count(s, sizes), random);
      const loss = (bind: Record<string, Float64Array>) => {
        const outs = evaluate(nexts, bind, sizes);
        let l = 0;
        cell.state.forEach((s, k) =>
          outs[k]!.forEach((v, j) => (l += v * bind[`R_${s.name}`]![j]!)),
        );
        return l;
      };
      const g = evaluate(grads, b, sizes);
      const eps = 1e-6;
      wrt.forEach((w, k) => {
        const v = Float64Array.from(b[w.label!]!, () => 2 * random() - 1);
        const shifted = (t: number) => ({
          ...b,
          [w.label!]: b[w.label!]!.map((u, j) => u + t * eps * v[j]!),
        });
        const fd = (loss(shifted(1)) - loss(shifted(-1))) / (2 * eps);
        const ad = g[k]!.reduce((a, u, j) => a + u * v[j]!, 0);
        expect(
          Math.abs(fd - ad),
          `${name} ∂/∂${w.label} (sizes ${JSON.stringify(sizes)}): fd ${fd} vjp ${ad}`,
        ).toBeLessThanOrEqual(1e-7 + 1e-6 * Math.abs(ad));
      });
    },
  );
});
