/**
 * Losses and heads: the gradients `vjp` derives for the head graph (w.r.t. the RNN outputs and
 * the head's parameters) against central differences of the same graph's loss, for every loss
 * and pooling; masking; numerical stability at extreme logits.
 */
import { input, leavesOf } from "@gated/graph";
import { describe, expect, test } from "vitest";
import { compiledBackend, type GraphBackend, interpreterBackend } from "../src/train/backend.js";
import { Head } from "../src/train/head.js";
import { linear, type Pooling, pool } from "../src/train/heads.js";
import {
  binaryCrossEntropy,
  type Loss,
  mse,
  sampleLoss,
  softmaxCrossEntropy,
} from "../src/train/losses.js";
import { Rng } from "../src/train/rng.js";

const D = 3,
  C = 3,
  T = 4;
const lengths = Int32Array.of(4, 2, 3);
const B = lengths.length;

function setup(
  loss: Loss,
  poolKind: Pooling,
  backend: GraphBackend = interpreterBackend,
  seed = 1,
) {
  const head = new Head({ pool: poolKind, outputs: C, loss }, D, backend);
  const rng = new Rng(seed);
  const params = Float64Array.from({ length: head.size }, () => rng.next() * 2 - 1);
  const seq = Float64Array.from({ length: B * T * D }, () => rng.next() * 2 - 1);
  const steps = poolKind === "none" ? Array.from(lengths) : [1, 1, 1];
  const ys = steps.map((n) =>
    loss.target === "class"
      ? poolKind === "none"
        ? Array.from({ length: n }, () => rng.int(C))
        : rng.int(C)
      : Array.from({ length: n * C }, () =>
          loss.name === "mse" ? rng.next() * 2 - 1 : rng.int(2),
        ),
  );
  const targets = head.encodeTargets(ys, lengths, T);
  const lossOf = (p: Float64Array, s: Float64Array) =>
    head.run(p, s, lengths, T, targets, false).loss.reduce((a, b) => a + b, 0) / B;
  return { head, params, seq, targets, lossOf };
}

/** Worst |fd − g| / max(1, |fd|) over every coordinate of `x`. */
function check(
  f: (x: Float64Array) => number,
  x: Float64Array,
  g: Float64Array,
  eps = 1e-6,
): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i]!;
    x[i] = x0 + eps;
    const up = f(x);
    x[i] = x0 - eps;
    const dn = f(x);
    x[i] = x0;
    const fd = (up - dn) / (2 * eps);
    worst = Math.max(worst, Math.abs(fd - g[i]!) / Math.max(1, Math.abs(fd)));
  }
  return worst;
}

const LOSSES = [mse(), softmaxCrossEntropy(), binaryCrossEntropy()];
const POOLS: Pooling[] = ["last", "mean", "max", { attention: 2 }, "none"];

describe.each([interpreterBackend, compiledBackend])(
  "head + loss gradients ($name backend) match finite differences",
  (backend) => {
    for (const loss of LOSSES)
      for (const p of POOLS) {
        test(`${loss.name}, pooling ${typeof p === "string" ? p : "attention"}`, () => {
          const { head, params, seq, targets, lossOf } = setup(loss, p, backend);
          const r = head.run(params, seq, lengths, T, targets, true);
          expect(check((x) => lossOf(x, seq), params, r.dparams!)).toBeLessThan(1e-8);
          expect(check((x) => lossOf(params, x), seq, r.dseq!)).toBeLessThan(1e-8);
        });
      }
  },
);

describe.each([interpreterBackend, compiledBackend])(
  "masking ($name backend): padded steps change neither the loss nor get any gradient",
  (backend) => {
    for (const p of POOLS)
      test(`pooling ${typeof p === "string" ? p : "attention"}`, () => {
        const { head, params, seq, targets, lossOf } = setup(softmaxCrossEntropy(), p, backend);
        const before = lossOf(params, seq);
        const r = head.run(params, seq, lengths, T, targets, true);
        const noisy = Float64Array.from(seq);
        for (let b = 0; b < B; b++)
          for (let t = lengths[b]!; t < T; t++)
            for (let d = 0; d < D; d++) {
              noisy[(b * T + t) * D + d] = 1e3 * (d + 1);
              expect(Math.abs(r.dseq![(b * T + t) * D + d]!)).toBe(0); // ±0
            }
        expect(lossOf(params, noisy)).toBe(before);
      });
  },
);

describe.each([interpreterBackend, compiledBackend])(
  "stability at extreme logits ($name backend)",
  (backend) => {
    test("cross-entropy and BCE stay finite with logits of ±1e4", () => {
      for (const loss of [softmaxCrossEntropy(), binaryCrossEntropy()]) {
        const head = new Head({ pool: "last", outputs: 2, loss }, 1, backend);
        // W_out = [1e4, −1e4], b = 0, h = ±1 at the last step
        const params = Float64Array.of(1e4, -1e4, 0, 0);
        const seq = Float64Array.of(1, -1);
        const lens = Int32Array.of(1, 1);
        const ys =
          loss.target === "class"
            ? [1, 0]
            : [
                [0, 1],
                [1, 0],
              ];
        const r = head.run(params, seq, lens, 1, head.encodeTargets(ys, lens, 1), true);
        for (const v of [...r.loss, ...r.dparams!, ...r.dseq!])
          expect(Number.isFinite(v)).toBe(true);
        // every sample is confidently wrong by 2e4 (CE) or 1e4 per output (BCE)
        expect(r.loss[0]).toBeCloseTo(loss.target === "class" ? 2e4 : 1e4, 6);
      }
    });
    test("a per-step loss averages over valid steps only", () => {
      const head = new Head({ pool: "none", outputs: 1, loss: mse() }, 1, backend);
      const params = Float64Array.of(1, 0); // prediction = h
      const seq = Float64Array.of(1, 2, 99);
      const lens = Int32Array.of(2);
      const r = head.run(params, seq, lens, 3, head.encodeTargets([[0, 0]], lens, 3), false);
      expect(r.loss[0]).toBe((1 + 4) / 2);
    });
  },
);

describe.each([interpreterBackend, compiledBackend])(
  'pooling "last" and "mean" ($name backend): the pooled vector gives the full graph\'s numbers',
  (backend) => {
    for (const loss of LOSSES)
      for (const kind of ["last", "mean"] as const)
        test(`${kind}, ${loss.name}`, () => {
          const { head, params, seq, targets } = setup(loss, kind, backend);
          expect(head.pools).toBe(kind);
          // the head as one graph over the whole [T, D] sequence (pooling by a one-hot matvec)
          const s = input("seq", ["T", "D"]);
          const mask = input("mask", ["T"]);
          const last = input("last", ["T"]);
          const pred = linear(pool(kind, { seq: s, mask, last }));
          const target = input("target", pred.shape);
          const l = sampleLoss(loss, pred, target, mask);
          const found = leavesOf([l], "param");
          const ps = ["W_out", "b_out"].map((n) => found.find((p) => p.label === n)!);
          const prog = backend.compile(
            { inputs: { seq: s, mask, last, target }, outputs: { loss: l, pred }, params: ps },
            { ...head.sizes, T },
          );
          const m = new Float64Array(B * T);
          const oneHot = new Float64Array(B * T);
          lengths.forEach((n, b) => {
            m.fill(1, b * T, b * T + n);
            oneHot[b * T + n - 1] = 1;
          });
          const shared = Object.fromEntries(
            head.layout.map((x) => [x.name, params.subarray(x.offset, x.offset + x.size)]),
          );
          const full = prog.forward(shared, { seq, mask: m, last: oneHot, target: targets }, B);
          const g = prog.backward(full, { loss: new Float64Array(B).fill(1 / B) });
          const r = head.run(params, seq, lengths, T, targets, true);
          expect(Array.from(r.loss)).toEqual(Array.from(full.outputs["loss"]!));
          expect(Array.from(r.pred)).toEqual(Array.from(full.outputs["pred"]!));
          const dp = new Float64Array(head.size);
          for (const x of head.layout) dp.set(g.params[x.name]!, x.offset);
          expect(Array.from(r.dparams!)).toEqual(Array.from(dp));
          // the full graph's gradient is ±0 (0 · ∂pooled) off the last steps, the gathered +0
          const dseq = g.inputs["seq"]!;
          for (let i = 0; i < dseq.length; i++)
            expect(r.dseq![i] === dseq[i] && (dseq[i] !== 0 || r.dseq![i] === 0)).toBe(true);
        });
  },
);
