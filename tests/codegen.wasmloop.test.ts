/**
 * The wasm backend's time loops in the module (backends/wasm/loops.ts): every catalogue cell's
 * float32 kernel gives bit for bit what the same kernel with its time loops in JavaScript gives
 * (forward, backward, inference, step; masked lengths, initial states, final cotangents, odd and
 * even T for the swaps); LSTM and GRU run all three sweeps' loops in the module; loops the
 * module cannot take (a reduce, float64 maps, the fma products) stay JavaScript; masked calls
 * reuse the memory; a run's tape stays valid across other calls.
 */
import {
  backends,
  type CompiledKernel,
  compileCell,
  instantiate,
  kernelText,
  type ModuleApi,
  type Recurrence,
  wasmKernelSource,
} from "@gated/codegen";
import { CATALOGUE, CATALOGUE_NAMES } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { mustZero } from "../packages/codegen/src/backends/wasm/zeroing.js";
import { gru, lstm } from "./codegenCells.js";
import { bits, rand, withMemories } from "./codegenCompare.js";

const available = backends.wasm?.available?.() ?? false;
const [I, H, B] = [3, 4, 3];

/**
 * The kernel's runtime over its schedule with every time loop kept in JavaScript and every
 * temporary zeroed at every call (the backend before the loops and zeroing.ts).
 */
function jsLoops(k: CompiledKernel): ModuleApi {
  const src = wasmKernelSource(k.schedule, {}, { timeLoops: false, zeroAll: true });
  expect(src.js).not.toContain("$wasm.loop");
  return instantiate(kernelText(k.schedule, src), src.wasm);
}

type Api = Pick<ModuleApi, "forward" | "backward" | "initialState" | "step">;
type AnyRun = {
  output: Float32Array;
  final: Record<string, Float32Array>;
};
type AnyGrad = {
  params: { data: Float32Array };
  input: Float32Array;
  initial: Record<string, Float32Array>;
};

/** Calls that leave other sizes' values all over the kernel's memory. */
function dirty(k: CompiledKernel, api: Api, T: number): void {
  const p = k.params(
    rand(
      k.layout.reduce((a, s) => a + s.size, 0),
      99,
    ),
  );
  for (const [t, b] of [
    [T + 3, B + 2],
    [T, B],
    [1, B],
  ] as const) {
    const x = rand(t * b * k.inputSize, 98);
    const run = api.forward(p, x, { batch: b });
    api.backward(run as never, { output: rand(t * b * k.outputSize, 97) });
    api.forward(p, x, { batch: b, tape: false });
  }
}

/** Everything a kernel gives for one input set, as bytes. */
function everything(k: CompiledKernel, api: Api, T: number, lengths: number[] | undefined) {
  const p = k.initParams({ seed: 7 });
  const x = rand(T * B * k.inputSize, 5);
  const states = Object.entries(k.stateSizes);
  const initial = Object.fromEntries(states.map(([n, w], i) => [n, rand(B * w, 10 + i)]));
  const opts = { batch: B, initial, ...(lengths ? { lengths } : {}) };
  const run = api.forward(p, x, opts) as unknown as AnyRun;
  const cot = {
    output: rand(T * B * k.outputSize, 9),
    final: Object.fromEntries(states.map(([n, w], i) => [n, rand(B * w, 20 + i)])),
  };
  const g = api.backward(run as never, cot) as unknown as AnyGrad;
  const inf = api.forward(p, x, { ...opts, tape: false }) as unknown as AnyRun;
  const ck = api.forward(p, x, { ...opts, checkpoint: 2 });
  const gck = api.backward(ck as never, cot) as unknown as AnyGrad;
  const st = api.initialState(p, { batch: B }) as { values: Record<string, Float32Array> };
  for (const [n] of states) st.values[n]!.set(initial[n]!);
  const steps: number[] = [];
  if (!lengths)
    for (let t = 0; t < T; t++)
      steps.push(
        ...bits(
          api.step(
            st as never,
            x.subarray(t * B * k.inputSize, (t + 1) * B * k.inputSize),
          ) as never,
        ),
      );
  const finals = (r: AnyRun) => states.flatMap(([n]) => bits(r.final[n]!));
  const grads = (r: AnyGrad) => [
    ...bits(r.params.data),
    ...bits(r.input),
    ...states.flatMap(([n]) => bits(r.initial[n]!)),
  ];
  return {
    forward: [...bits(run.output), ...finals(run)],
    backward: grads(g),
    inference: [...bits(inf.output), ...finals(inf)],
    checkpointed: grads(gck),
    steps,
  };
}

describe.skipIf(!available)("wasm time loops: bitwise the JavaScript loops' results", () => {
  let inModule = 0;
  for (const name of CATALOGUE_NAMES)
    test(name, () => {
      const cell = CATALOGUE[name]!() as Recurrence;
      const inputSize = cell.x.shape[0] === "H" ? H : I;
      const k = compileCell(cell, {
        inputSize,
        hiddenSize: H,
        sizes: { G: 2 },
        dtype: "float32",
        backend: "wasm",
      });
      const js = jsLoops(k);
      inModule += k.source.includes("$wasm.loop") ? 1 : 0;
      for (const [T, lengths] of [
        [4, undefined],
        [3, undefined],
        [4, [4, 2, 3]],
        [3, [0, 3, 1]],
      ] as const) {
        const want = everything(k, js, T, lengths as number[] | undefined);
        dirty(k, k, T);
        const got = everything(k, k, T, lengths as number[] | undefined);
        expect(got).toEqual(want);
      }
    });
  test("most catalogue cells run a time loop in the module", () => {
    console.log(`wasm time loops: ${inModule} of ${CATALOGUE_NAMES.length} cells in the module`);
    expect(inModule).toBeGreaterThan(CATALOGUE_NAMES.length / 2);
  });
});

describe.skipIf(!available)("wasm time loops: which loops run in the module", () => {
  test("LSTM and GRU float32: forward, backward and inference, one call each", () => {
    for (const cell of [lstm(), gru()]) {
      const k = compileCell(cell, {
        inputSize: 32,
        hiddenSize: 32,
        dtype: "float32",
        backend: "wasm",
      });
      for (const n of [0, 1, 2]) expect(k.source).toContain(`$wasm.loop${n}(`);
      expect(k.source).not.toContain("for (let $t =");
    }
  });

  test("a loop with a reduce (layer-norm LSTM) stays JavaScript", () => {
    const k = compileCell(CATALOGUE.ln_lstm!() as Recurrence, {
      inputSize: I,
      hiddenSize: H,
      dtype: "float32",
      backend: "wasm",
    });
    expect(k.source).toContain("for (let $t = 0; $t < $T; $t++) {");
  });

  test("float64 (JavaScript maps) and fma products keep the JavaScript loops", () => {
    for (const opts of [{ dtype: "float64" as const }, { dtype: "float32" as const, fma: true }]) {
      const k = compileCell(lstm(), { inputSize: I, hiddenSize: H, backend: "wasm", ...opts });
      expect(k.source).not.toContain("$wasm.loop");
    }
  });
});

/** The LSTM at I, H as a float32 wasm kernel (the memory and tape tests' kernel). */
const wasmLstm32 = () =>
  compileCell(lstm(), { inputSize: I, hiddenSize: H, dtype: "float32", backend: "wasm" });

describe.skipIf(!available)("wasm time loops: memory and tapes", () => {
  test("10⁴ masked calls (forward, backward, inference, step): the memory grows at the first only", () => {
    const k = wasmLstm32();
    const { api, mems } = withMemories<Api & { params(d?: ArrayLike<number>): unknown }>(k);
    const p = api.params(
      rand(
        k.layout.reduce((a, s) => a + s.size, 0),
        1,
      ),
    );
    const T = 5;
    const x = rand(T * B * I, 2);
    const cot = { output: rand(T * B * H, 3) };
    const opts = { batch: B, lengths: [5, 1, 3] };
    const once = () => {
      const g = api.backward(api.forward(p as never, x, opts), cot) as unknown as AnyGrad;
      api.forward(p as never, x, { ...opts, tape: false });
      api.step(api.initialState(p as never, { batch: B }) as never, x.subarray(0, B * I));
      return g;
    };
    const first = once();
    const size = mems[0]!.buffer.byteLength;
    let last = first;
    for (let i = 0; i < 2500; i++) last = once();
    expect(mems.length).toBe(1);
    expect(mems[0]!.buffer.byteLength).toBe(size);
    expect(bits(last.params.data)).toEqual(bits(first.params.data));
    expect(bits(last.input)).toEqual(bits(first.input));
  });

  test("inference in segments (more than 4096 rows) equals the taped forward, bit for bit", () => {
    const k = wasmLstm32();
    const p = k.initParams({ seed: 6 });
    const T = 1400;
    const x = rand(T * B * I, 3);
    for (const lengths of [undefined, [1400, 7, 1366]]) {
      const opts = { batch: B, ...(lengths ? { lengths } : {}) };
      const taped = k.forward(p, x, opts);
      const inf = k.forward(p, x, { ...opts, tape: false });
      expect(bits(inf.output)).toEqual(bits(taped.output));
      for (const n of Object.keys(taped.final))
        expect(bits(inf.final[n]!)).toEqual(bits(taped.final[n]!));
    }
  });

  test("a float32 run's tape stays valid while other calls reuse the memory; results do not alias it", () => {
    const k = wasmLstm32();
    const p = k.initParams({ seed: 4 });
    const T = 4;
    const x1 = rand(T * B * I, 5);
    const cot = { output: rand(T * B * H, 6) };
    const want = k.backward(k.forward(p, x1, { batch: B, lengths: [4, 1, 2] }), cot);
    const run = k.forward(p, x1, { batch: B, lengths: [4, 1, 2] });
    const out = bits(run.output);
    const fin = bits(run.final.h!);
    // a longer masked run, a wider batch, inference and streaming in between
    k.backward(
      k.forward(p, rand(3 * T * 2 * B * I, 7), { batch: 2 * B, lengths: [1, 12, 3, 4, 5, 6] }),
      {},
    );
    k.forward(p, rand(T * B * I, 8), { batch: B, tape: false });
    const st = k.initialState(p, { batch: 1 });
    const y = k.step(st, rand(I, 8));
    const y0 = bits(y);
    k.step(st, rand(I, 9));
    expect(bits(y)).toEqual(y0);
    expect(bits(run.output)).toEqual(out);
    expect(bits(run.final.h!)).toEqual(fin);
    const got = k.backward(run, cot);
    expect(bits(got.input)).toEqual(bits(want.input));
    expect(bits(got.params.data)).toEqual(bits(want.params.data));
  });
});

describe("wasm backend: temporaries written in full before any read are not zero-filled", () => {
  test("LSTM: the products' results and the tape are not zeroed; accumulated gradients and state histories are", () => {
    const k = compileCell(lstm(), {
      inputSize: 32,
      hiddenSize: 32,
      dtype: "float32",
      backend: "wasm",
    });
    const f = mustZero(k.schedule.forward);
    for (const n of ["x_proj", "h_proj", "i", "f", "g", "o", "tanh", "output"])
      expect(f.has(n), n).toBe(false);
    for (const n of ["h_hist", "c_hist"]) expect(f.has(n), n).toBe(true);
    const b = mustZero(k.schedule.backward);
    for (const n of ["delta", "d_x", "x_cols", "delta_cols"]) expect(b.has(n), n).toBe(false);
    expect(b.has("dP")).toBe(true);
  });
});
