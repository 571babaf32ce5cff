/**
 * The two scans of lowering. `forwardSweep`: the problem → a procedure over t = 0…T−1 that keeps
 * the state history and the residuals (the tape) over all rows. `backwardSweep`: → the reverse
 * procedure, carried cotangents double-buffered, parameter gradients deferred to after the
 * sweep. Both declare the sweep's interface buffers, call `lowerScan` on the sweep's graph and
 * put its statements around the time loop with the masking of padded steps.
 */
import type { Node } from "@gated/graph";
import type { Namer } from "../names.js";
import type { BufferDecl, Loc, Proc, Stmt } from "../schedule/schedule.js";
import type { Shapes } from "./analyze.js";
import { copy, declare, loc } from "./build.js";
import type { ConstPool } from "./consts.js";
import type { NamedVjp } from "./cotangents.js";
import type { Layout } from "./layout.js";
import type { RunPhase, ScanResult } from "./plan.js";
import type { Problem } from "./problem.js";
import { lowerScan } from "./scan.js";

/** What every pass of one lowering shares. */
export interface LowerContext {
  readonly pr: Problem;
  readonly compute: "f32" | "f64";
  readonly shapes: Shapes;
  readonly namer: Namer;
  /** Readable names for nodes: the cell's locals, states and outputs. */
  readonly hints: ReadonlyMap<Node, string>;
  readonly consts: ConstPool;
}

/** The forward procedure (before buffer reuse) and the buffers the backward one reads. */
export interface ForwardSweep {
  readonly proc: Proc;
  readonly inputs: readonly string[];
  readonly hist: readonly string[];
  readonly tape: readonly string[];
  /** Where each residual is kept over all rows. */
  readonly tapeLoc: ReadonlyMap<Node, Loc>;
}

/** The scan's statements around the time loop: static, setup, pre, loop, post, finish. */
function sweepBody(
  st: Record<RunPhase, Stmt[]>,
  setup: readonly Stmt[],
  loop: { reverse: boolean; doc: string; head: readonly Stmt[]; tail: readonly Stmt[] },
  finish: readonly Stmt[],
): Stmt[] {
  return [
    ...st.static,
    ...setup,
    ...st.pre,
    {
      kind: "loop",
      reverse: loop.reverse,
      doc: loop.doc,
      body: [...loop.head, ...st.loop, ...loop.tail],
    },
    ...st.post,
    ...finish,
  ];
}

export const paramBuffer = (cx: LowerContext, layout: Layout): BufferDecl => ({
  name: layout.buf,
  role: "param",
  type: cx.compute,
  rows: "one",
  width: layout.size,
  doc: "parameters",
});

/** Declares an interface buffer of a node's width in `list` under a fresh name; its name. */
export type Declare = (
  name: string,
  role: BufferDecl["role"],
  rows: BufferDecl["rows"],
  n: Node,
  doc: string,
) => string;

export const declarer =
  (cx: LowerContext, list: BufferDecl[]): Declare =>
  (name, role, rows, n, doc) =>
    declare(list, cx.compute, cx.namer.fresh(name), role, rows, cx.shapes.size(n), doc);

/** The per-step outputs over all rows (both forward sweeps'). */
export const outputBuffers = (cx: LowerContext, decl: Declare): string[] =>
  cx.pr.outputs.map((o) =>
    decl(
      o.name,
      "output",
      "TB",
      o.node,
      o.name === "output" ? "the output of every step" : `output ${o.name}`,
    ),
  );

/**
 * The forward recurrence's scan, taped (`keep`: the residuals) or not (inference): inputs and
 * outputs over all rows, state k carried from `at(k).inLoc` to `at(k).outLoc`.
 */
export function scanForward(
  cx: LowerContext,
  layout: Layout,
  io: { readonly inBufs: readonly string[]; readonly outBufs: readonly string[] },
  at: (k: number) => { readonly inLoc: Loc; readonly outLoc: Loc },
  keep: ReadonlySet<Node>,
): { rowInputs: Map<Node, Loc>; scan: ScanResult } {
  const { pr, shapes } = cx;
  const w = (n: Node) => shapes.size(n);
  const rowInputs = new Map<Node, Loc>();
  pr.inputs.forEach((i, k) => rowInputs.set(i.node, loc(io.inBufs[k]!, "time", w(i.node))));
  const scan = lowerScan({
    sweep: "forward",
    compute: cx.compute,
    shapes,
    namer: cx.namer,
    hints: cx.hints,
    consts: cx.consts,
    params: layout.params,
    carried: pr.states.map((s, k) => ({ leaf: s.node, next: s.next, ...at(k) })),
    rowInputs,
    rowOutputs: pr.outputs.map((o, k) => ({
      node: o.node,
      loc: loc(io.outBufs[k]!, "time", w(o.node)),
    })),
    accum: [],
    // the cell's locals first, in definition order
    first: [...(pr.locals?.keys() ?? [])],
    keep,
  });
  return { rowInputs, scan };
}

/** Steps past a sequence's length output 0: the last statements of both forward sweeps. */
export const maskOutputs = (cx: LowerContext, outBufs: readonly string[]): Stmt[] =>
  cx.pr.outputs.map((o, k) => {
    const width = cx.shapes.size(o.node);
    return { kind: "maskRows", loc: loc(outBufs[k]!, "time", width), width };
  });

/** Forward: inputs over all rows, state history [(T+1)·B], outputs over all rows, the tape. */
export function forwardSweep(
  cx: LowerContext,
  layout: Layout,
  residual: ReadonlySet<Node>,
): ForwardSweep {
  const { pr, shapes } = cx;
  const w = (n: Node) => shapes.size(n);
  const fb: BufferDecl[] = [paramBuffer(cx, layout)];
  const decl = declarer(cx, fb);
  const inBufs = pr.inputs.map((i) => decl(i.name, "input", "TB", i.node, `input ${i.name}`));
  const hist = pr.states.map((s) =>
    decl(`${s.name}_hist`, "state", "T1B", s.node, `${s.name} before and after every step`),
  );
  const init = pr.states.map((s) => decl(`${s.name}_0`, "input", "B", s.node, `initial ${s.name}`));
  const outBufs = outputBuffers(cx, decl);
  const histAt = (k: number, shift: number) => loc(hist[k]!, "time", w(pr.states[k]!.node), shift);
  const { rowInputs, scan } = scanForward(
    cx,
    layout,
    { inBufs, outBufs },
    (k) => ({ inLoc: histAt(k, 0), outLoc: histAt(k, 1) }),
    residual,
  );
  const { tape, tapeLoc } = tapeOf(cx, residual, rowInputs, histAt, scan, fb, outBufs);
  const body = sweepBody(
    scan.stmts,
    pr.states.map((s, k) =>
      copy("B", loc(init[k]!, "row", w(s.node)), histAt(k, 0), w(s.node), `${hist[k]} at t = 0`),
    ),
    {
      reverse: false,
      doc: "forward sweep over time",
      head: [],
      tail: pr.states.length
        ? [
            {
              kind: "mask",
              mode: "hold",
              zero: [],
              pairs: pr.states.map((s, k) => ({
                a: histAt(k, 0),
                b: histAt(k, 1),
                width: w(s.node),
              })),
            },
          ]
        : [],
    },
    maskOutputs(cx, outBufs),
  );
  for (const d of scan.buffers) fb.push(tape.includes(d.name) ? { ...d, role: "tape" } : d);
  return {
    proc: {
      sweep: "forward",
      buffers: fb,
      body,
      args: [...inBufs, ...init],
      results: [...outBufs, ...hist, ...tape],
    },
    inputs: inBufs,
    hist,
    tape,
    tapeLoc,
  };
}

/** The buffers that hold the residuals over all rows: the forward sweep's extra results. */
function tapeOf(
  cx: LowerContext,
  residual: ReadonlySet<Node>,
  rowInputs: ReadonlyMap<Node, Loc>,
  histAt: (k: number, shift: number) => Loc,
  scan: ScanResult,
  fb: readonly BufferDecl[],
  outBufs: readonly string[],
): { tape: string[]; tapeLoc: Map<Node, Loc> } {
  const tapeLoc = new Map<Node, Loc>();
  const tape: string[] = [];
  for (const r of residual) {
    const k = cx.pr.states.findIndex((s) => s.node === r);
    const l = rowInputs.get(r) ?? (k >= 0 ? histAt(k, 0) : scan.locOf(r));
    if (!l || l.scope !== "time")
      throw new Error(`internal: residual ${r.label ?? r.op.name} is not kept over all rows`);
    tapeLoc.set(r, l);
    const b =
      scan.buffers.find((d) => d.name === l.buf) ??
      (outBufs.includes(l.buf) ? fb.find((d) => d.name === l.buf) : undefined);
    if (b && !tape.includes(b.name)) tape.push(b.name);
  }
  return { tape, tapeLoc };
}

/** Backward: the reverse scan over the tape; carried cotangents double-buffered. */
export function backwardSweep(
  cx: LowerContext,
  layout: Layout,
  named: NamedVjp,
  fwd: ForwardSweep,
): Proc {
  const { pr, shapes, namer } = cx;
  const { seeds, grads } = named.vjp;
  const hints = new Map(cx.hints);
  for (const [n, s] of named.names) if (!hints.has(n)) hints.set(n, s);
  const w = (n: Node) => shapes.size(n);
  const fb = fwd.proc.buffers;
  const bb: BufferDecl[] = [paramBuffer(cx, layout)];
  for (const n of [...fwd.inputs, ...fwd.hist]) bb.push(fb.find((d) => d.name === n)!);
  for (const n of fwd.tape) bb.push({ ...fb.find((d) => d.name === n)!, role: "tape" });
  const decl = (
    name: string,
    role: BufferDecl["role"],
    rows: BufferDecl["rows"],
    width: number,
    doc: string,
  ) => declare(bb, cx.compute, namer.fresh(name), role, rows, width, doc);
  const gOut = pr.outputs.map((o) => decl(`d_${o.name}`, "input", "TB", w(o.node), `∂ ${o.name}`));
  const gCur = pr.states.map((s) =>
    decl(`d_${s.name}`, "state", "B", w(s.node), `∂ ${s.name} at the step's end`),
  );
  const gNext = pr.states.map((s) =>
    decl(`d_${s.name}_prev`, "state", "B", w(s.node), `∂ ${s.name} at the step's start`),
  );
  const held = pr.states.map((s) =>
    decl(`d_${s.name}_held`, "temp", "B", w(s.node), `∂ ${s.name} of masked rows`),
  );
  const dP = decl("dP", "output", "one", layout.size, "parameter gradients");
  const dX = pr.inputs.map((i) => decl(`d_${i.name}`, "output", "TB", w(i.node), `∂ ${i.name}`));
  const rowInputs = new Map<Node, Loc>(fwd.tapeLoc);
  pr.inputs.forEach((i, k) => rowInputs.set(i.node, loc(fwd.inputs[k]!, "time", w(i.node))));
  pr.states.forEach((s, k) => rowInputs.set(s.node, loc(fwd.hist[k]!, "time", w(s.node), 0)));
  pr.outputs.forEach((o, k) =>
    rowInputs.set(seeds[pr.states.length + k]!, loc(gOut[k]!, "time", w(o.node))),
  );
  const nIn = pr.inputs.length;
  const nSt = pr.states.length;
  const rowAt = (bufs: readonly string[], k: number) => loc(bufs[k]!, "row", w(pr.states[k]!.node));
  const scan = lowerScan({
    sweep: "backward",
    compute: cx.compute,
    shapes,
    namer,
    hints,
    consts: cx.consts,
    params: layout.params,
    carried: pr.states.map((_, k) => ({
      leaf: seeds[k]!,
      next: grads[nIn + k]!,
      inLoc: rowAt(gCur, k),
      outLoc: rowAt(gNext, k),
    })),
    rowInputs,
    rowOutputs: pr.inputs.map((i, k) => ({ node: grads[k]!, loc: loc(dX[k]!, "time", w(i.node)) })),
    accum: pr.params.map((p, k) => {
      const { offset } = layout.params.get(p)!;
      return { node: grads[nIn + nSt + k]!, loc: loc(dP, "static", 0, 0, offset), offset };
    }),
    first: named.order,
    keep: new Set(),
  });
  for (const d of scan.buffers) bb.push(d);
  const rowPairs = (a: readonly string[], b: readonly string[]) =>
    pr.states.map((s, k) => ({ a: rowAt(a, k), b: rowAt(b, k), width: w(s.node) }));
  const body = sweepBody(
    scan.stmts,
    pr.outputs.map((o, k) => ({
      kind: "maskRows",
      loc: loc(gOut[k]!, "time", w(o.node)),
      width: w(o.node),
    })),
    {
      reverse: true,
      doc: "backward sweep over time",
      head: nSt ? [{ kind: "mask", mode: "split", pairs: rowPairs(gCur, held), zero: [] }] : [],
      tail: nSt
        ? [
            { kind: "mask", mode: "merge", pairs: rowPairs(held, gNext), zero: [] },
            { kind: "swap", pairs: pr.states.map((_, k) => [gCur[k]!, gNext[k]!] as const) },
          ]
        : [],
    },
    [],
  );
  return {
    sweep: "backward",
    buffers: bb,
    body,
    args: [...fwd.inputs, ...fwd.hist, ...fwd.tape, ...gOut, ...gCur],
    results: [dP, ...dX, ...gCur],
  };
}
