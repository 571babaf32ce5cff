/** Shared helpers of the codegen suites: seeded data and compiled-vs-reference comparison. */

import { execFileSync } from "node:child_process";
import {
  availableBackends,
  type BackendName,
  type CompiledKernel,
  compileCell,
  type DType,
  type Recurrence,
  referenceKernel,
} from "@gated/codegen";
import type { Sizes } from "@gated/graph";
import { expect } from "vitest";

/** The bytes of a float array (bitwise comparison, -0 and NaN payloads included). */
export const bits = (a: ArrayLike<number>): number[] => {
  const f = a as Float32Array;
  return Array.from(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
};

/** Seeded values in [-1, 1). */
export function rand(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296) * 2 - 1;
  });
}

/** max |a − b| / max |b|. */
export function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 0;
  let e = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e === 0 ? 0 : e / Math.max(scale, 1e-300);
}

/**
 * A kernel's text run with a WebAssembly whose Memory records every instance made (the wasm
 * backend's one memory, to watch it grow): the module's API and the memories.
 */
export function withMemories<Api>(k: CompiledKernel): {
  api: Api;
  mems: { buffer: ArrayBuffer }[];
} {
  const mems: { buffer: ArrayBuffer }[] = [];
  const WA = (globalThis as unknown as { WebAssembly: Record<string, unknown> }).WebAssembly;
  const Mem = WA["Memory"] as new (d: object) => { buffer: ArrayBuffer };
  class Recorded extends Mem {
    constructor(d: object) {
      super(d);
      mems.push(this);
    }
  }
  const shim = {
    ...WA,
    Memory: Recorded,
    Module: WA["Module"],
    Instance: WA["Instance"],
    validate: WA["validate"],
  };
  const api = new Function(
    "$wasmBytes",
    "WebAssembly",
    `"use strict";\n${k.source}\nreturn { params, forward, backward, initialState, step };`,
  )(k.wasm, shim) as Api;
  return { api, mems };
}

/**
 * The backends every differential suite runs on: each registered backend that can run here, so
 * a backend is covered the moment it registers.
 */
export const BACKENDS = availableBackends().map((b) => b.name as BackendName);

export interface CompareOptions {
  /** The backend compiling the kernel (default: the default backend). */
  backend?: BackendName;
  I?: number;
  H?: number;
  T?: number;
  B?: number;
  lengths?: number[];
  sizes?: Sizes;
  dtype?: DType;
  tol?: number;
  seed?: number;
}

/**
 * Runs the compiled kernel and the reference interpreter on the same seeded parameters, inputs,
 * initial states and cotangents, and expects every output and gradient to agree.
 */
export function compareWithReference(cell: Recurrence, o: CompareOptions = {}): CompiledKernel {
  const { I = 3, H = 4, T = 5, B = 2, lengths, sizes, dtype = "float64", seed = 1 } = o;
  const tol = o.tol ?? (dtype === "float64" ? 1e-12 : 1e-4);
  const kopts = { inputSize: I, hiddenSize: H, ...(sizes ? { sizes } : {}) };
  const ref = referenceKernel(cell, kopts);
  const k = compileCell(cell, { ...kopts, dtype, ...(o.backend ? { backend: o.backend } : {}) });
  const p = ref.initParams({ seed });
  const pk = k.params();
  for (const s of k.layout) pk.get(s.name).set(p.get(s.name));
  const x = rand(T * B * ref.inputSize, seed + 1);
  const initial = Object.fromEntries(
    Object.entries(ref.stateSizes).map(([n, w], i) => [
      n,
      rand(B * w, seed + 10 + i).map((v) => v * 0.5),
    ]),
  );
  const opts = { batch: B, initial, ...(lengths ? { lengths } : {}) };
  const r1 = ref.forward(p, x, opts);
  const r2 = k.forward(pk, x, opts);
  expect(maxRel(r2.output, r1.output), "output").toBeLessThanOrEqual(tol);
  for (const n of Object.keys(r1.final))
    expect(maxRel(r2.final[n]!, r1.final[n]!), `final ${n}`).toBeLessThanOrEqual(tol);
  const cot = {
    output: rand(T * B * ref.outputSize, seed + 5),
    final: Object.fromEntries(
      Object.entries(ref.stateSizes).map(([n, w], i) => [n, rand(B * w, seed + 20 + i)]),
    ),
  };
  const g1 = ref.backward(r1, cot);
  const g2 = k.backward(r2, cot);
  expect(maxRel(g2.input, g1.input), "∂x").toBeLessThanOrEqual(tol);
  for (const s of k.layout)
    expect(maxRel(g2.params.get(s.name), g1.params.get(s.name)), `∂${s.name}`).toBeLessThanOrEqual(
      tol,
    );
  for (const n of Object.keys(g1.initial))
    expect(maxRel(g2.initial[n]!, g1.initial[n]!), `∂${n}₀`).toBeLessThanOrEqual(tol);
  return k;
}

/** What expectSameRun drives: a compiled kernel, an emitted module or its threads(n). */
interface Runner {
  forward(
    p: never,
    x: ArrayLike<number>,
    o: never,
  ): { output: ArrayLike<number>; final: Record<string, ArrayLike<number>> };
  backward(
    r: never,
    cot: never,
  ): {
    params: { data: ArrayLike<number> };
    input: ArrayLike<number>;
    initial: Record<string, ArrayLike<number>>;
  };
}

/**
 * One forward and backward on each runner: output, final states, ∂input and ∂initial states
 * bitwise equal. Returns the first run and both gradients; the caller bounds ∂params (sums may reassociate).
 */
export function expectSameRun(
  one: Runner,
  many: Runner,
  p: unknown,
  x: ArrayLike<number>,
  o: unknown,
  cot: unknown,
): {
  a: ReturnType<Runner["forward"]>;
  ga: ReturnType<Runner["backward"]>;
  gb: ReturnType<Runner["backward"]>;
} {
  const a = one.forward(p as never, x, o as never);
  const b = many.forward(p as never, x, o as never);
  expect(b.output).toEqual(a.output);
  expect(b.final).toEqual(a.final);
  const ga = one.backward(a as never, cot as never);
  const gb = many.backward(b as never, cot as never);
  expect(gb.input).toEqual(ga.input);
  expect(gb.initial).toEqual(ga.initial);
  return { a, ga, gb };
}

/**
 * Runs `script` (an ES module that reads JSON on stdin) in a child node with `flags` before it,
 * `input` as JSON on its stdin; returns its stdout parsed as JSON.
 */
export function nodeChild(script: string, input: unknown, flags: readonly string[] = []): unknown {
  return JSON.parse(
    execFileSync(process.execPath, [...flags, "--input-type=module", "-e", script], {
      input: JSON.stringify(input),
      encoding: "utf8",
    }),
  );
}
