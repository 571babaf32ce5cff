/**
 * The inference sweep (`tape: false` and `step()`), a pass beside `forwardSweep`: the forward
 * recurrence without the VJP's part. Before: the problem and its parameter layout. After: a
 * procedure `infer(x…, states…) -> [outputs…, final states…]` that keeps no residuals (nothing
 * is kept over all rows but the inputs, the outputs and what a later phase reads), carries each
 * state in two step buffers swapped every step instead of a [(T+1)·B] history, and fuses the
 * step's elementwise work with nothing stored but the next states and the outputs. It runs the
 * same passes as the taped forward (`lowerScan`, then `reuseBuffers` and `planMemory`), so its
 * statements do the same operations in the same order: outputs and final states equal the
 * taped forward's bit for bit (tests/kernel.inference.test.ts).
 */
import type { Node } from "@gated/graph";
import type { BufferDecl, Proc, Stmt } from "../schedule/schedule.js";
import { loc } from "./build.js";
import type { Layout } from "./layout.js";
import {
  declarer,
  type LowerContext,
  maskOutputs,
  outputBuffers,
  paramBuffer,
  scanForward,
} from "./sweeps.js";

/** The inference procedure (before buffer reuse and the memory plan). */
export function inferenceSweep(cx: LowerContext, layout: Layout): Proc {
  const { pr, shapes } = cx;
  const w = (n: Node) => shapes.size(n);
  const buffers: BufferDecl[] = [paramBuffer(cx, layout)];
  const decl = declarer(cx, buffers);
  const inBufs = pr.inputs.map((i) => decl(i.name, "input", "TB", i.node, `input ${i.name}`));
  const cur = pr.states.map((s) =>
    decl(s.name, "state", "B", s.node, `${s.name} at the step's start (in: initial; out: final)`),
  );
  const next = pr.states.map((s) =>
    decl(`${s.name}_next`, "state", "B", s.node, `${s.name} at the step's end`),
  );
  const outBufs = outputBuffers(cx, decl);
  const rowAt = (bufs: readonly string[], k: number) => loc(bufs[k]!, "row", w(pr.states[k]!.node));
  // the taped forward's scan (the same statements in the same order), keeping nothing
  const { scan } = scanForward(
    cx,
    layout,
    { inBufs, outBufs },
    (k) => ({ inLoc: rowAt(cur, k), outLoc: rowAt(next, k) }),
    new Set(),
  );
  buffers.push(...scan.buffers);
  // masked rows keep their state (the step's start is copied over what the step wrote), then
  // the step's end becomes the next step's start
  const tail: Stmt[] = pr.states.length
    ? [
        {
          kind: "mask",
          mode: "hold",
          zero: [],
          pairs: pr.states.map((s, k) => ({
            a: rowAt(cur, k),
            b: rowAt(next, k),
            width: w(s.node),
          })),
        },
        { kind: "swap", pairs: pr.states.map((_, k) => [cur[k]!, next[k]!] as const) },
      ]
    : [];
  const body: Stmt[] = [
    ...scan.stmts.static,
    ...scan.stmts.pre,
    {
      kind: "loop",
      reverse: false,
      doc: "inference sweep over time",
      body: [...scan.stmts.loop, ...tail],
    },
    ...scan.stmts.post,
    ...maskOutputs(cx, outBufs),
  ];
  return {
    sweep: "forward",
    buffers,
    body,
    args: [...inBufs, ...cur],
    results: [...outBufs, ...cur],
  };
}
