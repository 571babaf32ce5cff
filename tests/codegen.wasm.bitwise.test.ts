/**
 * WebAssembly kernels at the shapes where their products take the gemm's packed path (gemm.ts:
 * ≥ PACK_A_PANELS panels of columns, blocks of 160 rows, slices of KC = 256 values of k) and
 * their maps' two column vectors an iteration leave a last vector or a tail: rows T·B past one
 * and two blocks (the input projection's product over every step), a recurrent product of
 * B = MR + 2 rows, k past one slice (I = 257 in the forward; T·B = 260 rows summed in the
 * parameters' gradients), H = 9 and 17 (gate widths 36 and 68: a tail of the maps, a partial
 * last panel). Against the reference interpreter (float64 within 1e-12, float32 within 1e-4),
 * and bit for bit against the kernel's own invariants at those shapes:
 *
 * - inference (tape: false), checkpointed runs and step() give the taped forward's bits;
 * - the backward of a run gives the same bits whatever calls come between its forward and it
 *   (another forward of another size, inference, step(), a checkpointed run and its backward,
 *   the same backward again), as a fresh kernel's does;
 * - with 2 and 3 threads (the batch's rows split between workers, so every product runs on
 *   other row counts), outputs, final states and ∂x are one thread's bits.
 */
import { backends, type CompiledKernel, compileCell, type DType } from "@gated/codegen";
import { CATALOGUE, type CatalogueName } from "@gated/rnn";
import { afterAll, describe, expect, test } from "vitest";
import { bits, compareWithReference, rand } from "./codegenCompare.js";

const available = backends.wasm?.available?.() ?? false;

interface Shape {
  readonly cell: CatalogueName;
  readonly I: number;
  readonly H: number;
  readonly T: number;
  readonly B: number;
}

// T·B = 165 (one block and 5 rows), 200 (past 192), 260 (two blocks; k past a slice in the
// parameters' gradients); I = 257: the input projection's k over two slices
const SHAPES: readonly Shape[] = [
  { cell: "lstm", I: 5, H: 17, T: 33, B: 5 },
  { cell: "gru", I: 3, H: 9, T: 40, B: 5 },
  { cell: "lstm", I: 257, H: 9, T: 3, B: 7 },
  { cell: "peephole_lstm", I: 4, H: 9, T: 52, B: 5 },
  { cell: "mgu", I: 3, H: 17, T: 20, B: 7 },
];

const lengthsOf = (T: number, B: number) =>
  Array.from({ length: B }, (_, b) => (b === 0 ? T : b === 1 ? 0 : (b * 7 + 3) % (T + 1)));

function data(k: CompiledKernel, s: Shape, seed: number) {
  const { T, B } = s;
  const p = k.initParams({ seed });
  const x = rand(T * B * k.inputSize, seed + 1);
  const states = Object.entries(k.stateSizes);
  const initial = Object.fromEntries(states.map(([n, w], i) => [n, rand(B * w, seed + 10 + i)]));
  const cot = {
    output: rand(T * B * k.outputSize, seed + 5),
    final: Object.fromEntries(states.map(([n, w], i) => [n, rand(B * w, seed + 20 + i)])),
  };
  return { p, x, initial, cot };
}

type Grad = ReturnType<CompiledKernel["backward"]>;
const gradBits = (g: Grad) => ({
  params: bits(g.params.data),
  input: bits(g.input),
  initial: Object.fromEntries(Object.entries(g.initial).map(([n, v]) => [n, bits(v)])),
});

describe.skipIf(!available)("wasm kernels at the gemm's packed and blocked shapes", () => {
  const closers: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const k of closers) await k.close();
  });

  for (const dtype of ["float64", "float32"] as DType[])
    for (const s of SHAPES) {
      const name = `${s.cell} ${dtype} I=${s.I} H=${s.H} T=${s.T} B=${s.B}`;

      test(`${name}: the reference interpreter's values, masked`, () => {
        compareWithReference(CATALOGUE[s.cell](), {
          backend: "wasm",
          dtype,
          I: s.I,
          H: s.H,
          T: s.T,
          B: s.B,
          lengths: lengthsOf(s.T, s.B),
          seed: s.H + s.T,
        });
      });

      test(`${name}: inference, checkpoints, step() and a backward after other calls, bit for bit`, () => {
        const opts = { inputSize: s.I, hiddenSize: s.H, dtype, backend: "wasm" as const };
        const k = compileCell(CATALOGUE[s.cell](), opts);
        const { p, x, initial, cot } = data(k, s, 3);
        const { T, B } = s;
        const lengths = lengthsOf(T, B);
        const o = { batch: B, initial, lengths };
        // a fresh kernel's forward and backward: what every later call must give again
        const fresh = compileCell(CATALOGUE[s.cell](), opts);
        const r0 = fresh.forward(p, x, o);
        const g0 = gradBits(fresh.backward(r0, cot));
        const run = k.forward(p, x, o);
        expect(bits(run.output)).toEqual(bits(r0.output));
        for (const n of Object.keys(run.final))
          expect(bits(run.final[n]!), n).toEqual(bits(r0.final[n]!));
        // calls between the forward and its backward
        const inf = k.forward(p, x, { ...o, tape: false });
        expect(bits(inf.output), "inference").toEqual(bits(run.output));
        for (const n of Object.keys(run.final))
          expect(bits(inf.final[n]!), `inference ${n}`).toEqual(bits(run.final[n]!));
        const ck = k.forward(p, x, { ...o, checkpoint: 7 });
        expect(bits(ck.output), "checkpointed").toEqual(bits(run.output));
        const other = { ...s, T: s.T + 2, B: s.B + 1 };
        const d2 = data(k, other, 9);
        k.forward(d2.p, d2.x, { batch: other.B, initial: d2.initial });
        expect(gradBits(k.backward(run, cot)), "backward after other calls").toEqual(g0);
        // step() from the same initial state over the full sequence: the unmasked forward's rows
        const full = k.forward(p, x, { batch: B, initial });
        const st = k.initialState(p, { batch: B });
        for (const [n, v] of Object.entries(initial)) st.values[n]!.set(v);
        const w = B * k.outputSize;
        for (let t = 0; t < T; t++) {
          const y = k.step(st, x.subarray(t * B * k.inputSize, (t + 1) * B * k.inputSize));
          expect(bits(y), `step ${t}`).toEqual(bits(full.output.subarray(t * w, (t + 1) * w)));
        }
        // a checkpointed run's backward, then the first run's backward twice more
        k.backward(ck, cot);
        expect(gradBits(k.backward(run, cot)), "backward after a checkpointed one").toEqual(g0);
        expect(gradBits(k.backward(run, cot)), "backward again").toEqual(g0);
      });
    }

  // the batch split between threads: each worker's products run on its rows only
  for (const [dtype, s, threads] of [
    ["float32", SHAPES[0]!, 2],
    ["float64", SHAPES[1]!, 3],
    ["float32", SHAPES[4]!, 3],
  ] as const)
    test(`${s.cell} ${dtype} T=${s.T} B=${s.B}, ${threads} threads: one thread's bits`, () => {
      const opts = { inputSize: s.I, hiddenSize: s.H, dtype, backend: "wasm" as const };
      const one = compileCell(CATALOGUE[s.cell](), opts);
      const many = compileCell(CATALOGUE[s.cell](), { ...opts, threads });
      closers.push(many);
      const { p, x, initial, cot } = data(one, s, 5);
      const o = { batch: s.B, initial, lengths: lengthsOf(s.T, s.B) };
      const a = one.forward(p, x, o);
      const b = many.forward(p, x, o);
      expect(bits(b.output)).toEqual(bits(a.output));
      for (const n of Object.keys(a.final)) expect(bits(b.final[n]!), n).toEqual(bits(a.final[n]!));
      const ga = one.backward(a, cot);
      const gb = many.backward(b, cot);
      expect(bits(gb.input), "∂x").toEqual(bits(ga.input));
      for (const n of Object.keys(ga.initial))
        expect(bits(gb.initial[n]!), `∂${n}₀`).toEqual(bits(ga.initial[n]!));
      const inf = many.forward(p, x, { ...o, tape: false });
      expect(bits(inf.output), "inference").toEqual(bits(a.output));
    });
});
