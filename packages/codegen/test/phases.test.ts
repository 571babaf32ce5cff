import { input, type Node, param, S, topo } from "@gated/graph";
import { describe, expect, test } from "vitest";
import { Shapes } from "../src/lower/analyze.js";
import { phases, sinkElementwise, sweepGraph } from "../src/lower/phases.js";
import type { ScanSpec } from "../src/lower/plan.js";
import type { Loc } from "../src/schedule/schedule.js";
import { ew } from "./lower/miniOps.js";

const add = ew("t_add", 2, S.add);
const tanh = ew("t_tanh", 1, S.tanh);

const loc: Loc = { buf: "b", scope: "time", ld: 1, col: 0, shift: 0 };

/** A one-sweep spec: x a per-row input, h carried, b a parameter. */
function spec(next: Node, x: Node, h: Node, b: Node, extraRoots: Node[] = []) {
  const s = {
    sweep: "forward",
    compute: "f64",
    shapes: new Shapes({ H: 2 }),
    carried: [{ leaf: h, next, inLoc: loc, outLoc: loc }],
    rowInputs: new Map([[x, loc]]),
    rowOutputs: extraRoots.map((node) => ({ node, loc })),
    accum: [],
    keep: new Set<Node>(),
    params: new Map([[b, { loc, offset: 0 }]]),
  } as unknown as ScanSpec;
  const graph = sweepGraph(s);
  expect(graph.order).toEqual(topo([next, ...extraRoots], (n) => n === x || n === h));
  return { s, graph };
}

describe("phase assignment", () => {
  const x = input("x", ["H"]);
  const h = input("h", ["H"]);
  const b = param("b", ["H"]);

  test("params only: static; per-row input only: pre; carried: loop", () => {
    const bb = tanh(b);
    const xb = add(x, bb);
    const next = tanh(add(xb, h));
    const { s, graph } = spec(next, x, h, b);
    const { phase } = phases(s, graph);
    expect(Object.fromEntries([...phase].map(([n, p]) => [n.label ?? n.op.name, p]))).toMatchObject(
      {
        x: "input",
        h: "carried",
        b: "static",
      },
    );
    expect(phase.get(bb)).toBe("static");
    expect(phase.get(xb)).toBe("pre");
    expect(phase.get(next)).toBe("loop");
  });

  test("what reads a step's result but feeds no next state runs after the loop", () => {
    const next = tanh(add(x, h));
    const out = tanh(next);
    const { s, graph } = spec(next, x, h, b, [out]);
    expect(phases(s, graph).phase.get(out)).toBe("post");
  });

  test("a carried output runs every step even when it depends only on x", () => {
    const next = tanh(x);
    const { s, graph } = spec(next, x, h, b);
    expect(phases(s, graph).phase.get(next)).toBe("loop");
  });

  test("sinkElementwise moves pre work read only by the loop into the loop (no [T·B] buffer)", () => {
    const xb = tanh(x);
    const next = add(xb, h);
    const { s, graph } = spec(next, x, h, b);
    const before = phases(s, graph);
    expect(before.phase.get(xb)).toBe("pre");
    const after = sinkElementwise(s, before);
    expect(after.phase.get(xb)).toBe("loop");
    expect(before.phase.get(xb)).toBe("pre"); // a new value: the pass's input is unchanged
  });
});
