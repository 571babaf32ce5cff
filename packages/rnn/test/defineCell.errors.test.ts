/**
 * The builder API's bad inputs (issue 12 §2): each is one line naming the cell and what was
 * expected, never a TypeError from deep inside, and never silently accepted (an unknown
 * initialisation used to surface only when the parameters were initialised).
 */
import type { Node } from "@gated/graph";
import { matvec, tanh } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { type CellSpec, defineCell, type InitSpec } from "../src/index.js";

const elman = (init?: InitSpec): CellSpec => ({
  name: "c",
  state: { h: "H" },
  step: ({ h }, ctx) => ({
    h: tanh(matvec(ctx.param("W", ["H", "H"], init ? { init } : {}), h!)),
  }),
});

describe("defineCell refuses bad specs in one line", () => {
  const cases: [string, () => unknown, string][] = [
    [
      "state is not an object",
      () => defineCell({ ...elman(), state: null as unknown as Record<string, string> }),
      `cell "c": state must be an object of state names to dims, e.g. { h: "H" }`,
    ],
    [
      "step is not a function",
      () => defineCell({ ...elman(), step: 3 as unknown as CellSpec["step"] }),
      `cell "c": step must be a function (vars, ctx) => { next states }`,
    ],
    [
      "an unknown initialisation in ctx.param",
      () => defineCell(elman({ kind: "gaussian" } as unknown as InitSpec)),
      `cell "c": init of W: kind "gaussian" is not one of uniform, constant, xavier, orthogonal, groups`,
    ],
    [
      "an unknown initialisation in spec.init",
      () => defineCell({ ...elman(), init: { W: { kind: "he" } as unknown as InitSpec } }),
      `cell "c": init of W: kind "he" is not one of`,
    ],
    [
      "a field the kind does not have",
      () => defineCell(elman({ kind: "uniform", scale: 1 } as unknown as InitSpec)),
      `cell "c": init of W: uniform has no field scale`,
    ],
    [
      "a bound that is not positive",
      () => defineCell(elman({ kind: "uniform", bound: -1 })),
      `cell "c": init of W: bound must be a positive number, got -1`,
    ],
    [
      "a constant without a value",
      () => defineCell(elman({ kind: "constant" } as unknown as InitSpec)),
      `cell "c": init of W: constant needs a value`,
    ],
    [
      "a constant that is not finite",
      () => defineCell(elman({ kind: "constant", value: Number.NaN })),
      `cell "c": init of W: value must be a finite number, got NaN`,
    ],
    [
      "a next value that is not a node",
      () => defineCell({ ...elman(), step: () => ({ h: 1 as unknown as Node }) }),
      `cell "c": step returned number for "h", expected a graph node`,
    ],
  ];
  test.each(cases)("%s", (_what, f, message) => {
    expect(f).toThrow(message);
  });

  test("valid initialisations still pass", () => {
    for (const init of [
      { kind: "uniform", bound: 0.1 },
      { kind: "uniform" },
      { kind: "constant", value: 1 },
      { kind: "xavier" },
      { kind: "orthogonal" },
    ] as InitSpec[])
      expect(defineCell(elman(init)).paramInfo[0]!.init).toEqual(init);
  });
});
