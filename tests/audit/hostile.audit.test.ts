/**
 * Audit: hostile names through every API that accepts names (the emitted source must stay valid
 * and never run injected code), and hostile values (NaN, |x| = 1e4) through compiled kernels.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  compileCell,
  defineCell,
  emitModule,
  emitTypes,
  input,
  type Kernel,
  lstm,
  matvec,
  type Params,
  param,
  printSchedule,
  type Recurrence,
  referenceKernel,
  sigmoid,
  tanh,
} from "gated";
import ts from "typescript";
import { afterAll, describe, expect, test } from "vitest";

/** The same parameter values in another kernel's layout (layouts are the compiler's own). */
function byName(k: Kernel, p: Params): Params {
  const q = k.params();
  for (const s of k.layout) q.get(s.name).set(p.get(s.name));
  return q;
}

const HOSTILE = [
  `a"b'c`,
  "t`${globalThis.pwned=1}`",
  "*/ globalThis.pwned = 1; /*",
  "x\nglobalThis.pwned = 1 //",
  "\u2028globalThis.pwned=1",
  "__proto__",
  "constructor",
  "é漢字🙂",
  "$F",
  "$gemm",
  "h'",
  "</script><script>globalThis.pwned=1</script>",
  '\\"); globalThis.pwned=1; ("',
];

/** Names leaves accept (identifiers: letters, digits, _, ') that are hostile to emitted JS. */
const LEAF_HOSTILE = [
  "__proto__",
  "constructor",
  "é漢字",
  "h'",
  "function",
  "toString",
  "Math",
  "arguments",
  "eval",
  "ǅx",
  "a''",
  "_",
  "hasOwnProperty",
  "Float64Array",
  "prototype",
  "x_",
  "T",
  "B",
  "P",
  "len",
  "forward",
  "layout",
  "info",
  "params",
];

/**
 * A raw recurrence (not through defineCell): hostile cell name (any string), hostile
 * identifier-like leaf names (the graph only takes identifiers for leaves).
 */
function hostileRecurrence(k: number): Recurrence {
  const L = LEAF_HOSTILE;
  const nm = (i: number) => L[(k * 4 + i) % L.length]!;
  const x = input("x", ["I"]);
  const s1 = input(nm(0), ["H"]);
  const s2 = input(nm(1) === "x" ? "x2" : nm(1), ["H"]);
  const U = param(nm(2), ["H", "I"]);
  const W = param(nm(3), ["H", "H"]);
  const b = param(`${nm(2)}'`, ["H"]);
  const d = param(`${nm(3)}_d`, ["H"]);
  const f = sigmoid(matvec(U, x).add(matvec(W, s1)).add(b).add(d.mul(s2)));
  const n1 = f.mul(s1).add(
    f
      .neg()
      .add(1)
      .mul(tanh(matvec(W, s2.add(x.sum())))),
  );
  const n2 = tanh(s2.add(n1));
  return {
    name: HOSTILE[k % HOSTILE.length]!,
    x,
    state: [
      { name: s1.label!, node: s1, next: n1 },
      { name: s2.label!, node: s2, next: n2 },
    ],
    output: n1,
    params: [U, W, b, d],
  };
}

describe("audit: hostile names never reach emitted source unescaped", () => {
  const dir = mkdtempSync(join(tmpdir(), "gated-hostile-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("compileCell + emitModule + emitTypes + printSchedule with hostile cell, state and parameter names", () => {
    const results: { file: string; layout: string[]; states: string[] }[] = [];
    for (let k = 0; k < Math.max(HOSTILE.length, LEAF_HOSTILE.length / 4); k++) {
      const rec = hostileRecurrence(k);
      const kern = compileCell(rec, {
        inputSize: 2,
        hiddenSize: 3,
        dtype: k % 2 ? "float32" : "float64",
      });
      expect(kern.layout.map((s) => s.name)).toEqual(rec.params.map((p) => p.label));
      expect(Object.keys(kern.stateSizes)).toEqual(rec.state.map((s) => s.name));
      // in-memory kernel agrees with the reference (names did not confuse the layout)
      const ref = referenceKernel(rec, { inputSize: 2, hiddenSize: 3 });
      const p = kern.initParams({ seed: k });
      const x = Float64Array.from({ length: 3 * 2 * 2 }, (_, i) => Math.sin(i + k));
      const run = kern.forward(p, x, { batch: 2 });
      const rr = ref.forward(byName(ref, p), x, { batch: 2 });
      run.output.forEach((v, i) => expect(v).toBeCloseTo(rr.output[i]!, k % 2 ? 5 : 12));
      expect(Object.keys(run.final).sort()).toEqual(rec.state.map((s) => s.name).sort());
      // the state named __proto__ must be an own property, usable as an initial value
      for (const s of rec.state) expect(Object.hasOwn(run.final, s.name)).toBe(true);
      const src = emitModule(kern);
      expect(() => new Function(src.replace(/^export .*$/m, ""))).not.toThrow();
      printSchedule(kern.schedule); // must not throw
      // the .d.ts parses
      const dts = emitTypes(kern);
      const sf = ts.createSourceFile("m.d.ts", dts, ts.ScriptTarget.ES2020, true);
      const diags = (sf as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
      expect(diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
      const file = join(dir, `h${k}.mjs`);
      writeFileSync(file, src);
      results.push({
        file,
        layout: rec.params.map((q) => q.label!),
        states: rec.state.map((s) => s.name),
      });
    }
    const script = `
      const files = JSON.parse(process.argv[1]);
      const out = [];
      for (const f of files) {
        const m = await import("file://" + f.file);
        const p = m.params();
        for (const name of f.layout) p.get(name); // every hostile name addresses its slot
        const init = {};
        for (const s of f.states) init[s] = new Float64Array(3).fill(0.1);
        const run = m.forward(p, new Float64Array(4), { batch: 1, initial: init });
        const g = m.backward(run, { output: new Float64Array(6).fill(1) });
        const st = m.initialState(p);
        m.step(st, new Float64Array(2));
        out.push({ layout: m.layout.map((l) => l.name), info: m.info.name, states: Object.keys(run.final), gstates: Object.keys(g.initial),
          stream: Object.keys(st.values) });
      }
      console.log(JSON.stringify({ pwned: globalThis.pwned ?? null, out }));`;
    const res = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", script, JSON.stringify(results)],
      { encoding: "utf8" },
    );
    expect(res.stderr).toBe("");
    const o = JSON.parse(res.stdout);
    expect(o.pwned).toBe(null);
    o.out.forEach(
      (
        m: {
          layout: string[];
          info: string;
          states: string[];
          gstates: string[];
          stream: string[];
        },
        k: number,
      ) => {
        expect(m.layout).toEqual(results[k]!.layout);
        expect(m.info).toBe(hostileRecurrence(k).name);
        expect(m.states.sort()).toEqual([...results[k]!.states].sort());
        expect(m.gstates.sort()).toEqual([...results[k]!.states].sort());
        expect(m.stream.sort()).toEqual([...results[k]!.states].sort());
      },
    );
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
  });

  test("hostile names given to intermediate values (ctx.let) reach buffer names and comments only escaped", () => {
    const dir2 = mkdtempSync(join(tmpdir(), "gated-let-"));
    try {
      const cell = defineCell({
        name: "lets",
        state: { h: "H", c: "H" },
        step: ({ x, h, c }, ctx) => {
          const names = [...HOSTILE, ...LEAF_HOSTILE];
          let a = ctx.affine("f", x!, h!);
          const vals: ReturnType<typeof tanh>[] = [];
          names.forEach((n, i) => {
            a = ctx.let(n, i % 2 ? tanh(a) : sigmoid(a).mul(c!));
            vals.push(a);
          });
          return {
            h: ctx.let("h\n*/ globalThis.pwned = 1 /*", vals.at(-1)!),
            c: ctx.let("`${globalThis.pwned = 1}`", tanh(c!.add(vals[3]!))),
          };
        },
      });
      for (const dtype of ["float64", "float32"] as const) {
        const k = compileCell(cell, { inputSize: 2, hiddenSize: 3, dtype });
        const src = emitModule(k);
        const file = join(dir2, `lets_${dtype}.mjs`);
        writeFileSync(file, src);
        const p = k.initParams({ seed: 1 });
        const x = Float64Array.from({ length: 2 * 2 * 2 }, (_, i) => Math.sin(i));
        const run = k.forward(p, x, { batch: 2 });
        const script = `const m = await import(${JSON.stringify("file://" + file)});
          const i = JSON.parse(process.argv[1]); const run = m.forward(m.params(i.p), i.x, { batch: 2 });
          console.log(JSON.stringify({ pwned: globalThis.pwned ?? null, out: Array.from(run.output) }));`;
        const res = spawnSync(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            script,
            JSON.stringify({ p: Array.from(p.data), x: Array.from(x) }),
          ],
          { encoding: "utf8" },
        );
        expect(res.stderr).toBe("");
        const o = JSON.parse(res.stdout);
        expect(o.pwned).toBe(null);
        expect(o.out).toEqual(Array.from(run.output));
        const ref = referenceKernel(cell, { inputSize: 2, hiddenSize: 3 });
        const rr = ref.forward(byName(ref, p), x, { batch: 2 });
        run.output.forEach((v, i) =>
          expect(v).toBeCloseTo(rr.output[i]!, dtype === "float64" ? 12 : 5),
        );
        expect(() => printSchedule(k.schedule)).not.toThrow();
      }
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
  });

  test("defineCell accepts unicode identifiers and primes, rejects the rest naming the cell", () => {
    const mk = (name: string, pname = "U_f", sname = "h") =>
      defineCell({
        name,
        state: { [sname]: "H" },
        step: (v, { param: p }) => ({
          [sname]: tanh(matvec(p(pname, ["H", "I"]), v.x).add(v[sname]!)),
        }),
      });
    const c = mk("zelle_é", "Ü_ß'", "état");
    const k = compileCell(c, { inputSize: 2, hiddenSize: 2 });
    expect(k.layout.map((s) => s.name)).toEqual(["Ü_ß'"]);
    expect(() => new Function(emitModule(k).replace(/^export .*$/m, ""))).not.toThrow();
    for (const bad of HOSTILE.filter((h) => !/^[\p{L}_][\p{L}\p{N}_']*$/u.test(h))) {
      expect(() => mk(bad)).toThrow(/cell [^]*: the name must be an identifier/);
      expect(() => mk("ok", bad)).toThrow(/cell "ok": parameter name [^]* must be an identifier/);
      expect(() => mk("ok", "U", bad)).toThrow(/cell "ok": state name [^]* must be an identifier/);
    }
  });

  test("a state named __proto__ works through defineCell, the reference kernel and the compiler", () => {
    const cell = defineCell({
      name: "proto",
      state: Object.fromEntries([["__proto__", "H"]]),
      step: (v, { affine }) =>
        Object.fromEntries([["__proto__", tanh(affine("f", v.x, v["__proto__"]!))]]),
    });
    expect(cell.state.map((s) => s.name)).toEqual(["__proto__"]);
    const ref = referenceKernel(cell, { inputSize: 2, hiddenSize: 3 });
    const k = compileCell(cell, { inputSize: 2, hiddenSize: 3 });
    const p = k.initParams({ seed: 1 });
    const x = Float64Array.from({ length: 2 * 2 }, (_, i) => i / 3);
    const a = k.forward(p, x, { batch: 1 });
    const b = ref.forward(byName(ref, p), x, { batch: 1 });
    expect(Array.from(a.output)).toEqual(
      Array.from(b.output).map((v, i) => (Math.abs(v - a.output[i]!) < 1e-14 ? a.output[i] : v)),
    );
  });
});

describe("audit: hostile values through compiled kernels", () => {
  test("NaN in x propagates to the outputs it reaches, nothing throws, other sequences stay finite", () => {
    const cell = lstm();
    for (const dtype of ["float64", "float32"] as const) {
      const k = compileCell(cell, { inputSize: 2, hiddenSize: 3, dtype });
      const p = k.initParams({ seed: 1 });
      const x = new Float64Array(3 * 2 * 2).fill(0.5);
      x[2 * 2 + 0] = NaN; // t = 1, b = 0
      const run = k.forward(p, x, { batch: 2 });
      const O = k.outputSize;
      expect(run.output.slice(0, 2 * O).every(Number.isFinite)).toBe(true); // t = 0
      expect(Number.isNaN(run.output[2 * O])).toBe(true); // t = 1, b = 0
      for (let t = 0; t < 3; t++)
        expect(run.output.slice((t * 2 + 1) * O, (t * 2 + 2) * O).every(Number.isFinite)).toBe(
          true,
        );
      const g = k.backward(run, { output: new Float64Array(run.output.length).fill(1) });
      expect(g.params.data.some(Number.isNaN)).toBe(true);
      expect(g.initial["h"]!.slice(3).every(Number.isFinite)).toBe(true);
    }
  });

  test("|x| = 1e4 through an LSTM: finite outputs and gradients equal to the reference", () => {
    const cell = lstm();
    const ref = referenceKernel(cell, { inputSize: 2, hiddenSize: 3 });
    for (const dtype of ["float64", "float32"] as const) {
      const k = compileCell(cell, { inputSize: 2, hiddenSize: 3, dtype });
      const p = k.initParams({ seed: 2 });
      const x = Float64Array.from({ length: 4 * 2 * 2 }, (_, i) =>
        i % 3 === 0 ? 1e4 : i % 3 === 1 ? -1e4 : 0.3,
      );
      const run = k.forward(p, x, { batch: 2 });
      const rr = ref.forward(byName(ref, p), x, { batch: 2 });
      const cot = {
        output: new Float64Array(run.output.length).fill(1),
        final: { c: new Float64Array(6).fill(1) },
      };
      const g = k.backward(run, cot);
      const rg = ref.backward(rr, cot);
      for (const arr of [run.output, g.params.data, g.input, g.initial["h"]!, g.initial["c"]!])
        expect(arr.every(Number.isFinite)).toBe(true);
      const tol = dtype === "float64" ? 1e-9 : 1e-2;
      g.params.data.forEach((v, i) =>
        expect(Math.abs(v - rg.params.data[i]!)).toBeLessThanOrEqual(
          tol * (1 + Math.abs(rg.params.data[i]!)),
        ),
      );
    }
  });
});
