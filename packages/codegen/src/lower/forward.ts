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
import type { BufferDecl, Loc, Proc, Stmt } from "../schedule/schedule.js";
import { declare, loc } from "./build.js";
import type { Layout } from "./layout.js";
import { lowerScan } from "./scan.js";
import type { LowerContext } from "./sweeps.js";

/** The inference procedure (before buffer reuse and the memory plan). */
export function inferenceSweep(cx: LowerContext, layout: Layout): Proc {
  const { pr, shapes, namer } = cx;
  const w = (n: Node) => shapes.size(n);
  const buffers: BufferDecl[] = [
    {
      name: layout.buf,
      role: "param",
      type: cx.compute,
      rows: "one",
      width: layout.size,
      doc: "parameters",
    },
  ];
  const decl = (
    name: string,
    role: BufferDecl["role"],
    rows: BufferDecl["rows"],
    n: Node,
    doc: string,
  ) => declare(buffers, cx.compute, namer.fresh(name), role, rows, w(n), doc);
  const inBufs = pr.inputs.map((i) => decl(i.name, "input", "TB", i.node, `input ${i.name}`));
  const cur = pr.states.map((s) =>
    decl(s.name, "state", "B", s.node, `${s.name} at the step's start (in: initial; out: final)`),
  );
  const next = pr.states.map((s) =>
    decl(`${s.name}_next`, "state", "B", s.node, `${s.name} at the step's end`),
  );
  const outBufs = pr.outputs.map((o) =>
    decl(
      o.name,
      "output",
      "TB",
      o.node,
      o.name === "output" ? "the output of every step" : `output ${o.name}`,
    ),
  );
  const rowAt = (bufs: readonly string[], k: number) => loc(bufs[k]!, "row", w(pr.states[k]!.node));
  const rowInputs = new Map<Node, Loc>();
  pr.inputs.forEach((i, k) => rowInputs.set(i.node, loc(inBufs[k]!, "time", w(i.node))));
  const scan = lowerScan({
    sweep: "forward",
    compute: cx.compute,
    shapes,
    namer,
    hints: cx.hints,
    consts: cx.consts,
    params: layout.params,
    carried: pr.states.map((s, k) => ({
      leaf: s.node,
      next: s.next,
      inLoc: rowAt(cur, k),
      outLoc: rowAt(next, k),
    })),
    rowInputs,
    rowOutputs: pr.outputs.map((o, k) => ({
      node: o.node,
      loc: loc(outBufs[k]!, "time", w(o.node)),
    })),
    accum: [],
    keep: new Set(),
    // the taped forward's order: the cell's locals first, in definition order
    first: [...(pr.locals?.keys() ?? [])],
  });
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
    ...pr.outputs.map(
      (o, k): Stmt => ({
        kind: "maskRows",
        loc: loc(outBufs[k]!, "time", w(o.node)),
        width: w(o.node),
      }),
    ),
  ];
  return {
    sweep: "forward",
    buffers,
    body,
    args: [...inBufs, ...cur],
    results: [...outBufs, ...cur],
  };
}
