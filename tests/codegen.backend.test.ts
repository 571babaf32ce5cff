/**
 * The backend seam: `compileCell`/`compileGraph` take a backend (an object or a name), emit its
 * source once, and every kernel says which backend made it; `emitModule` writes the very text
 * the in-memory kernel runs.
 */

import {
  availableBackends,
  type Backend,
  backends,
  compileCell,
  compileGraph,
  defaultBackend,
  emitModule,
  jsBackend,
  referenceKernel,
} from "@gated/codegen";
import { input, param } from "@gated/graph";
import { tanh } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { lstm } from "./codegenCells.js";

const opts = { inputSize: 2, hiddenSize: 3 } as const;

describe("the backend seam", () => {
  test("kernels name their backend; js is the default and always available", () => {
    expect(compileCell(lstm(), opts).backend).toBe(defaultBackend().name);
    expect(compileCell(lstm(), { ...opts, backend: "js" }).backend).toBe("js");
    expect(referenceKernel(lstm(), opts).backend).toBe("reference");
    expect(availableBackends()[0]).toBe(jsBackend);
    expect(backends.js).toBe(jsBackend);
  });

  test("a backend object is emitted once per compile and its text is what the kernel keeps", () => {
    let calls = 0;
    const counting: Backend = {
      name: "js",
      emit: (s) => {
        calls++;
        return jsBackend.emit(s);
      },
    };
    const k = compileCell(lstm(), { ...opts, backend: counting });
    expect(calls).toBe(1);
    expect(k.source).toContain(counting.emit(k.schedule).js);
    expect(emitModule(k)).toBe(
      `${k.source}\nexport { layout, info, params, forward, backward, initialState, step };\n`,
    );
  });

  test("an unknown backend name is a one-line error naming the cell", () => {
    expect(() => compileCell(lstm(), { ...opts, backend: "gpu" as "js" })).toThrow(
      'compileCell "lstm": unknown backend "gpu" (backends: js',
    );
  });

  test("WebAssembly bytes reach the kernel text as $wasmBytes, in memory and in the module", () => {
    const bytes = Uint8Array.of(0, 97, 115, 109, 255);
    const carrying: Backend = {
      name: "js",
      emit: (s) => {
        const src = jsBackend.emit(s);
        return { js: `${src.js}\nconst $seen = Array.from($wasmBytes).join(",");`, wasm: bytes };
      },
    };
    const k = compileCell(lstm(), { ...opts, backend: carrying });
    expect(k.wasm).toBe(bytes);
    const mod = emitModule(k);
    expect(mod.startsWith('const $wasmBytes = Uint8Array.from(atob("AGFzbf8="),')).toBe(true);
    const run = new Function(`${mod.replace(/^export .*$/m, "")}\nreturn $seen;`);
    expect(run()).toBe("0,97,115,109,255");
  });

  test("compileGraph takes the backend option too", () => {
    const x = input("x", ["I"]);
    const W = param("W", ["I"]);
    const g = compileGraph(
      { inputs: { x }, outputs: { y: tanh(x.mul(W)) } },
      { sizes: { I: 2 }, backend: "js" },
    );
    expect(g.backend).toBe("js");
    const p = g.params([0.5, -1]);
    const run = g.forward(p, { x: [1, 2] }, { rows: 1 });
    expect(Array.from(run.outputs["y"]!)).toEqual([Math.tanh(0.5), Math.tanh(-2)]);
  });
});
