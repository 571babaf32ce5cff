/**
 * `lower`: a recurrence (or a stateless graph) bound to sizes → a `Schedule`. The passes, in
 * order:
 *   1. layout     — parameters that multiply the same vector are placed side by side;
 *   2. vjp        — the step's reverse-mode graph, simplified;
 *   3. residuals  — the forward values the backward graph reads (the tape);
 *   4. forward    — the scan over t = 0…T−1, keeping the residuals over all rows;
 *   5. backward   — the reverse scan, parameter gradients deferred to after the sweep;
 *   6. reuse      — temporaries with disjoint live ranges share buffers;
 *   7. memory     — every buffer gets an offset a + b·B + c·T·B in one memory (`planMemory`).
 */
import type { Node, Sizes } from "@gated/graph";
import { topo } from "@gated/graph";
import { layoutOf } from "../kernel/params.js";
import type { DType, ParamSlot, Recurrence } from "../kernel/types.js";
import { graphHash, Namer } from "../names.js";
import type { BufferDecl, Loc, Proc, Schedule, Stmt } from "../schedule/schedule.js";
import { Shapes } from "./analyze.js";
import { ConstPool } from "./consts.js";
import { planMemory } from "./memory.js";
import { type Problem, problemOf, problemVjp } from "./problem.js";
import { reuseBuffers } from "./reuse.js";
import { lowerScan } from "./scan.js";

/** What a backend asks of the lowering: the element type its sweeps compute in. */
export interface LowerOptions {
  /** Default "f64" (the JS backend computes in float64 whatever the dtype). */
  readonly compute?: "f32" | "f64";
}

/** Lowers a recurrence bound to `sizes` (every symbolic dim it uses) to a schedule. */
export function lower(
  rec: Recurrence,
  sizes: Sizes,
  dtype: DType = "float64",
  opts: LowerOptions = {},
): Schedule {
  return lowerProblem(problemOf(rec), sizes, dtype, opts);
}

const loc = (buf: string, scope: Loc["scope"], ld: number, shift = 0, col = 0): Loc => ({
  buf,
  scope,
  ld,
  col,
  shift,
});

export function lowerProblem(
  pr: Problem,
  sizes: Sizes,
  dtype: DType = "float64",
  opts: LowerOptions = {},
): Schedule {
  const compute = opts.compute ?? "f64";
  const shapes = new Shapes(sizes);
  // the emitters prefix their own identifiers with `$`, which no sanitised name has, so the
  // cell's names (i, n, t, r, …) are free for its buffers
  const namer = new Namer();
  const outs = [...pr.states.map((s) => s.next), ...pr.outputs.map((o) => o.node)];
  const where = `cell ${JSON.stringify(pr.name)}`;
  for (const s of pr.states) {
    if (shapes.size(s.node) !== shapes.size(s.next))
      throw new Error(`${where}: state ${s.name} and its next value differ in size`);
  }

  // 1. layout: matrices multiplying the same vector are packed (LSTM: [U_i; U_f; U_g; U_o])
  const layout = packedLayout(pr, outs, shapes);
  const paramSize = layout.reduce((a, s) => a + s.size, 0);
  const P = namer.fresh("P"); // the first name given out, so always "P"
  const params = new Map<Node, { loc: Loc; offset: number }>();
  for (const p of pr.params) {
    const slot = layout.find((s) => s.name === p.label)!;
    params.set(p, { loc: loc(P, "static", 0, 0, slot.offset), offset: slot.offset });
  }

  // 2. the step's VJP: cotangent leaves named apart from every leaf of the cell
  const { seeds, grads } = problemVjp(pr);

  // 3. residuals: forward values read by a node of the backward graph that is not forward work
  const fwdSet = new Set(topo(outs));
  const seedSet = new Set(seeds);
  const rowLeaves = new Set([...pr.inputs.map((i) => i.node), ...pr.states.map((s) => s.node)]);
  const dep = new Set<Node>(); // depends on a cotangent
  const rowDep = new Set<Node>(); // depends on x or a state
  const bOrder = topo(grads);
  for (const n of [...topo(outs), ...bOrder]) {
    if (seedSet.has(n) || n.inputs.some((x) => dep.has(x))) dep.add(n);
    if (rowLeaves.has(n) || n.inputs.some((x) => rowDep.has(x))) rowDep.add(n);
  }
  const residual = new Set<Node>();
  for (const m of bOrder) {
    if (!dep.has(m) && fwdSet.has(m)) continue;
    for (const x of m.inputs) if (!dep.has(x) && fwdSet.has(x) && rowDep.has(x)) residual.add(x);
  }

  const hints = new Map<Node, string>(pr.locals ?? []);
  for (const s of pr.states) if (!hints.has(s.next)) hints.set(s.next, `${s.name}_next`);
  for (const o of pr.outputs) if (!hints.has(o.node)) hints.set(o.node, o.name);
  const consts = new ConstPool((h) => namer.fresh(h), compute);
  const decl = (
    list: BufferDecl[],
    name: string,
    role: BufferDecl["role"],
    rows: BufferDecl["rows"],
    width: number,
    doc: string,
  ): string => {
    list.push({ name, role, type: compute, rows, width, doc });
    return name;
  };

  // 4. forward: inputs over all rows, state history [(T+1)·B], outputs over all rows
  const fb: BufferDecl[] = [
    { name: P, role: "param", type: compute, rows: "one", width: paramSize, doc: "parameters" },
  ];
  const inBufs = pr.inputs.map((i) =>
    decl(fb, namer.fresh(i.name), "input", "TB", shapes.size(i.node), `input ${i.name}`),
  );
  const hist = pr.states.map((s) =>
    decl(
      fb,
      namer.fresh(`${s.name}_hist`),
      "state",
      "T1B",
      shapes.size(s.node),
      `${s.name} before and after every step`,
    ),
  );
  const init = pr.states.map((s) =>
    decl(fb, namer.fresh(`${s.name}_0`), "input", "B", shapes.size(s.node), `initial ${s.name}`),
  );
  const outBufs = pr.outputs.map((o) =>
    decl(
      fb,
      namer.fresh(o.name),
      "output",
      "TB",
      shapes.size(o.node),
      o.name === "output" ? "the output of every step" : `output ${o.name}`,
    ),
  );
  const rowInputs = new Map<Node, Loc>();
  pr.inputs.forEach((i, k) => rowInputs.set(i.node, loc(inBufs[k]!, "time", shapes.size(i.node))));
  const fwd = lowerScan({
    sweep: "forward",
    compute,
    shapes,
    namer,
    hints,
    consts,
    params,
    carried: pr.states.map((s, k) => ({
      leaf: s.node,
      next: s.next,
      inLoc: loc(hist[k]!, "time", shapes.size(s.node), 0),
      outLoc: loc(hist[k]!, "time", shapes.size(s.node), 1),
    })),
    rowInputs,
    rowOutputs: pr.outputs.map((o, k) => ({
      node: o.node,
      loc: loc(outBufs[k]!, "time", shapes.size(o.node)),
    })),
    accum: [],
    keep: residual,
  });
  const tapeLoc = new Map<Node, Loc>();
  const tape: string[] = [];
  for (const r of residual) {
    const l =
      rowInputs.get(r) ??
      pr.states
        .map((s, k) => (s.node === r ? loc(hist[k]!, "time", shapes.size(r), 0) : null))
        .find((x) => x) ??
      fwd.locOf(r);
    if (!l || l.scope !== "time")
      throw new Error(`internal: residual ${r.label ?? r.op.name} is not kept over all rows`);
    tapeLoc.set(r, l);
    const b =
      fwd.buffers.find((d) => d.name === l.buf) ??
      (outBufs.includes(l.buf) ? fb.find((d) => d.name === l.buf) : undefined);
    if (b && !tape.includes(b.name)) tape.push(b.name);
  }
  const fbody: Stmt[] = [
    ...fwd.stmts.static,
    ...pr.states.map(
      (s, k): Stmt => ({
        kind: "copy",
        rows: "B",
        from: loc(init[k]!, "row", shapes.size(s.node)),
        to: loc(hist[k]!, "time", shapes.size(s.node)),
        width: shapes.size(s.node),
        doc: `${hist[k]} at t = 0`,
      }),
    ),
    ...fwd.stmts.pre,
    {
      kind: "loop",
      reverse: false,
      doc: "forward sweep over time",
      body: [
        ...fwd.stmts.loop,
        ...(pr.states.length
          ? [
              {
                kind: "mask" as const,
                mode: "hold" as const,
                zero: [],
                pairs: pr.states.map((s, k) => ({
                  a: loc(hist[k]!, "time", shapes.size(s.node), 0),
                  b: loc(hist[k]!, "time", shapes.size(s.node), 1),
                  width: shapes.size(s.node),
                })),
              },
            ]
          : []),
      ],
    },
    ...fwd.stmts.post,
    ...pr.outputs.map(
      (o, k): Stmt => ({
        kind: "maskRows",
        loc: loc(outBufs[k]!, "time", shapes.size(o.node)),
        width: shapes.size(o.node),
      }),
    ),
  ];
  for (const d of fwd.buffers) fb.push(tape.includes(d.name) ? { ...d, role: "tape" } : d);
  const forward: Proc = planMemory(
    reuseBuffers({
      sweep: "forward",
      buffers: fb,
      body: fbody,
      args: [...inBufs, ...init],
      results: [...outBufs, ...hist, ...tape],
    }),
  );

  // 5. backward: the reverse scan; carried cotangents double-buffered
  const bb: BufferDecl[] = [
    { name: P, role: "param", type: compute, rows: "one", width: paramSize, doc: "parameters" },
  ];
  for (const n of inBufs) bb.push(fb.find((d) => d.name === n)!);
  for (const n of hist) bb.push(fb.find((d) => d.name === n)!);
  for (const n of tape)
    bb.push({
      ...(fwd.buffers.find((d) => d.name === n) ?? fb.find((d) => d.name === n)!),
      role: "tape",
    });
  const gOut = pr.outputs.map((o) =>
    decl(bb, namer.fresh(`d_${o.name}`), "input", "TB", shapes.size(o.node), `∂ ${o.name}`),
  );
  const gCur = pr.states.map((s) =>
    decl(
      bb,
      namer.fresh(`d_${s.name}`),
      "state",
      "B",
      shapes.size(s.node),
      `∂ ${s.name} at the step's end`,
    ),
  );
  const gNext = pr.states.map((s) =>
    decl(
      bb,
      namer.fresh(`d_${s.name}_prev`),
      "state",
      "B",
      shapes.size(s.node),
      `∂ ${s.name} at the step's start`,
    ),
  );
  const keepBufs = pr.states.map((s) =>
    decl(
      bb,
      namer.fresh(`d_${s.name}_held`),
      "temp",
      "B",
      shapes.size(s.node),
      `∂ ${s.name} of masked rows`,
    ),
  );
  const dP = decl(bb, namer.fresh("dP"), "output", "one", paramSize, "parameter gradients");
  const dX = pr.inputs.map((i) =>
    decl(bb, namer.fresh(`d_${i.name}`), "output", "TB", shapes.size(i.node), `∂ ${i.name}`),
  );
  const bInputs = new Map<Node, Loc>(tapeLoc);
  pr.inputs.forEach((i, k) => bInputs.set(i.node, loc(inBufs[k]!, "time", shapes.size(i.node))));
  pr.states.forEach((s, k) => bInputs.set(s.node, loc(hist[k]!, "time", shapes.size(s.node), 0)));
  pr.outputs.forEach((o, k) =>
    bInputs.set(seeds[pr.states.length + k]!, loc(gOut[k]!, "time", shapes.size(o.node))),
  );
  const nIn = pr.inputs.length;
  const nSt = pr.states.length;
  const bwd = lowerScan({
    sweep: "backward",
    compute,
    shapes,
    namer,
    hints,
    consts,
    params,
    carried: pr.states.map((s, k) => ({
      leaf: seeds[k]!,
      next: grads[nIn + k]!,
      inLoc: loc(gCur[k]!, "row", shapes.size(s.node)),
      outLoc: loc(gNext[k]!, "row", shapes.size(s.node)),
    })),
    rowInputs: bInputs,
    rowOutputs: pr.inputs.map((i, k) => ({
      node: grads[k]!,
      loc: loc(dX[k]!, "time", shapes.size(i.node)),
    })),
    accum: pr.params.map((p, k) => ({
      node: grads[nIn + nSt + k]!,
      loc: loc(dP, "static", 0, 0, params.get(p)!.offset),
      offset: params.get(p)!.offset,
    })),
    keep: new Set(),
  });
  for (const d of bwd.buffers) bb.push(d);
  const rowPairs = (a: string[], b: string[]) =>
    pr.states.map((s, k) => ({
      a: loc(a[k]!, "row", shapes.size(s.node)),
      b: loc(b[k]!, "row", shapes.size(s.node)),
      width: shapes.size(s.node),
    }));
  const bbody: Stmt[] = [
    ...bwd.stmts.static,
    ...pr.outputs.map(
      (o, k): Stmt => ({
        kind: "maskRows",
        loc: loc(gOut[k]!, "time", shapes.size(o.node)),
        width: shapes.size(o.node),
      }),
    ),
    ...bwd.stmts.pre,
    {
      kind: "loop",
      reverse: true,
      doc: "backward sweep over time",
      body: [
        ...(nSt
          ? [
              {
                kind: "mask" as const,
                mode: "split" as const,
                pairs: rowPairs(gCur, keepBufs),
                zero: [],
              },
            ]
          : []),
        ...bwd.stmts.loop,
        ...(nSt
          ? [
              {
                kind: "mask" as const,
                mode: "merge" as const,
                pairs: rowPairs(keepBufs, gNext),
                zero: [],
              },
            ]
          : []),
        ...(nSt
          ? [
              {
                kind: "swap" as const,
                pairs: pr.states.map((_, k) => [gCur[k]!, gNext[k]!] as const),
              },
            ]
          : []),
      ],
    },
    ...bwd.stmts.post,
  ];
  const backward: Proc = planMemory(
    reuseBuffers({
      sweep: "backward",
      buffers: bb,
      body: bbody,
      args: [...inBufs, ...hist, ...tape, ...gOut, ...gCur],
      results: [dP, ...dX, ...gCur],
    }),
  );
  return {
    name: pr.name,
    dtype,
    compute,
    hash: graphHash(outs),
    sizes: { ...sizes },
    layout,
    paramSize,
    inputs: pr.inputs.map((i) => ({ name: i.name, width: shapes.size(i.node) })),
    outputs: pr.outputs.map((o) => ({ name: o.name, width: shapes.size(o.node) })),
    states: pr.states.map((s) => ({ name: s.name, width: shapes.size(s.node) })),
    tape,
    consts: consts.decls,
    forward,
    backward,
  };
}

/**
 * The parameter order: in the recurrence's order, except that matrices multiplying the same
 * vector are placed together (in the recurrence's order), so the merged product reads one
 * contiguous packed matrix and `params.get(name)` is still a contiguous view.
 */
function packedLayout(pr: Problem, outs: readonly Node[], shapes: Shapes): ParamSlot[] {
  const isParam = new Set(pr.params);
  const groups = new Map<Node, Node[]>();
  const groupOf = new Map<Node, Node[]>();
  for (const n of topo(outs)) {
    if (n.op.kind !== "matvec") continue;
    const [a, v] = n.inputs as [Node, Node];
    if (!isParam.has(a) || isParam.has(v) || groupOf.has(a)) continue;
    const g = groups.get(v) ?? [];
    g.push(a);
    groups.set(v, g);
    groupOf.set(a, g);
  }
  const rank = new Map(pr.params.map((p, i) => [p, i]));
  const order: Node[] = [];
  const placed = new Set<Node>();
  for (const p of pr.params) {
    if (placed.has(p)) continue;
    const g = groupOf.get(p);
    const members = g ? [...g].sort((a, b) => rank.get(a)! - rank.get(b)!) : [p];
    for (const m of members) if (!placed.has(m)) placed.add(m), order.push(m);
  }
  return layoutOf(order, shapes.sizes);
}
