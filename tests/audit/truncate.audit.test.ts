/**
 * Audit: truncated BPTT of sequence layers against an independent oracle built from the
 * reference kernel chunk by chunk (direction.ts's stated semantics: the carried state is a
 * constant at every chunk boundary; the final-state cotangent enters the chunk holding each
 * sequence's last real step; dL/d(initial) comes from the first chunk only).
 */

import { compileCell, lstm, referenceKernel, sequenceModel } from "gated";
import { describe, expect, test } from "vitest";

describe("audit: truncated BPTT", () => {
  test.each([[1], [2], [3], [5]])(
    "window %i: single layer, forward exact, gradients = chunked oracle",
    (k) => {
      const cell = lstm();
      const I = 2,
        H = 3,
        T = 5,
        B = 3;
      const lengths = [5, 2, 0];
      const ref = referenceKernel(cell, { inputSize: I, hiddenSize: H });
      const p = ref.initParams({ seed: 11 });
      const x = Float64Array.from({ length: T * B * I }, (_, i) => Math.sin(1.3 * i));
      const h0 = Float64Array.from({ length: B * H }, (_, i) => 0.1 * i - 0.3);
      const c0 = Float64Array.from({ length: B * H }, (_, i) => 0.05 * i);
      const dOut = Float64Array.from({ length: T * B * H }, (_, i) => Math.cos(0.7 * i));
      const dH = Float64Array.from({ length: B * H }, (_, i) => 0.2 - 0.03 * i);
      const dC = Float64Array.from({ length: B * H }, (_, i) => -0.1 + 0.02 * i);

      // oracle: chunk by chunk on the reference kernel
      const gp = new Float64Array(p.data.length),
        gx = new Float64Array(x.length);
      let gh0 = new Float64Array(B * H),
        gc0 = new Float64Array(B * H);
      let h = h0,
        c = c0;
      const lastChunk = lengths.map((l) => (l > 0 ? Math.floor((l - 1) / k) : 0));
      for (let start = 0, j = 0; start < T; start += k, j++) {
        const steps = Math.min(k, T - start);
        const lens = lengths.map((l) => Math.max(0, Math.min(steps, l - start)));
        const run = ref.forward(p, x.subarray(start * B * I, (start + steps) * B * I), {
          batch: B,
          initial: { h, c },
          lengths: lens,
        });
        const fh = new Float64Array(B * H),
          fc = new Float64Array(B * H);
        for (let b = 0; b < B; b++)
          if (lastChunk[b] === j)
            for (let s = 0; s < H; s++) {
              fh[b * H + s] = dH[b * H + s]!;
              fc[b * H + s] = dC[b * H + s]!;
            }
        const g = ref.backward(run, {
          output: dOut.subarray(start * B * H, (start + steps) * B * H),
          final: { h: fh, c: fc },
        });
        g.params.data.forEach((v, i) => (gp[i]! += v));
        gx.set(g.input, start * B * I);
        if (j === 0) {
          gh0 = Float64Array.from(g.initial["h"]!);
          gc0 = Float64Array.from(g.initial["c"]!);
        }
        h = Float64Array.from(run.final["h"]!);
        c = Float64Array.from(run.final["c"]!);
      }

      for (const kernel of [undefined, compileCell]) {
        const m = sequenceModel({
          cell,
          inputSize: I,
          hiddenSize: H,
          ...(kernel ? { kernel } : {}),
        });
        const mp = m.params();
        for (const s of ref.layout) mp.get(`${s.name}_l0`).set(p.get(s.name));
        const full = m.forward(mp, x, { batch: B, lengths, initial: { h: h0, c: c0 } });
        const run = m.forward(mp, x, { batch: B, lengths, initial: { h: h0, c: c0 }, truncate: k });
        expect(Array.from(run.output)).toEqual(Array.from(full.output));
        const g = m.backward(run, { output: dOut, final: { h: dH, c: dC } });
        const close = (what: string, a: ArrayLike<number>, b: ArrayLike<number>) =>
          Array.from(b).forEach((v, i) =>
            expect(
              Math.abs(a[i]! - v),
              `${what}[${i}] ${kernel ? "compiled" : "reference"}`,
            ).toBeLessThanOrEqual(1e-12 + 1e-10 * Math.abs(v)),
          );
        for (const s of ref.layout)
          close(s.name, g.params.get(`${s.name}_l0`), gp.subarray(s.offset, s.offset + s.size));
        close("input", g.input, gx);
        close("initial h", g.initial["h"]!, gh0);
        close("initial c", g.initial["c"]!, gc0);
      }
    },
  );
});
