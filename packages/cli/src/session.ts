/**
 * One training run: a cell kernel (compiled when available), a linear readout of the last
 * state, a loss, global-norm gradient clipping and Adam. The readout and the loss are graphs
 * differentiated by the same autodiff as the cells (no hand-written gradients); the cell's
 * gradient is the kernel's BPTT. Everything the next step depends on is in `snapshot()`.
 */
import { input, param, prepareEvaluate, vjp, constant, type Node } from "@gated/graph";
import { exp, log, matvec, square, sum } from "@gated/ops";
import { mulberry32, type Kernel, type Params } from "@gated/codegen";
import type { CellEntry } from "./cells.js";
import { kernelFor } from "./deps.js";
import type { Batch, RunConfig, TaskData, TaskEntry } from "./tasks.js";

export interface Session {
  readonly kernel: Kernel;
  readonly compiled: boolean;
  /** One optimisation step on training batch `step`; returns its loss. */
  step(step: number): number;
  evaluate(split: "val" | "test"): { loss: number; metric: number };
  snapshot(): Record<string, Float64Array>;
  restore(t: Readonly<Record<string, ArrayLike<number>>>): void;
  params(): Record<string, Float64Array>;
}

/** The per-sample readout and loss graph: y = V h + c; mse or softmax cross-entropy. */
function headGraph(loss: "mse" | "ce") {
  const h = input("h", ["H"]);
  const target = input("target", ["O"]);
  const V = param("V", ["O", "H"]);
  const c = param("c", ["O"]);
  const y = matvec(V, h).add(c);
  // ce: target is one-hot; log-sum-exp is shifted by the (constant) max logit, bound as `shift`
  const shift = input("shift", []);
  const l: Node =
    loss === "mse"
      ? sum(square(y.sub(target)), "all")
      : log(sum(exp(y.sub(shift)), "all")).add(shift).sub(sum(y.mul(target), "all"));
  const [dV, dc, dh] = vjp([l], [constant(1, [])], [V, c, h]);
  return { outputs: [l, y, dV!, dc!, dh!] };
}

export function openSession(entry: CellEntry, task: TaskEntry, config: RunConfig, seed: number): Session {
  const data: TaskData = task.make(config, seed);
  const H = config.hidden;
  const O = data.outputSize;
  const { kernel, compiled } = kernelFor(entry.cell, { inputSize: data.inputSize, hiddenSize: H, dtype: config.dtype });
  const outState = entry.cell.state.find((s) => s.next === entry.cell.output)?.name;
  if (outState === undefined) throw new Error(`cell ${entry.name}: its output is not a state; the CLI reads out the last state`);
  const cellParams: Params = kernel.initParams({ seed });
  const head = { V: new Float64Array(O * H), c: new Float64Array(O) };
  const r = mulberry32(seed + 7919);
  const bound = 1 / Math.sqrt(H);
  for (let i = 0; i < head.V.length; i++) head.V[i] = (2 * r() - 1) * bound;
  const evalHead = prepareEvaluate(headGraph(task.loss).outputs, { H, O });
  const nCell = cellParams.data.length;
  const nAll = nCell + head.V.length + head.c.length;
  const adam = { m: new Float64Array(nAll), v: new Float64Array(nAll), t: 0 };
  const b1 = 0.9;
  const b2 = 0.999;

  /** Loss, metric numerator and (optionally) gradients of one batch. */
  function pass(batch: Batch, wantGrad: boolean) {
    const { B } = batch;
    const run = kernel.forward(cellParams, batch.x, { batch: B, ...(batch.lengths ? { lengths: batch.lengths } : {}) });
    const last = run.final[outState!]!;
    const dLast = new Float64Array(B * H);
    const gV = new Float64Array(head.V.length);
    const gc = new Float64Array(O);
    const tgt = new Float64Array(O);
    let loss = 0;
    let score = 0;
    for (let b = 0; b < B; b++) {
      const hb = last.subarray(b * H, (b + 1) * H);
      tgt.fill(0);
      if (task.loss === "mse") for (let o = 0; o < O; o++) tgt[o] = batch.target[b * O + o]!;
      else tgt[batch.target[b]!] = 1;
      let shift = 0;
      if (task.loss === "ce") {
        const y0 = evalHead({ h: hb, target: tgt, V: head.V, c: head.c, shift: [0] })[1]!;
        shift = Math.max(...y0);
      }
      const [l, y, dV, dc, dh] = evalHead({ h: hb, target: tgt, V: head.V, c: head.c, shift: [shift] });
      loss += l![0]!;
      if (task.loss === "mse") score += l![0]! / O;
      else score += y!.indexOf(Math.max(...y!)) === batch.target[b] ? 1 : 0;
      if (wantGrad) {
        for (let i = 0; i < gV.length; i++) gV[i]! += dV![i]! / B;
        for (let i = 0; i < O; i++) gc[i]! += dc![i]! / B;
        for (let i = 0; i < H; i++) dLast[b * H + i] = dh![i]! / B;
      }
    }
    const grads = wantGrad ? { cell: kernel.backward(run, { final: { [outState!]: dLast } }).params.data, gV, gc } : undefined;
    return { loss: loss / (B * (task.loss === "mse" ? O : 1)), score, grads };
  }

  return {
    kernel,
    compiled,
    step(step) {
      const { loss, grads } = pass(data.train(step, config.batch), true);
      const g = new Float64Array(nAll);
      g.set(grads!.cell, 0);
      g.set(grads!.gV, nCell);
      g.set(grads!.gc, nCell + head.V.length);
      if (task.loss === "mse") for (let i = 0; i < nAll; i++) g[i]! /= O;
      let norm = 0;
      for (let i = 0; i < nAll; i++) norm += g[i]! * g[i]!;
      norm = Math.sqrt(norm);
      const scale = config.clip > 0 && norm > config.clip ? config.clip / norm : 1;
      adam.t++;
      const c1 = 1 - b1 ** adam.t;
      const c2 = 1 - b2 ** adam.t;
      const apply = (arr: { [i: number]: number }, at: number, n: number) => {
        for (let i = 0; i < n; i++) {
          const k = at + i;
          const gi = g[k]! * scale;
          adam.m[k] = b1 * adam.m[k]! + (1 - b1) * gi;
          adam.v[k] = b2 * adam.v[k]! + (1 - b2) * gi * gi;
          arr[i] = arr[i]! - (config.lr * (adam.m[k]! / c1)) / (Math.sqrt(adam.v[k]! / c2) + 1e-8);
        }
      };
      apply(cellParams.data, 0, nCell);
      apply(head.V, nCell, head.V.length);
      apply(head.c, nCell + head.V.length, O);
      return loss;
    },
    evaluate(split) {
      let loss = 0;
      let score = 0;
      let n = 0;
      for (const batch of data.split(split)) {
        const p = pass(batch, false);
        loss += p.loss * batch.B;
        score += p.score;
        n += batch.B;
      }
      return { loss: loss / n, metric: score / n };
    },
    snapshot: () => ({
      cell: Float64Array.from(cellParams.data),
      "head.V": Float64Array.from(head.V),
      "head.c": Float64Array.from(head.c),
      "adam.m": Float64Array.from(adam.m),
      "adam.v": Float64Array.from(adam.v),
      "adam.t": Float64Array.of(adam.t),
    }),
    restore(t) {
      const need = (k: string, n: number) => {
        const v = t[k];
        if (!v || v.length !== n) throw new Error(`checkpoint: tensor ${k} missing or of the wrong length (expected ${n})`);
        return v;
      };
      cellParams.data.set(need("cell", nCell));
      head.V.set(need("head.V", head.V.length));
      head.c.set(need("head.c", O));
      adam.m.set(need("adam.m", nAll));
      adam.v.set(need("adam.v", nAll));
      adam.t = need("adam.t", 1)[0]!;
    },
    params() {
      const out: Record<string, Float64Array> = {};
      for (const s of kernel.layout) out[s.name] = Float64Array.from(cellParams.get(s.name));
      out["head.V"] = Float64Array.from(head.V);
      out["head.c"] = Float64Array.from(head.c);
      return out;
    },
  };
}
