/**
 * `lower`: a recurrence (or a stateless graph) bound to sizes → a `Schedule`. `lowerProblem` is
 * the pipeline: it calls the named passes in order, each a function from one typed value to the
 * next. The passes of one sweep (phases, merged products, fusion, buffers, statements) are
 * `lowerScan`'s, in scan.ts.
 */
import type { Node, Sizes } from "@gated/graph";
import type { DType, Recurrence } from "../kernel/types.js";
import { graphHash, Namer } from "../names.js";
import type { Proc, Schedule } from "../schedule/schedule.js";
import { Shapes } from "./analyze.js";
import { ConstPool } from "./consts.js";
import { namedVjp } from "./cotangents.js";
import { inferenceSweep } from "./forward.js";
import { type Layout, packedLayout } from "./layout.js";
import { planMemory } from "./memory.js";
import { maskPaddedBackward, maskPaddedForward } from "./padding.js";
import { type Problem, problemOf } from "./problem.js";
import { residuals } from "./residuals.js";
import { reuseBuffers } from "./reuse.js";
import { backwardSweep, forwardSweep, type LowerContext } from "./sweeps.js";

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

/** The lowering pipeline, top to bottom. */
export function lowerProblem(
  pr: Problem,
  sizes: Sizes,
  dtype: DType = "float64",
  opts: LowerOptions = {},
): Schedule {
  const cx = lowerContext(pr, sizes, opts.compute ?? "f64");
  // 1. layout: matrices multiplying the same vector are packed (LSTM: [U_i; U_f; U_g; U_o])
  const layout = packedLayout(pr, cx.shapes, cx.namer);
  // 2. vjp: the step's reverse-mode graph, simplified; cotangents of the locals named d_<local>
  const vjp = namedVjp(pr);
  // 3. residuals: the forward values the backward graph reads (the tape)
  const residual = residuals(pr, vjp.vjp);
  // 4. forward scan over t = 0…T−1, keeping the residuals over all rows (fused, placed)
  const fwd = forwardSweep(cx, layout, residual);
  // 5. backward scan over t = T−1…0, parameter gradients deferred to after the sweep
  const bwd = backwardSweep(cx, layout, vjp, fwd);
  // 6. padding: padded rows of the tape, and of what the backward sums over rows, set to 0
  const forward = maskPaddedForward(fwd.proc);
  const backward = maskPaddedBackward(bwd);
  // 7. inference: the forward scan without a tape, states double-buffered (forward.ts)
  const infer = inferenceSweep(cx, layout);
  // 8. reuse, then memory: temporaries with disjoint live ranges share buffers, and every
  //    buffer gets an offset a + b·B + c·T·B in one memory
  const store = (p: Proc) => planMemory(reuseBuffers(p));
  const procs = { forward: store(forward), backward: store(backward), infer: store(infer) };
  return scheduleOf(cx, sizes, dtype, layout, fwd.tape, procs);
}

/** The schedule: what the kernel API needs besides the procedures (sizes, layout, widths). */
function scheduleOf(
  cx: LowerContext,
  sizes: Sizes,
  dtype: DType,
  layout: Layout,
  tape: readonly string[],
  procs: Pick<Schedule, "forward" | "backward" | "infer">,
): Schedule {
  const { pr } = cx;
  const width = (n: Node) => cx.shapes.size(n);
  return {
    name: pr.name,
    dtype,
    compute: cx.compute,
    hash: graphHash([...pr.states.map((s) => s.next), ...pr.outputs.map((o) => o.node)]),
    sizes: { ...sizes },
    layout: [...layout.slots],
    paramSize: layout.size,
    inputs: pr.inputs.map((i) => ({ name: i.name, width: width(i.node) })),
    outputs: pr.outputs.map((o) => ({ name: o.name, width: width(o.node) })),
    states: pr.states.map((s) => ({ name: s.name, width: width(s.node) })),
    tape: [...tape],
    consts: cx.consts.decls,
    ...procs,
  };
}

/** Sizes bound, names given out, readable hints for the cell's values; states checked. */
function lowerContext(pr: Problem, sizes: Sizes, compute: "f32" | "f64"): LowerContext {
  const shapes = new Shapes(sizes);
  for (const s of pr.states) {
    if (shapes.size(s.node) !== shapes.size(s.next))
      throw new Error(
        `cell ${JSON.stringify(pr.name)}: state ${s.name} and its next value differ in size`,
      );
  }
  // the emitters prefix their own identifiers with `$`, which no sanitised name has, so the
  // cell's names (i, n, t, r, …) are free for its buffers
  const namer = new Namer();
  const hints = new Map<Node, string>(pr.locals ?? []);
  for (const s of pr.states) if (!hints.has(s.next)) hints.set(s.next, `${s.name}_next`);
  for (const o of pr.outputs) if (!hints.has(o.node)) hints.set(o.node, o.name);
  return {
    pr,
    compute,
    shapes,
    namer,
    hints,
    consts: new ConstPool((h) => namer.fresh(h), compute),
  };
}
