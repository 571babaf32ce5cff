import { getCell, Model, type Sample } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { confusion, inspectModel, stepper } from "../src/inspect.js";

/** Token sequences of varying length, class = (first token) mod 3. */
function samples(n: number, vocab: number, seed = 1): Sample[] {
  let s = seed;
  const r = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => {
    const T = 3 + Math.floor(r() * 5);
    const x = Array.from({ length: T }, () => Math.floor(r() * vocab));
    return { x, y: x[0]! % 3 };
  });
}

const model = (cell: string, pool: Model["spec"]["pool"]) =>
  new Model({
    cell: getCell(cell),
    hidden: 5,
    embedding: { vocab: 6, dim: 4 },
    pool,
    outputs: 3,
    loss: "cross-entropy",
    seed: 3,
  });

describe("inspect", () => {
  test("the interpreter's trace is the model's own forward pass (exact gate values)", () => {
    const m = model("lstm", "last");
    const data = samples(4, 6);
    const T = Math.max(...data.map((s) => s.x.length));
    for (const [b, s] of data.entries()) {
      const tr = stepper(m).run(m, s);
      const lengths = Int32Array.from(data, (d) => d.x.length);
      // embed by hand: [T][B][I]
      const emb = m.get("embedding");
      const x = new Float64Array(T * data.length * 4);
      data.forEach((d, bb) =>
        Array.from(d.x).forEach((id, t) =>
          x.set(emb.subarray(id * 4, id * 4 + 4), (t * data.length + bb) * 4),
        ),
      );
      const run = m.rnn.forward(
        m.rnn.params(
          m.params.subarray(6 * 4, 6 * 4 + m.rnn.layout.reduce((a, l) => a + l.size, 0)),
        ),
        x,
        {
          batch: data.length,
          lengths,
        },
      );
      for (let t = 0; t < tr.steps; t++)
        for (let u = 0; u < 5; u++)
          expect(tr.outputs[t]![u]).toBeCloseTo(run.output[(t * data.length + b) * 5 + u]!, 12);
    }
  });

  test("gate statistics: σ gates in [0, 1] with saturation fractions, tanh with |v| > 0.9", () => {
    const m = model("lstm", "last");
    const ins = inspectModel(m, samples(20, 6), {
      cell: "lstm",
      seed: 3,
      classes: ["a", "b", "c"],
    });
    const byName = new Map(ins.gates.map((g) => [g.name, g]));
    expect([...byName.keys()]).toEqual(["i", "f", "g", "o", "h′", "c′"]);
    for (const name of ["i", "f", "o"]) {
      const g = byName.get(name)!;
      expect(g.kind).toBe("sigmoid");
      expect(g.min).toBeGreaterThanOrEqual(0);
      expect(g.max).toBeLessThanOrEqual(1);
      expect(g.below01! + g.above09!).toBeLessThanOrEqual(1);
    }
    expect(byName.get("g")!.kind).toBe("tanh");
    expect(byName.get("g")!.saturated).toBeGreaterThanOrEqual(0);
    const cells = ins.states[0]!;
    expect(cells.state).toBe("c′");
    expect(cells.values).toHaveLength(cells.tokens.length);
    expect(ins.attention).toBeUndefined();
  });

  test("attention weights over the input: positive, sum to 1, one per character", () => {
    const m = model("gru", { attention: 4 });
    const data = samples(6, 6);
    const ins = inspectModel(m, data, { cell: "gru", seed: 3, chars: "abcdef", show: 2 });
    expect(ins.attention).toHaveLength(2);
    for (const [k, a] of ins.attention!.entries()) {
      expect(a.tokens.join("")).toBe(Array.from(data[k]!.x, (i) => "abcdef"[i]).join(""));
      expect(a.weights.every((w) => w > 0)).toBe(true);
      expect(a.weights.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    }
  });

  test("confusion matrix: rows are true classes, its accuracy is the model's", () => {
    const m = model("gru", "mean");
    const data = samples(40, 6);
    const c = confusion(m, data, ["a", "b", "c"]);
    expect(c.counts.flat().reduce((a, b) => a + b, 0)).toBe(40);
    const r = m.run(data);
    expect(c.accuracy).toBeCloseTo(r.correct / r.count, 12);
    for (const [k, p] of c.perClass.entries())
      expect(p.count).toBe(data.filter((s) => s.y === k).length);
  });
});
