/**
 * Kernel threads: each worker takes a fixed slice of the batch for the whole sweep. Outputs,
 * final states and input gradients are bitwise one thread's; parameter gradients equal one
 * thread's up to the order of the float additions over the batch (float64: 1e-12 relative).
 */
import { compileCell } from "@gated/codegen";
import { describe, expect, test } from "vitest";
import { gru, lstm } from "./codegenCells.js";
import { maxRel, rand } from "./codegenCompare.js";

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
          const a = one.forward(p, x, o);
          const b = many.forward(p, x, o);
          expect(b.output).toEqual(a.output);
          expect(b.final).toEqual(a.final);
          const ga = one.backward(a, cot);
          const gb = many.backward(b, cot);
          expect(gb.input).toEqual(ga.input);
          expect(gb.initial).toEqual(ga.initial);
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

  test("bad thread counts are one-line errors", () => {
    for (const t of [0, -1, 1.5])
      expect(() => compileCell(lstm(), { inputSize: 2, hiddenSize: 3, threads: t })).toThrow(
        /^compileCell "lstm": threads must be a positive integer, got /,
      );
  });
});
