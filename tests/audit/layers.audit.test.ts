/**
 * Audit: sequence layers on compiled kernels vs the interpreter for random cells (stacked,
 * bidirectional, masked incl. length 0), finite-difference check of the whole stack, step()
 * input checks, and a byte-level fuzz of the safetensors reader (only `Error`s, never a crash).
 */

import {
  compileCell,
  defineCell,
  lstm,
  readSafetensors,
  sequenceModel,
  tanh,
  writeSafetensors,
} from "gated";
import { describe, expect, test } from "vitest";
import { safetensorsFile } from "../helpers/safetensorsFile.js";
import { randomCell, rng } from "./cellgen.js";

const rand = (r: () => number, n: number) => Float64Array.from({ length: n }, () => 2 * r() - 1);

describe("audit: sequence layers, compiled vs interpreter", () => {
  test("random cells, 2 layers, bidirectional, masked: forward and backward agree; gradient matches FD", () => {
    const fails: string[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      const r = rng(seed);
      const cell = randomCell(r, `seq${seed}`);
      const spec = {
        cell,
        inputSize: 2,
        hiddenSize: 3,
        numLayers: 2,
        bidirectional: seed % 2 === 0,
      };
      const ref = sequenceModel(spec);
      const cmp = sequenceModel({ ...spec, kernel: compileCell });
      const T = 4,
        B = 3;
      const p = ref.initParams({ seed });
      const x = rand(r, T * B * 2);
      const lengths = [4, 0, 2];
      const initial = Object.fromEntries(
        Object.entries(ref.stateSizes).map(([s, w]) => [s, rand(r, ref.numLayers * ref.D * B * w)]),
      );
      const opts = { batch: B, lengths, initial };
      const a = ref.forward(p, x, opts);
      // layouts are each kernel's own: copy by name
      const pc = cmp.params();
      for (const sl of cmp.layout) pc.get(sl.name).set(p.get(sl.name));
      const b = cmp.forward(pc, x, opts);
      const cot = { output: rand(r, T * B * ref.outputSize) };
      const ga = ref.backward(a, cot),
        gb = cmp.backward(b, cot);
      const close = (what: string, u: ArrayLike<number>, v: ArrayLike<number>) => {
        for (let i = 0; i < v.length; i++) {
          if (!(Math.abs(u[i]! - v[i]!) <= 1e-12 + 1e-10 * Math.abs(v[i]!))) {
            fails.push(`seed ${seed} ${what}[${i}]: ${u[i]} vs ${v[i]}`);
            return;
          }
        }
      };
      close("output", b.output, a.output);
      for (const s of Object.keys(a.final)) close(`final ${s}`, b.final[s]!, a.final[s]!);
      for (const sl of ref.layout)
        close(`d ${sl.name}`, gb.params.get(sl.name), ga.params.get(sl.name));
      close("d input", gb.input, ga.input);
      for (const s of Object.keys(ga.initial))
        close(`d initial ${s}`, gb.initial[s]!, ga.initial[s]!);
      // padded positions: output 0, and sequence 1 (length 0) keeps its initial state... per layer
      for (let t = 0; t < T; t++)
        for (let o = 0; o < ref.outputSize; o++) {
          if (a.output[(t * B + 1) * ref.outputSize + o] !== 0)
            fails.push(`seed ${seed}: padded output nonzero at t=${t}`);
        }
      for (let t = 0; t < T; t++)
        for (let i = 0; i < 2; i++) {
          if (ga.input[(t * B + 1) * 2 + i] !== 0)
            fails.push(`seed ${seed}: gradient reaches a padded input at t=${t}`);
          if (t >= 2 && ga.input[(t * B + 2) * 2 + i] !== 0)
            fails.push(`seed ${seed}: gradient reaches a padded input (b=2, t=${t})`);
        }
      // directional finite difference of <cot, output> w.r.t. params, on the interpreter
      const dir = rand(r, p.data.length);
      const f = (e: number) => {
        const q = ref.params(p.data.map((v, i) => v + e * dir[i]!));
        const o = ref.forward(q, x, opts).output;
        let s = 0;
        for (let i = 0; i < o.length; i++) s += o[i]! * cot.output[i]!;
        return s;
      };
      const h = 1e-5;
      const num = (f(h) - f(-h)) / (2 * h);
      let sym = 0;
      for (let i = 0; i < dir.length; i++) sym += ga.params.data[i]! * dir[i]!;
      if (!(Math.abs(num - sym) <= 1e-6 * (Math.abs(sym) + 1)))
        fails.push(`seed ${seed}: FD ${num} vs grad ${sym}`);
    }
    expect(fails).toEqual([]);
  });
});

describe("audit: state names that are Object.prototype's own (__proto__, constructor)", () => {
  /** The same cell with states named a, b or with hostile names: results must not depend on names. */
  const cellNamed = (s1: string, s2: string) =>
    defineCell({
      name: "named",
      state: Object.fromEntries([
        [s1, "H"],
        [s2, "H"],
      ]),
      output: s1,
      step: (v, { affine }) => {
        const a = tanh(affine("f", v.x, v[s1]!).add(v[s2]!));
        return Object.fromEntries([
          [s1, a],
          [s2, tanh(v[s2]!.mul(0.5).add(a))],
        ]);
      },
    });
  test("sequence layers (2 layers, bidirectional, masked) give the same numbers under any state names", () => {
    const T = 3,
      B = 2;
    const x = Float64Array.from({ length: T * B * 2 }, (_, i) => Math.sin(i));
    const results = [
      ["a", "b"],
      ["__proto__", "constructor"],
    ].flatMap(([s1, s2]) =>
      [undefined, compileCell].map((kernel) => {
        const m = sequenceModel({
          cell: cellNamed(s1!, s2!),
          inputSize: 2,
          hiddenSize: 3,
          numLayers: 2,
          bidirectional: true,
          ...(kernel ? { kernel } : {}),
        });
        const p = m.params();
        const ref = sequenceModel({
          cell: cellNamed("a", "b"),
          inputSize: 2,
          hiddenSize: 3,
          numLayers: 2,
          bidirectional: true,
        });
        const p0 = ref.initParams({ seed: 3 });
        for (const sl of m.layout) p.get(sl.name).set(p0.get(sl.name));
        const w = 2 * 2 * B * 3;
        const initial = Object.fromEntries([
          [s1!, Float64Array.from({ length: w }, (_, i) => i / w)],
          [s2!, Float64Array.from({ length: w }, (_, i) => -i / w)],
        ]);
        const run = m.forward(p, x, { batch: B, lengths: [3, 1], initial });
        const cot = {
          output: new Float64Array(run.output.length).fill(1),
          final: Object.fromEntries([
            [s1!, new Float64Array(w).fill(0.5)],
            [s2!, new Float64Array(w).fill(-0.25)],
          ]),
        };
        const g = m.backward(run, cot);
        const named = (o: Readonly<Record<string, ArrayLike<number>>>) => [
          Array.from(o[s1!]!),
          Array.from(o[s2!]!),
        ];
        return {
          out: Array.from(run.output).map((v) => +v.toFixed(12)),
          final: named(run.final).map((a) => a.map((v) => +v.toFixed(12))),
          gp: m.layout.map((sl) => Array.from(g.params.get(sl.name)).map((v) => +v.toFixed(10))),
          gi: named(g.initial).map((a) => a.map((v) => +v.toFixed(10))),
        };
      }),
    );
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
  });
});

describe("audit: streaming step() input checks", () => {
  test("step() with x of the wrong length throws instead of running several steps", () => {
    const k = compileCell(lstm(), { inputSize: 2, hiddenSize: 3 });
    const p = k.initParams({ seed: 0 });
    const st = k.initialState(p, { batch: 2 });
    expect(() => k.step(st, new Float64Array(8))).toThrow(/step[^]*4 values/);
    expect(() => k.step(st, new Float64Array(3))).toThrow();
    // and the state did not move
    expect(Array.from(st.values["h"]!)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe("audit: safetensors reader never crashes on hostile bytes", () => {
  test("byte mutations, truncations and hostile headers give Errors naming safetensors", () => {
    const good = writeSafetensors({
      w: { dtype: "F64", shape: [2, 3], data: Float64Array.from([1, 2, 3, 4, 5, 6]) },
      b: { dtype: "F32", shape: [3], data: Float32Array.from([1, 2, 3]) },
    });
    expect(readSafetensors(good).get("w")!.shape).toEqual([2, 3]);
    const r = rng(5);
    const bad: string[] = [];
    const attempt = (bytes: Uint8Array, what: string) => {
      try {
        const f = readSafetensors(bytes);
        for (const [, t] of f) {
          const n = t.shape.reduce((a, b) => a * b, 1);
          if (t.data.length !== n)
            bad.push(`${what}: tensor with ${t.data.length} values for shape ${t.shape}`);
        }
      } catch (e) {
        if (!(e instanceof Error) || !/safetensors/.test(e.message))
          bad.push(`${what}: ${String(e)}`);
      }
    };
    for (let i = 0; i < 400; i++) {
      const b = good.slice();
      const k = 1 + Math.floor(r() * 4);
      for (let j = 0; j < k; j++)
        b[Math.floor(r() * Math.min(b.length, 8 + 120))] = Math.floor(r() * 256);
      attempt(b, `mutation ${i}`);
    }
    for (let n = 0; n < good.length; n += 3) attempt(good.slice(0, n), `truncated to ${n}`);
    for (const h of [
      '{"__proto__": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}',
      '{"a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}, "a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}',
      '{"a": {"dtype": "F64", "shape": [-1], "data_offsets": [0, 8]}}',
      '{"a": {"dtype": "F64", "shape": [1e300], "data_offsets": [0, 8]}}',
      '{"a": {"dtype": "F64", "shape": [1.5], "data_offsets": [0, 12]}}',
      '{"a": {"dtype": "F64", "shape": [1], "data_offsets": [8, 0]}}',
      '{"a": {"dtype": "F64", "shape": [1], "data_offsets": [4, 12]}}',
      '{"a": {"dtype": "F64", "shape": [2], "data_offsets": [0, 8]}}',
      '{"a": {"dtype": "X9", "shape": [1], "data_offsets": [0, 8]}}',
      '{"a": {"dtype": "F64", "shape": "1", "data_offsets": [0, 8]}}',
      '{"a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}, "__metadata__": {"k": 3}}',
      "[]",
      "null",
      '{"a": null}',
      '{"a": 1}',
    ])
      attempt(safetensorsFile(h, new Uint8Array(8)), h);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
    attempt(huge, "header length 2^63");
    expect(bad).toEqual([]);
  });
});
