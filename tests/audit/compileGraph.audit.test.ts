/**
 * Audit: compileGraph (stateless graphs, batched over rows) vs the interpreter, on the random
 * graphs of gen.ts (whole op set: broadcasts, reductions, slices, concat, softmax, matmul).
 */

import { backends } from "@gated/codegen";
import { compileGraph, evaluate, input, type Node, vjp } from "gated";
import { describe, expect, test } from "vitest";
import { kindOf, randomGraph, rng, SIZES, valuesFor } from "./gen.js";

const N = Number(process.env["FC_RUNS"] ?? 80);

describe("audit: compileGraph vs evaluate", () => {
  // float32 on js: float64 arithmetic rounded to float32 at the end. The wasm backend computes
  // float32 in float32 (as PyTorch does), where gradients through saturated tanh (1 − tanh²
  // of a float32 tanh near 1) keep only ~1e-7 of the cotangent's scale: its float32 figure is in
  // packages/codegen/README.md, not held to this elementwise 1e-4.
  const wasm = backends.wasm?.available?.() ? [["wasm", "float64", 1e-12] as const] : [];
  test.each([["js", "float64", 1e-12], ["js", "float32", 1e-4], ...wasm] as const)(
    "%s %s: outputs and gradients per row",
    (backend, dtype, tol) => {
      const fails: string[] = [];
      for (let seed = 1; seed <= N; seed++) {
        const r = rng(9000 + seed);
        const { out, leaves, pool } = randomGraph(r, seed % 3 !== 0);
        const params = leaves.filter((l) => l.op.name === "param");
        const x = leaves.find((l) => l.label === "x")!;
        const mid =
          pool.filter((n) => kindOf(n) !== undefined && n.op.kind !== "leaf").at(-1) ?? out;
        const outputs: Record<string, Node> = { y: out, z: mid };
        let k;
        try {
          k = compileGraph(
            { name: `g${seed}`, inputs: { x }, outputs, params },
            { sizes: SIZES, dtype, backend },
          );
        } catch (e) {
          fails.push(`seed ${seed}: compile threw ${(e as Error).message}`);
          continue;
        }
        const rows = 3;
        const bind = valuesFor(r, leaves);
        const p = k.params();
        for (const l of params) p.get(l.label!).set(bind[l.label!]!);
        const xs = Float64Array.from({ length: rows * 2 }, () => 2 * r() - 1);
        const zsize = mid.shape.reduce<number>(
          (a, d) => a * (typeof d === "number" ? d : SIZES[d as "H" | "K"]),
          1,
        );
        const cy = Float64Array.from({ length: rows }, () => 2 * r() - 1);
        const cz = Float64Array.from({ length: rows * zsize }, () => 2 * r() - 1);
        let run, g;
        try {
          run = k.forward(p, { x: xs }, { rows });
          g = k.backward(run, { y: cy, z: cz });
        } catch (e) {
          fails.push(`seed ${seed}: run threw ${(e as Error).message}`);
          continue;
        }
        const seedY = input("cot_y", []),
          seedZ = input("cot_z", mid.shape);
        const grads = vjp([out, mid], [seedY, seedZ], [...params, x]);
        const gp: Record<string, Float64Array> = Object.fromEntries(
          params.map((l) => [l.label!, new Float64Array(bind[l.label!]!.length)]),
        );
        const check = (what: string, a: number, b: number, mag: number) => {
          if (!(Math.abs(a - b) <= tol * Math.max(Math.abs(b), 1e-2 * mag, 1e-3)))
            fails.push(`seed ${seed} ${dtype}: ${what}: ${a} vs ${b}`);
        };
        for (let i = 0; i < rows; i++) {
          const b = {
            ...bind,
            x: xs.subarray(i * 2, i * 2 + 2),
            cot_y: [cy[i]!],
            cot_z: cz.subarray(i * zsize, (i + 1) * zsize),
          };
          const [yv, zv, ...gv] = evaluate([out, mid, ...grads], b, SIZES);
          check(`y row ${i}`, run.outputs["y"]![i]!, yv![0]!, Math.abs(yv![0]!));
          const zm = Math.max(...Array.from(zv!, Math.abs));
          zv!.forEach((v, j) =>
            check(`z row ${i}[${j}]`, run.outputs["z"]![i * zsize + j]!, v, zm),
          );
          params.forEach((l, j) => gv[j]!.forEach((v, e) => (gp[l.label!]![e]! += v)));
          const gx = gv[params.length]!;
          const gm = Math.max(...Array.from(gx, Math.abs));
          gx.forEach((v, e) => check(`dx row ${i}[${e}]`, g.inputs["x"]![i * 2 + e]!, v, gm));
        }
        for (const l of params) {
          const ref = gp[l.label!]!;
          const m = Math.max(...Array.from(ref, Math.abs));
          ref.forEach((v, e) => check(`d${l.label}[${e}]`, g.params.get(l.label!)[e]!, v, m));
        }
      }
      expect(fails.slice(0, 12)).toEqual([]);
    },
  );
});
