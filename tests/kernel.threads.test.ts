/**
 * Kernel threads: each worker takes a fixed slice of the batch for the whole sweep. Outputs,
 * final states and input gradients are bitwise one thread's; parameter gradients equal one
 * thread's up to the order of the float additions over the batch (float64: 1e-12 relative).
 */
import { type CompiledKernel, compileCell, type DType } from "@gated/codegen";
import { describe, expect, test } from "vitest";
import { gru, lstm } from "./codegenCells.js";
import { BACKENDS, expectSameRun, maxRel, rand } from "./codegenCompare.js";

/** Rows [b0, b1) of every step of a [T][B][w] array. */
const rows = (a: ArrayLike<number>, T: number, B: number, w: number, b0: number, b1: number) =>
  Float64Array.from({ length: T * (b1 - b0) * w }, (_, i) => {
    const t = Math.floor(i / ((b1 - b0) * w)),
      r = i % ((b1 - b0) * w);
    return a[(t * B + b0) * w + r]!;
  });

/**
 * What threads promise for parameter gradients, computed without threads: one thread's
 * gradients of each slice [floor(jB/N), floor((j+1)B/N)), added in slice order.
 */
function sliceSums(
  one: CompiledKernel,
  N: number,
  c: {
    T: number;
    B: number;
    x: Float64Array;
    lengths: number[];
    h0: Float64Array;
    cot: Float64Array;
  },
): Float64Array {
  const { T, B } = c;
  const H = one.stateSizes["h"]!;
  const sum = new Float64Array(one.params().data.length);
  for (let j = 0; j < N; j++) {
    const b0 = Math.floor((j * B) / N),
      b1 = Math.floor(((j + 1) * B) / N);
    const run = one.forward(one.initParams({ seed: 2 }), rows(c.x, T, B, one.inputSize, b0, b1), {
      batch: b1 - b0,
      lengths: c.lengths.slice(b0, b1),
      initial: { h: c.h0.slice(b0 * H, b1 * H) },
    });
    const g = one.backward(run, { output: rows(c.cot, T, B, one.outputSize, b0, b1) });
    g.params.data.forEach((v, i) => {
      sum[i]! += v;
    });
  }
  return sum;
}

describe("threads: N workers, one slice of the batch each", () => {
  for (const [cell, threads, B] of [
    [lstm, 2, 5],
    [gru, 3, 7],
  ] as const)
    test(`${cell().name}, ${threads} threads, B=${B}, masked, checkpointed and not`, async () => {
      const opts = { inputSize: 3, hiddenSize: 4 };
      const one = compileCell(cell(), opts);
      const many = compileCell(cell(), { ...opts, threads });
      try {
        expect(many.threads).toBe(threads);
        const T = 6;
        const p = one.initParams({ seed: 2 });
        const x = rand(T * B * 3, 1);
        const lengths = Array.from({ length: B }, (_, b) => (b * 5) % (T + 1));
        const initial = { h: rand(B * 4, 3) };
        const cot = { output: rand(T * B * one.outputSize, 4), final: { h: rand(B * 4, 5) } };
        for (const mode of [{}, { checkpoint: 2 }]) {
          const o = { batch: B, lengths, initial, ...mode };
          const { ga, gb } = expectSameRun(one, many, p, x, o, cot);
          expect(maxRel(gb.params.data, ga.params.data)).toBeLessThanOrEqual(1e-12);
        }
        const inf = many.forward(p, x, { batch: B, tape: false });
        expect(inf.output).toEqual(one.forward(p, x, { batch: B }).output);
        expect(() => many.backward(inf, cot)).toThrow(/tape: false/);
        // a batch of one and errors inside a worker
        expect(many.forward(p, rand(T * 3, 1), { batch: 1 }).output.length).toBe(
          T * one.outputSize,
        );
        expect(() => many.forward(p, x, { batch: B, lengths: lengths.map(() => 99) })).toThrow(
          /lengths\[0\] = 99/,
        );
        // what slicing would hide is one thread's error
        expect(() => many.forward(p, x, { batch: B, lengths: [...lengths, 1] })).toThrow(
          /lengths needs \d+ values/,
        );
        expect(() => many.forward(p, [...x.slice(0, -1), "1"] as never, { batch: B })).toThrow(
          /expected a number/,
        );
        expect(() => many.forward(p, x, { batch: B, initial: { h: rand(B * 4 + 1, 1) } })).toThrow(
          /initial h needs/,
        );
        expect(() => many.forward(p, x, { batch: B, initial: { hh: rand(B * 4, 1) } })).toThrow(
          /unknown state "hh"/,
        );
        expect(() =>
          many.backward(many.forward(p, x, { batch: B }), { final: { h: rand(3, 1) } }),
        ).toThrow(/final h cotangent needs/);
        // a worker's error (its slice's lengths) leaves no reply behind for the next call
        const bad = lengths.map((l, i) => (i === B - 1 ? 99 : l));
        expect(() => many.forward(p, x, { batch: B, lengths: bad })).toThrow(/lengths\[\d\] = 99/);
        expect(many.forward(p, x, { batch: B, lengths }).output).toEqual(
          one.forward(p, x, { batch: B, lengths }).output,
        );
      } finally {
        await many.close();
      }
    });

  test.each(
    BACKENDS.flatMap((backend) =>
      (["float64", "float32"] as DType[]).flatMap((dtype) =>
        [2, 3, 4].map((N) => ({ backend, dtype, N })),
      ),
    ),
  )(
    "$backend $dtype, $N threads: rows bitwise one thread's, ∂params the slices' sums",
    async ({ backend, dtype, N }) => {
      const opts = { inputSize: 3, hiddenSize: 4, backend, dtype } as const;
      const one = compileCell(lstm(), opts);
      const many = compileCell(lstm(), { ...opts, threads: N });
      try {
        const T = 7,
          B = 9;
        const c = {
          T,
          B,
          x: rand(T * B * 3, 11),
          lengths: Array.from({ length: B }, (_, b) => (b * 3) % (T + 1)),
          h0: rand(B * 4, 12),
          cot: rand(T * B * 4, 13),
        };
        const p = one.initParams({ seed: 2 });
        const o = { batch: B, lengths: c.lengths, initial: { h: c.h0 } };
        const a = one.forward(p, c.x, o);
        const ga = one.backward(a, { output: c.cot });
        const sums = sliceSums(one, N, c);
        for (let rep = 0; rep < 2; rep++) {
          const b = many.forward(p, c.x, o);
          expect(b.output).toEqual(a.output);
          expect(b.final).toEqual(a.final);
          const gb = many.backward(b, { output: c.cot });
          expect(gb.input).toEqual(ga.input);
          expect(gb.initial).toEqual(ga.initial);
          // bitwise the slices' sums (rounded once to the dtype), so deterministic for a given N
          expect(gb.params.data).toEqual(
            (dtype === "float32" ? Float32Array : Float64Array).from(sums),
          );
          const u = dtype === "float64" ? 2 ** -53 : 2 ** -24;
          expect(maxRel(gb.params.data, ga.params.data)).toBeLessThanOrEqual(8 * (N + 1) * u);
        }
      } finally {
        await many.close();
      }
    },
  );

  test("shared buffers grow and are reused: interleaved runs of other sizes stay exact", async () => {
    const opts = { inputSize: 3, hiddenSize: 4 };
    const one = compileCell(lstm(), opts);
    const many = compileCell(lstm(), { ...opts, threads: 2 });
    try {
      await many.ready();
      const p = one.initParams({ seed: 4 });
      const sizes = [
        [3, 4],
        [9, 6],
        [2, 5],
      ] as const;
      const runs = sizes.map(([T, B], i) => {
        const x = rand(T * B * 3, 20 + i);
        return {
          T,
          B,
          x,
          one: one.forward(p, x, { batch: B }),
          many: many.forward(p, x, { batch: B }),
        };
      });
      // backward in another order than forward, after the buffers grew
      for (const r of [runs[1]!, runs[0]!, runs[2]!]) {
        expect(r.many.output).toEqual(r.one.output);
        const cot = { output: rand(r.T * r.B * 4, 30), final: { c: rand(r.B * 4, 31) } };
        const ga = one.backward(r.one, cot);
        const gb = many.backward(r.many, cot);
        expect(gb.input).toEqual(ga.input);
        expect(gb.initial).toEqual(ga.initial);
        expect(maxRel(gb.params.data, ga.params.data)).toBeLessThanOrEqual(1e-12);
      }
      // a result is the caller's own copy: the next call does not overwrite it
      const first = many.forward(p, runs[0]!.x, { batch: 4 });
      const kept = Float64Array.from(first.output);
      many.forward(p, rand(3 * 4 * 3, 99), { batch: 4 });
      expect(first.output).toEqual(kept);
      expect(first.output.buffer).toBeInstanceOf(ArrayBuffer);
    } finally {
      await many.close();
    }
  });

  test("a worker idle past its wait (1 s) serves the next call from its event loop", async () => {
    const one = compileCell(lstm(), { inputSize: 3, hiddenSize: 4 });
    const many = compileCell(lstm(), { inputSize: 3, hiddenSize: 4, threads: 2 });
    try {
      const p = one.initParams({ seed: 6 });
      const x = rand(4 * 5 * 3, 40);
      const cot = { output: rand(4 * 5 * 4, 41) };
      const ga = one.backward(one.forward(p, x, { batch: 5 }), cot);
      // forward, then backward after the workers stopped waiting on their mail counters
      const run = many.forward(p, x, { batch: 5 });
      await new Promise((r) => setTimeout(r, 1300));
      expect(many.backward(run, cot).input).toEqual(ga.input);
      // and back to back again (each worker waiting on its counter)
      for (let i = 0; i < 3; i++)
        expect(many.backward(many.forward(p, x, { batch: 5 }), cot).input).toEqual(ga.input);
    } finally {
      await many.close();
    }
  });

  test("parameters of another layout are refused with one thread's error", async () => {
    const many = compileCell(lstm(), { inputSize: 3, hiddenSize: 4, threads: 2 });
    try {
      const x = rand(2 * 3 * 3, 1);
      const wrong = {
        data: new Float64Array(many.params().data.length),
        layout: [...many.layout].reverse(),
      };
      expect(() => many.forward(wrong as never, x, { batch: 3 })).toThrow(
        /laid out for another kernel/,
      );
      expect(() => many.forward({ data: new Float64Array(3) } as never, x, { batch: 3 })).toThrow(
        /parameters have 3 values/,
      );
    } finally {
      await many.close();
    }
  });

  test("a second backward of a run is a one-line error, and the next call is clean", async () => {
    const one = compileCell(lstm(), { inputSize: 3, hiddenSize: 4 });
    const many = compileCell(lstm(), { inputSize: 3, hiddenSize: 4, threads: 2 });
    try {
      const x = rand(4 * 5 * 3, 1);
      const p = one.initParams({ seed: 1 });
      const cot = { output: rand(4 * 5 * 4, 2) };
      const run = many.forward(p, x, { batch: 5 });
      many.backward(run, cot);
      // every worker fails, and each still reaches the barrier where workers sum ∂params
      expect(() => many.backward(run, cot)).toThrow(
        /^backward: with threads a run's tape serves one backward, and this run's was used; run forward again$/,
      );
      const g = many.backward(many.forward(p, x, { batch: 5 }), cot);
      expect(g.input).toEqual(one.backward(one.forward(p, x, { batch: 5 }), cot).input);
    } finally {
      await many.close();
    }
  });

  test("fewer rows than threads: one slice per row, the idle workers untouched", async () => {
    const one = compileCell(gru(), { inputSize: 3, hiddenSize: 4 });
    const many = compileCell(gru(), { inputSize: 3, hiddenSize: 4, threads: 4 });
    try {
      const p = one.initParams({ seed: 5 });
      for (const B of [3, 2, 3]) {
        const x = rand(5 * B * 3, B);
        const cot = { output: rand(5 * B * 4, 7) };
        const a = one.forward(p, x, { batch: B });
        const b = many.forward(p, x, { batch: B });
        expect(b.output).toEqual(a.output);
        const ga = one.backward(a, cot);
        const gb = many.backward(b, cot);
        expect(gb.input).toEqual(ga.input);
        expect(maxRel(gb.params.data, ga.params.data)).toBeLessThanOrEqual(1e-12);
      }
    } finally {
      await many.close();
    }
  });

  test("a closed kernel says so instead of waiting for its workers", async () => {
    const many = compileCell(lstm(), { inputSize: 3, hiddenSize: 4, threads: 2 });
    const x = rand(2 * 3 * 3, 1);
    const p = many.initParams({ seed: 1 });
    const run = many.forward(p, x, { batch: 3 });
    await many.close();
    expect(() => many.forward(p, x, { batch: 3 })).toThrow(
      /^compileCell "lstm": this kernel's threads were closed \(close\(\)\); compile it again to run it$/,
    );
    expect(() => many.backward(run, {})).toThrow(/threads were closed/);
    // one row needs no worker
    expect(many.forward(p, x.slice(0, 6), { batch: 1 }).output.length).toBe(8);
  });

  test("bad thread counts are one-line errors", () => {
    for (const t of [0, -1, 1.5])
      expect(() => compileCell(lstm(), { inputSize: 2, hiddenSize: 3, threads: t })).toThrow(
        /^compileCell "lstm": threads must be a positive integer, got /,
      );
    // a string says it is one
    expect(() =>
      compileCell(lstm(), { inputSize: 2, hiddenSize: 3, threads: "2" as unknown as number }),
    ).toThrow(/^compileCell "lstm": threads must be a positive integer, got "2"$/);
  });
});
