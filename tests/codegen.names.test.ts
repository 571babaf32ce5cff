/**
 * Safety: hostile cell, state and parameter names never reach emitted source unescaped. The
 * cell name is any string; leaf names are identifiers (the graph checks) but may be JS-special
 * (`__proto__`, `constructor`), clash with the emitter's own names (`P`, `T`, `B`, `len`, `o`),
 * use primes or non-ASCII letters.
 */

import { compileCell, emitModule, emitTypes, type Recurrence } from "@gated/codegen";
import { input, type Node, param } from "@gated/graph";
import { matvec, sigmoid, tanh } from "@gated/ops";
import ts from "typescript";
import { describe, expect, test } from "vitest";
import { BACKENDS, compareWithReference } from "./codegenCompare.js";

const EVIL =
  "evil */ \n }); globalThis.pwned = 1; // `${globalThis.pwned = 2}` \u2028 \u2029 '\" \\ $' $& é 🙂";

// the reference kernel binds x by the name "x" and states through a plain object (no
// "__proto__"), so the comparison uses x and a state named "hasOwnProperty" instead
function hostileCell(xName = "P", hName = "__proto__"): Recurrence {
  const x = input(xName, ["I"]);
  const h = input(hName, ["H"]);
  const c = input("constructor", ["H"]);
  const ps: Node[] = [];
  const p = (n: string, shape: (string | number)[]) => {
    const q = param(n, shape);
    ps.push(q);
    return q;
  };
  const a = matvec(p("T", ["H", "I"]), x)
    .add(matvec(p("B", ["H", "H"]), h))
    .add(p("len", ["H"]));
  const g = sigmoid(a);
  const n = tanh(
    matvec(p("o'", ["H", "I"]), x)
      .add(matvec(p("πé", ["H", "H"]), h))
      .add(p("forward", ["H"])),
  );
  const c2 = g.mul(c).add(g.neg().add(1).mul(n));
  const h2 = tanh(c2).mul(p("layout", ["H"]));
  const locals = new Map<Node, string>([
    [g, "toString"],
    [n, "*/ evil\nlocal"],
    [c2, "Math"],
  ]);
  return Object.assign(
    {
      name: EVIL,
      x,
      state: [
        { name: hName, node: h, next: h2 },
        { name: "constructor", node: c, next: c2 },
      ],
      output: h2,
      params: ps,
    },
    { locals },
  );
}

describe.each(BACKENDS)("%s: hostile names", (backend) => {
  test("compiles and equals the reference", () => {
    compareWithReference(hostileCell("x", "hasOwnProperty"), {
      backend,
      I: 3,
      H: 4,
      T: 4,
      B: 2,
      lengths: [4, 1],
    });
  });

  test("user text appears only in comments and string literals; the module evaluates", async () => {
    const k = compileCell(hostileCell(), { backend, inputSize: 3, hiddenSize: 4 });
    const src = emitModule(k);
    // the payload never starts a line of code, and no line terminator of it survives
    for (const line of src.split("\n")) {
      if (line.includes("pwned"))
        expect(line.trimStart().startsWith("//") || /"[^"]*pwned/.test(line), line).toBe(true);
    }
    expect(src).not.toMatch(/[\u2028\u2029]/);
    const url = `data:text/javascript;base64,${Buffer.from(src).toString("base64")}`;
    const mod = await import(/* @vite-ignore */ url);
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
    expect(mod.info.name).toBe(EVIL);
    expect(mod.layout.map((l: { name: string }) => l.name)).toEqual(k.layout.map((l) => l.name));
    const p = mod.params(k.initParams({ seed: 1 }).data);
    expect(Array.from(p.get("o'"))).toEqual(Array.from(k.initParams({ seed: 1 }).get("o'")));
    // an own "__proto__" key (an object literal's __proto__: would set the prototype instead)
    const initial = Object.fromEntries([["__proto__", new Float64Array(8).fill(0.5)]]);
    const run = mod.forward(p, new Float64Array(2 * 3), { batch: 2, initial });
    const zero = mod.forward(p, new Float64Array(2 * 3), { batch: 2 });
    expect(Array.from(run.output)).not.toEqual(Array.from(zero.output));
    expect(Object.keys(run.final).sort()).toEqual(["__proto__", "constructor"]);
    expect(Object.getPrototypeOf(run.final)).toBe(Object.prototype);
    const ref = k.forward(k.initParams({ seed: 1 }), new Float64Array(2 * 3), {
      batch: 2,
      initial,
    });
    expect(Array.from(run.output)).toEqual(Array.from(ref.output));
  });

  test("types stay valid TypeScript", () => {
    const dts = emitTypes(compileCell(hostileCell(), { backend, inputSize: 3, hiddenSize: 4 }));
    const r = ts.transpileModule(dts, { reportDiagnostics: true, fileName: "kernel.ts" });
    expect(r.diagnostics ?? []).toEqual([]);
  });
});
