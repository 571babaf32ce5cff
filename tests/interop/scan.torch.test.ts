/**
 * cumsum and cumprod against PyTorch, live: values and gradients in float64, on rows with
 * zeros (one, two, leading, trailing) and negative values. PyTorch's cumprod gradient is exact
 * at zeros; so is ours (a reverse scan, no division).
 */
import { spawnSync } from "node:child_process";
import { evaluate, grad, input } from "@gated/graph";
import { cumprod, cumsum, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { hasTorch, PYTHON, warnSkip } from "./tools.js";

const torch = hasTorch();
if (!torch)
  warnSkip(
    "cumsum/cumprod against PyTorch (tests/interop/scan.torch.test.ts)",
    "python3 with torch",
  );

const ROWS = [
  [0.5, -1.5, 2, 0.25, -0.75, 1.1],
  [2, 0, 3, -1, 0.5, 1.5],
  [0, 0, 3, -1, 0.5, 2],
  [0, 1.25, -1, 1, 1, 0.5],
  [1.5, -2, 0.5, 3, 0.75, 0],
  [-1, 0, -2, 0, -3, 0.5],
];
const U = [1, -2, 3, 0.5, 1.5, -0.25];

const SCRIPT = `
import json, sys, torch
rows, u = json.load(sys.stdin)
out = []
for r in rows:
    res = {}
    for name, f in (("cumsum", torch.cumsum), ("cumprod", torch.cumprod)):
        x = torch.tensor(r, dtype=torch.float64, requires_grad=True)
        y = f(x, 0)
        (y * torch.tensor(u, dtype=torch.float64)).sum().backward()
        res[name] = {"y": y.tolist(), "g": x.grad.tolist()}
    out.append(res)
print(json.dumps(out))
`;

describe.skipIf(!torch)("cumsum and cumprod equal PyTorch's, values and gradients", () => {
  test("rows with zeros and negative values", () => {
    const r = spawnSync(PYTHON, ["-c", SCRIPT], {
      input: JSON.stringify([ROWS, U]),
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const want = JSON.parse(r.stdout) as Record<string, { y: number[]; g: number[] }>[];
    const x = input("x", [6]);
    const u = input("u", [6]);
    ROWS.forEach((row, i) => {
      for (const [name, f] of [
        ["cumsum", cumsum],
        ["cumprod", cumprod],
      ] as const) {
        const y = f(x);
        const [g] = grad(sum(y.mul(u)), [x]);
        const [yv, gv] = evaluate([y, g!], { x: row, u: U });
        const w = want[i]![name]!;
        Array.from(yv!).forEach((v, k) =>
          expect(v, `${name}(${row})[${k}]`).toBeCloseTo(w.y[k]!, 13),
        );
        Array.from(gv!).forEach((v, k) =>
          expect(v, `∂${name}/∂x${k} at ${row}`).toBeCloseTo(w.g[k]!, 12),
        );
      }
    });
  });
});
