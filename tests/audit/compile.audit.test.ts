/**
 * Audit: compiled kernels (float64 and float32) against the reference kernel for random cells
 * built with defineCell / parseCell, awkward sizes (T=0, T=1, B=1), masked lengths incl. 0,
 * step() streaming vs forward, and emitModule imported in a child process.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Cell,
  compileCell,
  concat,
  emitModule,
  type FloatArray,
  input,
  type Kernel,
  matvec,
  minifyModule,
  type Node,
  param,
  parseCell,
  type Recurrence,
  referenceKernel,
  sigmoid,
  sum,
  tanh,
} from "gated";
import { afterAll, describe, expect, test } from "vitest";
import { AUDIT_BACKENDS } from "./backends.js";
import { randomCell, rng, wideCell } from "./cellgen.js";

const N = Number(process.env["FC_RUNS"] ?? 40);
/** Every suite below runs once per available backend. */
const eachBackend = describe.each(AUDIT_BACKENDS);

function randArray(r: () => number, n: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => (2 * r() - 1) * scale);
}

/** Max of |a−b| / max(|b|, floor·max|b|, tiny) over all elements. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  expect(a.length).toBe(b.length);
  let mag = 0;
  for (let i = 0; i < b.length; i++) mag = Math.max(mag, Math.abs(b[i]!));
  let w = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor * mag, 1e-300);
    if (!(d <= w)) w = Number.isNaN(d) ? Infinity : d;
  }
  return w;
}

interface Case {
  T: number;
  B: number;
  lengths?: number[];
}

function runBoth(cell: Cell, I: number, H: number, c: Case, r: () => number, kernels: Kernel[]) {
  const ref = referenceKernel(cell, { inputSize: I, hiddenSize: H });
  const p64 = ref.initParams({ seed: 7 });
  // perturb so biases etc. are not symmetric
  const pdata = Float64Array.from(p64.data, (v) => v + 0.3 * (2 * r() - 1));
  const x = randArray(r, c.T * c.B * I);
  const initial: Record<string, Float64Array> = {};
  for (const [s, w] of Object.entries(ref.stateSizes)) initial[s] = randArray(r, c.B * w, 0.5);
  const opts = { batch: c.B, initial, ...(c.lengths ? { lengths: c.lengths } : {}) };
  const run = ref.forward(ref.params(pdata), x, opts);
  const cot = {
    output: randArray(r, c.T * c.B * ref.outputSize),
    final: Object.fromEntries(
      Object.entries(ref.stateSizes).map(([s, w]) => [s, randArray(r, c.B * w)]),
    ),
  };
  const g = ref.backward(run, cot);
  const results = kernels.map((k) => {
    const kp = k.params();
    for (const s of k.layout) kp.get(s.name).set(ref.params(pdata).get(s.name));
    const kr = k.forward(kp, x, opts);
    const kg = k.backward(kr, cot);
    return { k, run: kr, g: kg, params: kp };
  });
  return { ref, run, g, results, x, initial, pdata };
}

function compare(
  label: string,
  ref: ReturnType<typeof runBoth>,
  tol: number,
  floor: number,
  fails: string[],
) {
  for (const { k, run, g } of ref.results) {
    const tag = `${label} ${k.dtype}`;
    const chk = (what: string, a: ArrayLike<number>, b: ArrayLike<number>) => {
      const w = worst(a, b, floor);
      if (!(w <= tol)) fails.push(`${tag}: ${what} rel err ${w}`);
    };
    chk("output", run.output, ref.run.output);
    for (const s of Object.keys(ref.run.final)) chk(`final ${s}`, run.final[s]!, ref.run.final[s]!);
    chk("d input", g.input, ref.g.input);
    for (const s of Object.keys(ref.g.initial))
      chk(`d initial ${s}`, g.initial[s]!, ref.g.initial[s]!);
    for (const s of ref.ref.layout)
      chk(`d ${s.name}`, g.params.get(s.name), ref.g.params.get(s.name));
  }
}

eachBackend("audit (%s): compileCell vs referenceKernel on random cells", (backend) => {
  /** Compiles each random cell in both dtypes and compares every case with the reference. */
  function sweep(
    make: (r: () => number, seed: number) => Cell,
    base: number,
    maxI: number,
    maxH: number,
    cases: readonly Case[],
  ) {
    const fails: string[] = [];
    for (let seed = 1; seed <= N; seed++) {
      const r = rng(base + seed);
      const cell = make(r, seed);
      const I = 1 + Math.floor(r() * maxI),
        H = 1 + Math.floor(r() * maxH);
      let k64: Kernel, k32: Kernel;
      try {
        k64 = compileCell(cell, { backend, inputSize: I, hiddenSize: H, dtype: "float64" });
        k32 = compileCell(cell, { backend, inputSize: I, hiddenSize: H, dtype: "float32" });
      } catch (e) {
        fails.push(`${cell.name}: compile threw ${(e as Error).message}`);
        continue;
      }
      for (const c of cases) {
        const label = `${cell.name} I=${I} H=${H} T=${c.T} B=${c.B}${c.lengths ? ` len=${c.lengths}` : ""}`;
        let res;
        try {
          res = runBoth(cell, I, H, c, r, [k64, k32]);
        } catch (e) {
          fails.push(`${label}: threw ${(e as Error).message}`);
          continue;
        }
        compare(label, { ...res, results: res.results.slice(0, 1) }, 1e-12, 1e-4, fails);
        compare(label, { ...res, results: res.results.slice(1) }, 1e-4, 1e-2, fails);
      }
    }
    expect(fails.slice(0, 12)).toEqual([]);
  }

  test("float64 ≤ 1e-12 relative, float32 ≤ 1e-4 relative to the float64 reference", () => {
    sweep((r, seed) => randomCell(r, `rc${seed}`), 0, 5, 7, [
      { T: 3, B: 2 },
      { T: 1, B: 1 },
      { T: 0, B: 2 },
      { T: 4, B: 3, lengths: [4, 0, 2] },
      { T: 2, B: 1, lengths: [0] },
    ]);
  });

  test("wide op set (reductions, softmax, where, max/min, outer, matmul, scalar params): f64 and f32 vs reference", () => {
    sweep((r, seed) => wideCell(r, `wc${seed}`), 7000, 3, 5, [
      { T: 3, B: 2 },
      { T: 2, B: 3, lengths: [2, 0, 1] },
    ]);
  });

  test("hidden size 0 (empty state): compiled kernels run like the reference (no ReferenceError from generated code)", () => {
    const fails: string[] = [];
    for (let seed = 1; seed <= 6; seed++) {
      const r = rng(300 + seed);
      const cell = randomCell(r, `z${seed}`); // (wide cells take max over H: undefined when empty)
      const ks = (["float64", "float32"] as const).map((dtype) =>
        compileCell(cell, { backend, inputSize: 2, hiddenSize: 0, dtype }),
      );
      try {
        const res = runBoth(cell, 2, 0, { T: 2, B: 2, lengths: [2, 1] }, r, ks);
        compare(`${cell.name} H=0`, res, 0, 0, fails);
      } catch (e) {
        fails.push(`${cell.name} H=0: threw ${(e as Error).message}`);
      }
    }
    expect(fails).toEqual([]);
  });

  test("raw recurrences whose output is no state: a scalar, [I]-sized, a concat, a gate, x, a previous state", () => {
    const x = input("x", ["I"]),
      h = input("h", ["H"]),
      c = input("c", ["H"]);
    const U = param("U", ["H", "I"]),
      W = param("W", ["H", "H"]),
      V = param("V", ["I", "H"]);
    const f = sigmoid(matvec(U, x).add(matvec(W, h)));
    const cn = f.mul(c).add(tanh(matvec(W, h)));
    const hn = tanh(cn).mul(f);
    const outs: Node[] = [
      sum(hn.mul(cn)),
      tanh(matvec(V, hn)),
      concat([hn, cn], 0),
      f,
      x.mul(2),
      c,
    ];
    const fails: string[] = [];
    const r = rng(77);
    outs.forEach((output, i) => {
      const rec: Recurrence = {
        name: `out${i}`,
        x,
        state: [
          { name: "h", node: h, next: hn },
          { name: "c", node: c, next: cn },
        ],
        output,
        params: [U, W, V],
      };
      const kernels = (["float64", "float32"] as const).map((dtype) =>
        compileCell(rec, { backend, inputSize: 2, hiddenSize: 3, dtype }),
      );
      const res = runBoth(rec as Cell, 2, 3, { T: 3, B: 2, lengths: [3, 1] }, r, kernels);
      compare(rec.name, { ...res, results: res.results.slice(0, 1) }, 1e-12, 1e-4, fails);
      compare(rec.name, { ...res, results: res.results.slice(1) }, 1e-4, 1e-2, fails);
    });
    expect(fails).toEqual([]);
  });

  test("sizes across the product kernels' tile edges (H = 65, I = 33, B = 3, 5)", () => {
    const fails: string[] = [];
    const r = rng(4242);
    for (const [make, I, H, B] of [
      [() => randomCell(rng(3), "big3"), 33, 65, 3],
      [() => wideCell(rng(7003), "bigw"), 5, 33, 5],
    ] as const) {
      const cell = make();
      const k64 = compileCell(cell, { backend, inputSize: I, hiddenSize: H, dtype: "float64" });
      const res = runBoth(
        cell,
        I,
        H,
        { T: 2, B, lengths: Array.from({ length: B }, (_, b) => b % 3) },
        r,
        [k64],
      );
      compare(`${cell.name} I=${I} H=${H}`, res, 1e-12, 1e-4, fails);
    }
    expect(fails.slice(0, 12)).toEqual([]);
  });

  test("step() streaming over T steps equals forward over the sequence", () => {
    const fails: string[] = [];
    for (let seed = 500; seed < 500 + Math.ceil(N / 3); seed++) {
      const r = rng(seed);
      const cell = randomCell(r, `st${seed}`);
      const I = 2,
        H = 3,
        T = 4,
        B = 2;
      for (const dtype of ["float64", "float32"] as const) {
        const k = compileCell(cell, { backend, inputSize: I, hiddenSize: H, dtype });
        const p = k.initParams({ seed });
        const x = randArray(r, T * B * I);
        const run = k.forward(p, x, { batch: B });
        const st = k.initialState(p, { batch: B });
        const outs: number[] = [];
        for (let t = 0; t < T; t++)
          outs.push(...k.step(st, x.subarray(t * B * I, (t + 1) * B * I)));
        // bit-identical in both dtypes: the stream state is kept in float64 between calls, as forward keeps it
        const tol = 0;
        const wo = worst(outs, run.output, 1e-2);
        if (!(wo <= tol))
          fails.push(`seed ${seed} ${dtype}: step outputs differ from forward by ${wo}`);
        for (const s of Object.keys(run.final)) {
          // the stream keeps float64; forward hands its final state out rounded to the dtype
          const sv = dtype === "float32" ? Float32Array.from(st.values[s]!) : st.values[s]!;
          const ws = worst(sv, run.final[s]!, 1e-2);
          if (!(ws <= tol)) fails.push(`seed ${seed} ${dtype}: step state ${s} differs by ${ws}`);
        }
      }
    }
    expect(fails).toEqual([]);
  });
});

eachBackend("audit (%s): equation-syntax cells compile like builder cells", (backend) => {
  const texts = [
    // output is not h; a parameter used in a matvec and elementwise; constants; three states
    `cell odd(x[I]; h[H], c[H], m[H]) {
      f = sigmoid(U_f x + W_f h + b_f + p_f * c)
      i = sigmoid(U_i x + W_f (f * h) + b_i)
      g = tanh(U_g x + W_g h + b_f)
      c' = f * c + i * g
      m' = 0.5 * m + 0.5 * tanh(c')
      h' = tanh(c') * (1 - f) + b_i * h
    }`,
    `cell shared(x[I]; h[H]) {
      z = sigmoid(U x + W h + b)
      n = tanh(U x + W (z * h) + b)
      h' = (1 - z) * h + z * n
    }`,
  ];
  test.each(texts.map((t, i) => [i, t] as const))(
    "text cell %i: compiled f64/f32 vs reference",
    (_i, text) => {
      const cell = parseCell(text);
      const fails: string[] = [];
      const r = rng(99);
      for (const [I, H] of [
        [1, 1],
        [3, 2],
        [2, 5],
      ] as const) {
        const k64 = compileCell(cell, { backend, inputSize: I, hiddenSize: H, dtype: "float64" });
        const k32 = compileCell(cell, { backend, inputSize: I, hiddenSize: H, dtype: "float32" });
        for (const c of [
          { T: 3, B: 2 },
          { T: 0, B: 1 },
          { T: 5, B: 3, lengths: [5, 0, 1] },
        ] as Case[]) {
          const res = runBoth(cell, I, H, c, r, [k64, k32]);
          compare(
            `${cell.name} I=${I} H=${H} T=${c.T}`,
            { ...res, results: res.results.slice(0, 1) },
            1e-12,
            1e-4,
            fails,
          );
          compare(
            `${cell.name} I=${I} H=${H} T=${c.T}`,
            { ...res, results: res.results.slice(1) },
            1e-4,
            1e-2,
            fails,
          );
        }
      }
      expect(fails).toEqual([]);
    },
  );
});

eachBackend("audit (%s): emitModule imported in a child process", (backend) => {
  const dir = mkdtempSync(join(tmpdir(), "gated-audit-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("the minified module gives the same numbers as the readable one", async () => {
    const cell = randomCell(rng(8), "mini");
    const k = compileCell(cell, { backend, inputSize: 2, hiddenSize: 3, dtype: "float64" });
    const file = join(dir, "mini.mjs");
    writeFileSync(file, await minifyModule(emitModule(k)));
    const p = k.initParams({ seed: 8 });
    const x = Array.from({ length: 3 * 2 * 2 }, (_, i) => Math.cos(i));
    const script = `const m = await import(${JSON.stringify("file://" + file)});
      const i = JSON.parse(process.argv[1]); const run = m.forward(m.params(i.p), i.x, { batch: 2 });
      const g = m.backward(run, { output: new Float64Array(run.output.length).fill(1) });
      console.log(JSON.stringify({ out: Array.from(run.output), gp: Array.from(g.params.data) }));`;
    const res = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", script, JSON.stringify({ p: Array.from(p.data), x })],
      { encoding: "utf8" },
    );
    expect(res.stderr).toBe("");
    const o = JSON.parse(res.stdout);
    const run = k.forward(p, x, { batch: 2 });
    expect(o.out).toEqual(Array.from(run.output));
    expect(o.gp).toEqual(
      Array.from(
        k.backward(run, { output: new Float64Array(run.output.length).fill(1) }).params.data,
      ),
    );
  });

  test("the standalone module gives the in-memory kernel's numbers, forward, backward and step", () => {
    for (const seed of [3, 11, 42]) {
      for (const dtype of ["float64", "float32"] as const) {
        const r = rng(seed);
        const cell = randomCell(r, `mod${seed}`);
        const I = 2,
          H = 3,
          T = 3,
          B = 2;
        const k = compileCell(cell, { backend, inputSize: I, hiddenSize: H, dtype });
        const p = k.initParams({ seed });
        const x = randArray(r, T * B * I);
        const cotOut = randArray(r, T * B * k.outputSize);
        const run = k.forward(p, x, { batch: B, lengths: [3, 1] });
        const g = k.backward(run, { output: cotOut });
        const file = join(dir, `m_${seed}_${dtype}.mjs`);
        writeFileSync(file, emitModule(k));
        const script = `
          const m = await import(${JSON.stringify("file://" + file)});
          const input = JSON.parse(process.argv[1]);
          const p = m.params(input.p);
          const run = m.forward(p, input.x, { batch: ${B}, lengths: [3, 1] });
          const g = m.backward(run, { output: input.cot });
          const st = m.initialState(p, { batch: ${B} });
          const s0 = Array.from(m.step(st, input.x.slice(0, ${B * I})));
          const errs = [];
          for (const f of [() => m.forward(m.params().data.length ? { data: new Float64Array(1), layout: [] } : null, input.x, { batch: ${B} }),
                           () => m.step(m.initialState(p, { batch: ${B} }), input.x.slice(0, ${B * I + 1}))]) {
            try { f(); errs.push("no error"); } catch (e) { errs.push(e.message); }
          }
          console.log(JSON.stringify({ errs, out: Array.from(run.output), gp: Array.from(g.params.data), gx: Array.from(g.input), s0,
            ctor: run.output.constructor.name, layout: m.layout }));`;
        const res = spawnSync(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            script,
            JSON.stringify({ p: Array.from(p.data), x: Array.from(x), cot: Array.from(cotOut) }),
          ],
          { encoding: "utf8" },
        );
        expect(res.stderr).toBe("");
        const o = JSON.parse(res.stdout);
        // the standalone module rejects parameters of another size and x of more than one step
        expect(o.errs[0]).toMatch(/forward: parameters have 1 values, the layout needs \d+/);
        expect(o.errs[1]).toMatch(/step: x needs B·I = 4 values, got 5/);
        expect(o.ctor).toBe(dtype === "float64" ? "Float64Array" : "Float32Array");
        expect(o.layout).toEqual(k.layout.map((s) => ({ ...s, shape: [...s.shape] })));
        // JSON round-trips float64 exactly; float32 values are exactly representable too
        expect(o.out).toEqual(Array.from(run.output));
        expect(o.gp).toEqual(Array.from(g.params.data));
        expect(o.gx).toEqual(Array.from(g.input));
        const st = k.initialState(p, { batch: B });
        expect(o.s0).toEqual(Array.from(k.step(st, x.subarray(0, B * I)) as FloatArray));
      }
    }
  });
});
