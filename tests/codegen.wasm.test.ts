/**
 * The WebAssembly backend: every catalogue cell equals the interpreter (float64 within 1e-12,
 * float32 within 1e-5 of the float64 interpreter; masked lengths, initial states, final
 * cotangents); its memory grows once and is reused (10⁴ calls); a run's tape stays valid
 * whatever calls happen in between; `step()` equals `forward`; the errors are the JS kernels';
 * the emitted module (bytes embedded) runs in a child node process.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  backends,
  type CompiledKernel,
  compileCell,
  type DType,
  emitModule,
  type Recurrence,
  referenceKernel,
} from "@gated/codegen";
import { constant, input, param } from "@gated/graph";
import { cumsum, matvec, tanh } from "@gated/ops";
import { CATALOGUE, CATALOGUE_NAMES } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { lstm } from "./codegenCells.js";
import { maxRel, nodeChild, rand, withMemories } from "./codegenCompare.js";

const wasm = backends.wasm;
const available = wasm?.available?.() ?? false;
if (!available) console.warn("codegen.wasm.test: WebAssembly SIMD is not available here: skipped");

const [I, H, T, B] = [3, 4, 4, 3];
const lengths = [4, 2, 3];

/** Worst relative difference of everything a run and its backward give. */
function compare(cell: Recurrence, dtype: DType): number {
  // a cell whose input is x[H] takes inputSize = H
  const inputSize = cell.x.shape[0] === "H" ? H : I;
  const kopts = { inputSize, hiddenSize: H, sizes: { G: 2 } };
  const ref = referenceKernel(cell, kopts);
  const k = compileCell(cell, { ...kopts, dtype, backend: "wasm" });
  expect(k.backend).toBe("wasm");
  const p = ref.initParams({ seed: 3 });
  const pk = k.params();
  for (const s of k.layout) pk.get(s.name).set(p.get(s.name));
  const x = rand(T * B * ref.inputSize, 5);
  const sizes = Object.entries(ref.stateSizes);
  const initial = Object.fromEntries(
    sizes.map(([n, w], i) => [n, rand(B * w, 10 + i).map((v) => v * 0.5)]),
  );
  const opts = { batch: B, initial, lengths };
  const [r1, r2] = [ref.forward(p, x, opts), k.forward(pk, x, opts)];
  const cot = {
    output: rand(T * B * ref.outputSize, 9),
    final: Object.fromEntries(sizes.map(([n, w], i) => [n, rand(B * w, 20 + i)])),
  };
  const [g1, g2] = [ref.backward(r1, cot), k.backward(r2, cot)];
  const errs = [
    maxRel(r2.output, r1.output),
    ...sizes.map(([n]) => maxRel(r2.final[n]!, r1.final[n]!)),
    maxRel(g2.input, g1.input),
    ...k.layout.map((s) => maxRel(g2.params.get(s.name), g1.params.get(s.name))),
    ...sizes.map(([n]) => maxRel(g2.initial[n]!, g1.initial[n]!)),
  ];
  return Math.max(...errs);
}

describe.skipIf(!available)("wasm backend: catalogue cells equal the interpreter", () => {
  const worst: Record<string, number> = { float64: 0, float32: 0 };
  for (const name of CATALOGUE_NAMES)
    for (const dtype of ["float64", "float32"] as const)
      test(`${name} ${dtype}`, () => {
        const e = compare(CATALOGUE[name]!(), dtype);
        worst[dtype] = Math.max(worst[dtype]!, e);
        expect(e).toBeLessThanOrEqual(dtype === "float64" ? 1e-12 : 1e-5);
      });
  test("worst relative differences (float32 against the float64 interpreter)", () => {
    console.log(
      `wasm backend, worst max|Δ|/max|ref|: float64 ${worst.float64}, float32 ${worst.float32}`,
    );
  });
});

describe.skipIf(!available)("wasm backend: a map reading a folded vector constant", () => {
  // the constant [1, 2, …, H] is a table of the kernel (schedule.consts), not a buffer in the
  // memory: a map that loads it must read the table, not the memory at the table's byteOffset
  const ramp = (): Recurrence => {
    const x = input("x", ["I"]);
    const h = input("h", ["H"]);
    const U = param("U", ["H", "I"]);
    const W = param("W", ["H", "H"]);
    const b = param("b", ["H"]);
    const h2 = tanh(matvec(U, x).add(matvec(W, h)).add(b)).mul(cumsum(constant(1, ["H"])));
    return {
      name: "ramp",
      x,
      state: [{ name: "h", node: h, next: h2 }],
      output: h2,
      params: [U, W, b],
    };
  };
  for (const dtype of ["float64", "float32"] as const)
    test(dtype, () => {
      expect(
        compileCell(ramp(), { inputSize: I, hiddenSize: H, dtype }).schedule.consts,
      ).not.toEqual([]);
      expect(compare(ramp(), dtype)).toBeLessThanOrEqual(dtype === "float64" ? 1e-12 : 1e-5);
    });
});

/** The module's API as these tests call it. */
type MemApi = {
  params(d?: ArrayLike<number>): unknown;
  forward(p: unknown, x: ArrayLike<number>, o: object): { output: Float32Array };
  backward(r: unknown, c: object): { input: Float32Array; params: { data: Float32Array } };
};

describe.skipIf(!available)("wasm backend: one memory, reused", () => {
  test("10⁴ calls of forward and backward: the memory grows at the first only", () => {
    const k = compileCell(lstm(), {
      inputSize: I,
      hiddenSize: H,
      dtype: "float32",
      backend: "wasm",
    });
    const { api, mems } = withMemories<MemApi>(k);
    expect(mems.length).toBe(1);
    const p = api.params(
      Float32Array.from(
        rand(
          k.layout.reduce((a, s) => a + s.size, 0),
          1,
        ),
      ),
    );
    const x = rand(T * B * I, 2);
    const cot = { output: rand(T * B * H, 3) };
    const first = api.backward(api.forward(p, x, { batch: B }), cot);
    const size = mems[0]!.buffer.byteLength;
    let last = first;
    for (let i = 0; i < 5000; i++) last = api.backward(api.forward(p, x, { batch: B }), cot);
    expect(mems[0]!.buffer.byteLength).toBe(size);
    expect(mems.length).toBe(1);
    expect(Array.from(last.params.data)).toEqual(Array.from(first.params.data));
  });

  test("a run's tape stays valid while other calls (other sizes, step) reuse the memory", () => {
    const k = compileCell(lstm(), {
      inputSize: I,
      hiddenSize: H,
      dtype: "float64",
      backend: "wasm",
    });
    const p = k.initParams({ seed: 4 });
    const x1 = rand(T * B * I, 5);
    const cot = { output: rand(T * B * H, 6) };
    const want = k.backward(k.forward(p, x1, { batch: B }), cot);
    const run = k.forward(p, x1, { batch: B });
    const out = Float64Array.from(run.output);
    // a longer run, a wider batch and streaming in between
    k.backward(k.forward(p, rand(3 * T * 2 * B * I, 7), { batch: 2 * B }), {});
    const st = k.initialState(p, { batch: 1 });
    k.step(st, rand(I, 8));
    expect(Array.from(run.output)).toEqual(Array.from(out));
    const got = k.backward(run, cot);
    expect(Array.from(got.input)).toEqual(Array.from(want.input));
    expect(Array.from(got.params.data)).toEqual(Array.from(want.params.data));
  });

  test("step() streaming equals forward, float32 and float64", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const k = compileCell(lstm(), { inputSize: I, hiddenSize: H, dtype, backend: "wasm" });
      const p = k.initParams({ seed: 2 });
      const x = rand(T * B * I, 3);
      const run = k.forward(p, x, { batch: B });
      const st = k.initialState(p, { batch: B });
      for (let t = 0; t < T; t++) {
        const y = k.step(st, x.subarray(t * B * I, (t + 1) * B * I));
        expect(Array.from(y)).toEqual(Array.from(run.output.subarray(t * B * H, (t + 1) * B * H)));
      }
    }
  });
});

describe.skipIf(!available)("wasm backend: same API and errors as the JS kernels", () => {
  const js = compileCell(lstm(), { inputSize: I, hiddenSize: H, backend: "js" });
  const wk = compileCell(lstm(), { inputSize: I, hiddenSize: H, backend: "wasm" });
  const other = compileCell(lstm(), { inputSize: I + 1, hiddenSize: H, backend: "wasm" });
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };
  const cases: [string, (k: CompiledKernel) => unknown][] = [
    ["x of the wrong size", (k) => k.forward(k.initParams(), rand(7, 1), { batch: B })],
    ["a batch of 0", (k) => k.forward(k.initParams(), rand(T * B * I, 1), { batch: 0 })],
    [
      "bad lengths",
      (k) => k.forward(k.initParams(), rand(T * B * I, 1), { batch: B, lengths: [9, 1, 1] }),
    ],
    ["foreign params", (k) => k.forward(other.initParams(), rand(T * B * I, 1), { batch: B })],
    [
      "a run of another kernel",
      (k) =>
        k.backward(other.forward(other.initParams(), rand(T * B * (I + 1), 1), { batch: B }), {}),
    ],
    [
      "a wrong cotangent",
      (k) =>
        k.backward(k.forward(k.initParams(), rand(T * B * I, 1), { batch: B }), { output: [1, 2] }),
    ],
    ["step with a wrong x", (k) => k.step(k.initialState(k.initParams()), [1])],
  ];
  for (const [what, f] of cases)
    test(what, () => {
      const m = message(() => f(wk));
      expect(m).not.toBe("no error");
      expect(m).toBe(message(() => f(js)));
    });
});

describe.skipIf(!available)("wasm backend: the emitted module", () => {
  test("embeds its bytes, has no imports, and runs in a child node process as in memory", () => {
    const k = compileCell(lstm(), {
      inputSize: I,
      hiddenSize: H,
      dtype: "float32",
      backend: "wasm",
    });
    const src = emitModule(k);
    expect(src).not.toMatch(/^\s*import /m);
    expect(src).toMatch(
      /^export \{ layout, info, params, forward, backward, initialState, step \};$/m,
    );
    const dir = mkdtempSync(join(tmpdir(), "gated-wasm-"));
    const mod = join(dir, "kernel.mjs");
    writeFileSync(mod, src);
    const p = k.initParams({ seed: 5 });
    const x = rand(T * B * I, 6);
    const cot = { output: Array.from(rand(T * B * H, 7)) };
    const script = `
      import * as k from ${JSON.stringify(`file://${mod}`)};
      import { readFileSync } from "node:fs";
      const d = JSON.parse(readFileSync(0, "utf8"));
      const run = k.forward(k.params(d.p), d.x, { batch: ${B}, lengths: ${JSON.stringify(lengths)} });
      const g = k.backward(run, d.cot);
      console.log(JSON.stringify({ y: Array.from(run.output), dp: Array.from(g.params.data), dx: Array.from(g.input) }));`;
    const out = nodeChild(script, { p: Array.from(p.data), x: Array.from(x), cot }) as {
      y: number[];
      dp: number[];
      dx: number[];
    };
    const run = k.forward(p, x, { batch: B, lengths });
    const g = k.backward(run, cot);
    expect(out.y).toEqual(Array.from(run.output));
    expect(out.dp).toEqual(Array.from(g.params.data));
    expect(out.dx).toEqual(Array.from(g.input));
  });
});
