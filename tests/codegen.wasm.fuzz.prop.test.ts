/**
 * Differential fuzzing of the wasm backend: random cells in the equation syntax (one to three
 * states, folded vector constants such as cumsum(1[H]), cumsum / cumprod / scan (both
 * directions), softmax, a reduce (mean), products of expressions, reshapes ([H] ↔ [H, 1], an
 * outer product flattened to [K], K = H·H), next states that read
 * no state, `output y = …` of another size (of a next state or of a state before the step),
 * `output c`, `project x = P x`) compiled by the wasm and the JS backends, against the
 * interpreter (float64 within 1e-12 relative for each gradient; float32 wasm within 1e-4 of the
 * float64 interpreter, as tests/codegenCompare.ts, or within twice the JS backend's float32
 * error where that is larger (the JS backend within 1e-3); the parameters' gradients together), on
 * masked runs (lengths 0 … T), odd T, B around the gemm's 5-row tiles and H around its panel
 * widths: taped forward and backward, inference (tape: false, bitwise the taped forward),
 * checkpointed runs and step() (bitwise the forward); float32 wasm kernels also bitwise equal the
 * same schedule with its time loops in JavaScript and every temporary zeroed, after calls of
 * other sizes left values in the memory. Found so far: tests/codegen.fuzz.cases.test.ts.
 * FC_RUNS=n sets the number of cells per dtype (default 80; 600 each ran clean locally).
 */
import { fc, test } from "@fast-check/vitest";
import {
  backends,
  type CompiledKernel,
  compileCell,
  type DType,
  instantiate,
  kernelText,
  type ModuleApi,
  mulberry32,
  type Recurrence,
  referenceKernel,
  wasmKernelSource,
} from "@gated/codegen";
import { parseCell } from "@gated/rnn";
import { describe, expect } from "vitest";
import { bits, maxRel, rand } from "./codegenCompare.js";

const available = backends.wasm?.available?.() ?? false;
const RUNS = Number(process.env["FC_RUNS"] ?? 80);

export interface FuzzCell {
  readonly text: string;
  readonly H: number;
  readonly I: number;
  readonly O: number;
  readonly T: number;
  readonly B: number;
  readonly lengths: number[] | undefined;
  readonly seed: number;
}

/** A random cell's text from a seed (expressions over [H] vectors, bounded next states). */
export function cellText(seed: number): string {
  const r = mulberry32(seed);
  const pick = (n: number) => Math.floor(r() * n);
  const nStates = 1 + pick(3);
  const states = ["h", "c", "s"].slice(0, nStates);
  const project = pick(3) === 0;
  const output = pick(3); // 0: h, 1: output y = …, 2: output <another state or a value>
  let n = 0;
  const W = (v: string) => `W_${n++}[H, H] ${v}`;
  const U = () => `U_${n++}[H, I] x`;
  const b = () => `b_${n++}[H]`;
  const CONSTS = ["1[H]", "0.1 * cumsum(1[H])", "0.5 * 1[H]", "cumprod(0.9 * 1[H])", "2 * 1[H]"];
  const leaf = (): string => {
    switch (pick(project ? 7 : 6)) {
      case 0:
        return W(states[pick(nStates)]!);
      case 1:
        return U();
      case 2:
        return states[pick(nStates)]!;
      case 3:
      case 4:
        return CONSTS[pick(CONSTS.length)]!;
      case 5:
        return `${W(states[pick(nStates)]!)} + ${U()}`;
      default:
        return "(1[H] * x)"; // the projected input (P x): x as an operand of *
    }
  };
  const expr = (d: number): string => {
    if (d <= 0) return leaf();
    const a = () => expr(d - 1 - pick(2));
    switch (pick(16)) {
      case 0:
        return `tanh(${a()} + ${b()})`;
      case 1:
        return `sigmoid(${a()})`;
      case 2:
        return `0.1 * cumsum(tanh(${a()}))`;
      case 3:
        return `cumprod(tanh(${a()}))`;
      case 4:
        return `scan(sigmoid(${a()}), tanh(${a()}))`;
      case 5:
        return `scan(sigmoid(${a()}), ${a()}; reverse=true)`;
      case 6:
        return `softmax(${a()})`;
      case 7:
        return `(${a()}) * (${a()})`;
      case 8:
        return `${a()} - ${a()}`;
      case 9:
        return `(1 - sigmoid(${a()})) * ${a()}`;
      case 10:
        return `sum(reshape(tanh(${a()}); shape=[H, 1]); axis=1)`;
      case 11:
        return `W_${n++}[H, H] tanh(${a()})`;
      case 12:
        return `tanh(${a()}) * (0.1 * cumsum(1[H]))`;
      case 13:
        return `(${a()} - mean(${a()}))`; // a reduce: the loop stays JavaScript
      case 14: // a matrix flattened into K = H·H values
        return `Q_${n++}[H, K] reshape(outer(tanh(${a()}), ${states[pick(nStates)]!}); shape=[K])`;
      default:
        return `${a()} + ${a()}`;
    }
  };
  const lines: string[] = [];
  if (project) lines.push("  project x = P x");
  states.forEach((s, k) => {
    const kind = pick(4);
    const e = () => expr(1 + pick(3));
    // the projected input is used elementwise at least once (else `project` is an error)
    const extra = project && k === 0 ? " + x" : "";
    if (kind === 0) lines.push(`  ${s}' = tanh(${e()} + ${b()}${extra})`);
    else if (kind === 1)
      lines.push(`  ${s}' = tanh(${U()} + ${b()}${extra})`); // reads no state
    else {
      lines.push(`  f_${s} = sigmoid(${e()} + ${b()})`);
      lines.push(`  ${s}' = f_${s} * ${s} + (1 - f_${s}) * tanh(${e()}${extra})`);
    }
  });
  if (output === 1)
    lines.push(
      // a readout of another size, of a next state or of a state before the step
      `  output y = W_y[O, H] ${states[pick(nStates)]!}${pick(3) ? "'" : ""} + b_y[O]${pick(2) ? "" : " * 2"}`,
    );
  else if (output === 2 && nStates > 1) lines.push(`  output ${states[nStates - 1]!}`);
  return `cell fuzz(x[I]; ${states.map((s) => `${s}[H]`).join(", ")}) {\n${lines.join("\n")}\n}`;
}

export const fuzzCellArb: fc.Arbitrary<FuzzCell> = fc
  .record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    H: fc.constantFrom(1, 3, 7, 8, 9, 17),
    I: fc.constantFrom(1, 2, 5),
    O: fc.constantFrom(1, 4, 6),
    T: fc.constantFrom(1, 2, 3, 5),
    B: fc.constantFrom(1, 2, 3, 5, 6, 7),
    masked: fc.boolean(),
  })
  .chain((c) =>
    fc.array(fc.integer({ min: 0, max: c.T }), { minLength: c.B, maxLength: c.B }).map((ls) => {
      // lengths 0 and T both occur when there are two or more rows
      if (c.B > 1) [ls[0], ls[c.B - 1]] = [0, c.T];
      return {
        text: cellText(c.seed),
        H: c.H,
        I: c.I,
        O: c.O,
        T: c.T,
        B: c.B,
        lengths: c.masked ? ls : undefined,
        seed: c.seed,
      };
    }),
  );

/** The schedule with its time loops in JavaScript and every temporary zeroed (wasmloop suite). */
function jsLoops(k: CompiledKernel): ModuleApi {
  const src = wasmKernelSource(k.schedule, {}, { timeLoops: false, zeroAll: true });
  return instantiate(kernelText(k.schedule, src), src.wasm);
}

type Api = Pick<ModuleApi, "forward" | "backward" | "initialState" | "step">;
type AnyRun = { output: ArrayLike<number>; final: Record<string, ArrayLike<number>> };
type AnyGrad = {
  params: { data: ArrayLike<number>; get(n: string): ArrayLike<number> };
  input: ArrayLike<number>;
  initial: Record<string, ArrayLike<number>>;
};

interface Results {
  run: AnyRun;
  grad: AnyGrad;
  inference: AnyRun;
  checkpointed: AnyGrad;
  steps: ArrayLike<number>[];
}

function runAll(k: CompiledKernel, api: Api, c: FuzzCell, p: unknown, full = true): Results {
  const { T, B, lengths } = c;
  const x = rand(T * B * k.inputSize, c.seed + 1);
  const states = Object.entries(k.stateSizes);
  const initial = Object.fromEntries(
    states.map(([n, w], i) => [n, rand(B * w, c.seed + 10 + i).map((v) => v * 0.5)]),
  );
  const opts = { batch: B, initial, ...(lengths ? { lengths } : {}) };
  const cot = {
    output: rand(T * B * k.outputSize, c.seed + 5),
    final: Object.fromEntries(states.map(([n, w], i) => [n, rand(B * w, c.seed + 20 + i)])),
  };
  const run = api.forward(p as never, x, opts as never) as unknown as AnyRun;
  const grad = api.backward(run as never, cot as never) as unknown as AnyGrad;
  if (!full) return { run, grad, inference: run, checkpointed: grad, steps: [] };
  const inference = api.forward(p as never, x, { ...opts, tape: false } as never) as AnyRun;
  const ck = api.forward(p as never, x, { ...opts, checkpoint: 2 } as never);
  const checkpointed = api.backward(ck as never, cot as never) as unknown as AnyGrad;
  const steps: ArrayLike<number>[] = [];
  if (!lengths) {
    const st = api.initialState(p as never, { batch: B }) as {
      values: Record<string, { set(a: ArrayLike<number>): void }>;
    };
    for (const [n] of states) st.values[n]!.set(initial[n]!);
    for (let t = 0; t < T; t++)
      steps.push(
        Array.from(
          api.step(
            st as never,
            x.subarray(t * B * k.inputSize, (t + 1) * B * k.inputSize),
          ) as ArrayLike<number>,
        ),
      );
  }
  return { run, grad, inference, checkpointed, steps };
}

/** Calls of other sizes that leave values all over the kernel's memory. */
function dirty(k: CompiledKernel, c: FuzzCell): void {
  const p = k.params(
    rand(
      k.layout.reduce((a, s) => a + s.size, 0),
      99,
    ),
  );
  for (const [t, b] of [
    [c.T + 3, c.B + 2],
    [1, c.B],
  ] as const) {
    const x = rand(t * b * k.inputSize, 98).map((v) => v * 3);
    const run = k.forward(p, x, { batch: b });
    k.backward(run, { output: rand(t * b * k.outputSize, 97) });
    k.forward(p, x, { batch: b, tape: false });
  }
}

/** Inference bitwise the taped forward; step() bitwise its outputs. */
function checkBits(got: Results, c: FuzzCell, k: CompiledKernel, at: (w: string) => string): void {
  expect(bits(got.inference.output), at("inference output")).toEqual(bits(got.run.output));
  for (const n of Object.keys(got.run.final))
    expect(bits(got.inference.final[n]!), at(`inference final ${n}`)).toEqual(
      bits(got.run.final[n]!),
    );
  const w = c.B * k.outputSize;
  got.steps.forEach((y, t) =>
    expect(Array.from(y), at(`step ${t}`)).toEqual(
      Array.from((got.run.output as Float64Array).subarray(t * w, (t + 1) * w)),
    ),
  );
}

export function checkCell(c: FuzzCell, dtype: DType): void {
  const cell = parseCell(c.text) as Recurrence;
  const kopts = { inputSize: c.I, hiddenSize: c.H, sizes: { O: c.O, K: c.H * c.H } };
  const tol = dtype === "float64" ? 1e-12 : 1e-4;
  // float32: the JS backend's own error on the same quantity (a deep random cell, e.g. chained
  // scans over H = 17, can amplify float32 rounding past 1e-4: about 1 cell in 400); the wasm
  // kernel is held to 1e-4 or to twice the JS backend's error, whichever is larger
  const jsErr = new Map<string, number>();
  const ref = referenceKernel(cell, kopts);
  const p = ref.initParams({ seed: c.seed % 1000 });
  const want = runAll(ref as never, ref as never, c, p, false);
  for (const backend of ["js", "wasm"] as const) {
    const k = compileCell(cell, { ...kopts, dtype, backend });
    expect(k.backend).toBe(backend);
    const pk = k.params();
    for (const s of k.layout) pk.get(s.name).set(p.get(s.name));
    if (backend === "wasm") dirty(k, c);
    const got = runAll(k, k, c, pk);
    const at = (what: string) => `${backend} ${dtype}: ${what}`;
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
      const e = maxRel(a, b);
      if (dtype === "float64") return expect(e, at(what)).toBeLessThanOrEqual(tol);
      if (backend === "js") {
        jsErr.set(what, e);
        return expect(e, at(what)).toBeLessThanOrEqual(10 * tol);
      }
      expect(e, at(what)).toBeLessThanOrEqual(Math.max(tol, 2 * (jsErr.get(what) ?? 0)));
    };
    close(got.run.output, want.run.output, "output");
    for (const n of Object.keys(want.run.final))
      close(got.run.final[n]!, want.run.final[n]!, `final ${n}`);
    for (const [g, w, what] of [
      [got.grad, want.grad, ""],
      [got.checkpointed, want.grad, "checkpointed "],
    ] as const) {
      close(g.input, w.input, `${what}∂x`);
      // float64: each parameter's gradient; float32: all of them at once (a parameter of one
      // value, e.g. W[1, 1] at H = I = 1, is one sum over T·B rows whose terms may cancel far
      // below their size, which float32 cannot resolve to 1e-4 of the sum itself)
      const all = (r: AnyGrad) => k.layout.flatMap((s) => Array.from(r.params.get(s.name)));
      if (dtype === "float32") close(all(g), all(w), `${what}∂params`);
      else
        for (const s of k.layout)
          close(g.params.get(s.name), w.params.get(s.name), `${what}∂${s.name}`);
      for (const n of Object.keys(w.initial)) close(g.initial[n]!, w.initial[n]!, `${what}∂${n}₀`);
    }
    // inference is the taped forward, bit for bit; step() streams the same outputs
    checkBits(got, c, k, at);
    if (backend === "wasm" && dtype === "float32") {
      // the time loops in the module and the elided zero-fills change no bit
      const js = runAll(k, jsLoops(k), c, pk);
      expect(bits(got.run.output), at("output vs JS loops")).toEqual(bits(js.run.output));
      for (const n of Object.keys(got.run.final))
        expect(bits(got.run.final[n]!), at(`final ${n} vs JS loops`)).toEqual(
          bits(js.run.final[n]!),
        );
      for (const [g, j, what] of [
        [got.grad, js.grad, ""],
        [got.checkpointed, js.checkpointed, "checkpointed "],
      ] as const) {
        expect(bits(g.params.data), at(`${what}∂params vs JS loops`)).toEqual(bits(j.params.data));
        expect(bits(g.input), at(`${what}∂x vs JS loops`)).toEqual(bits(j.input));
        for (const n of Object.keys(g.initial))
          expect(bits(g.initial[n]!), at(`${what}∂${n}₀ vs JS loops`)).toEqual(bits(j.initial[n]!));
      }
      expect(bits(got.inference.output), at("inference vs JS loops")).toEqual(
        bits(js.inference.output),
      );
    }
  }
}

describe.skipIf(!available)("wasm fuzz: random cells, wasm = js = interpreter", () => {
  test.prop([fuzzCellArb], { numRuns: RUNS, seed: 20261202 })(
    "float64 within 1e-12 of the interpreter",
    (c) => {
      checkCell(c, "float64");
    },
  );
  test.prop([fuzzCellArb], { numRuns: RUNS, seed: 31415 })(
    "float32 within 1e-4 of the interpreter (or twice the JS backend's error); bitwise the JS time loops",
    (c) => {
      checkCell(c, "float32");
    },
  );
});

describe("wasm fuzz: the generator reaches every shape it is for", () => {
  test.prop([fc.constant(0)], { numRuns: 1 })("each feature in 300 cells", () => {
    const texts = fc.sample(fuzzCellArb, { numRuns: 300, seed: 7 }).map((c) => c.text);
    const has = (re: RegExp) => texts.filter((t) => re.test(t)).length;
    const counts = {
      project: has(/project x = P x/),
      "output y (of another size)": has(/output y = W_y\[O, H\]/),
      "output y of a state before the step": has(/output y = W_y\[O, H\] [hcs] /),
      "output another state": has(/output [cs]\n/),
      "a next state reading no state": has(/' = tanh\(U_\d+\[H, I\] x \+ b_\d+\[H\]( \+ x)?\)\n/),
      "folded vector constants": has(/cumsum\(1\[H\]\)|cumprod\(0\.9/),
      cumsum: has(/cumsum\(tanh/),
      cumprod: has(/cumprod\(tanh/),
      scan: has(/scan\(sigmoid\([^;]*\)\)\n|scan\(sigmoid/),
      "reversed scan": has(/reverse=true/),
      softmax: has(/softmax\(/),
      reshape: has(/reshape\(/),
      "reshape [H, H] to [K]": has(/shape=\[K\]/),
      "a reduce (mean)": has(/mean\(/),
      "two or more states": has(/; h\[H\], c\[H\]/),
      "three states": has(/s\[H\]\)/),
    };
    console.log(`wasm fuzz generator, cells of 300 with: ${JSON.stringify(counts)}`);
    for (const [what, n] of Object.entries(counts)) expect(n, what).toBeGreaterThan(10);
  });
});
