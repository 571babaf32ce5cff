/**
 * What the `statements` pass's parts share: the statements per phase, the buffers, and the
 * locations and sizes of the plan's values. Part of the `statements` pass.
 */
import { constValue, type Node, printText } from "@gated/graph";
import type { BufferDecl, Loc, Stmt } from "../schedule/schedule.js";
import { foldConstant } from "./analyze.js";
import { copy, ROWS, temp } from "./build.js";
import { hintOf } from "./place.js";
import type { Placed, PlanItem, RunPhase, ScanSpec } from "./plan.js";

export type Item<K extends PlanItem["kind"]> = Extract<PlanItem, { kind: K }>;

/** The statements built so far, and the values' locations, for one sweep. */
export class StmtContext {
  readonly stmts: Record<RunPhase, Stmt[]> = { static: [], pre: [], loop: [], post: [] };
  readonly buffers: BufferDecl[];
  private readonly constLoc = new Map<Node, Loc>();
  private readonly paramAt: Map<number, string>;

  constructor(
    readonly spec: ScanSpec,
    readonly pl: Placed,
  ) {
    this.buffers = [...pl.buffers];
    this.paramAt = new Map([...spec.params].map(([n, q]) => [q.offset, n.label ?? "?"]));
  }

  ph = (n: Node) => this.pl.phase.get(n)!;
  size = (n: Node) => this.spec.shapes.size(n);
  hint = (n: Node) => hintOf(this.spec, n);
  newBuf(h: string, scope: Loc["scope"], width: number, doc: string): Loc {
    return temp(this.buffers, this.spec.compute, this.spec.namer.fresh(h), scope, width, doc);
  }
  copyTo(p: RunPhase, from: Loc, to: Loc, width: number, doc: string): void {
    this.stmts[p].push(copy(ROWS[p], from, to, width, doc));
  }
  /** Copies into the value's further locations. */
  copyOut(p: RunPhase, n: Node, from: Loc): void {
    for (const l of this.pl.extra.get(n) ?? [])
      this.copyTo(p, from, l, this.size(n), `${this.hint(n)} out`);
  }
  gradName(l: Loc): string {
    return l.buf === this.spec.accum[0]?.loc.buf ? `∂${this.paramAt.get(l.col) ?? l.col}` : l.buf;
  }
  folded(n: Node): Float64Array {
    const c = constValue(n);
    return c !== undefined
      ? new Float64Array(this.size(n)).fill(c)
      : foldConstant(n, this.spec.shapes.sizes);
  }

  locOf(n: Node): Loc {
    const { spec } = this;
    const p = this.ph(n);
    if (p === "static" && spec.params.has(n)) return spec.params.get(n)!.loc;
    if (p === "const") {
      let l = this.constLoc.get(n);
      if (!l) this.constLoc.set(n, (l = spec.consts.add(this.folded(n), false, printText(n, 2))));
      return l;
    }
    if (p === "input") return spec.rowInputs.get(n)!;
    if (p === "carried") return spec.carried.find((c) => c.leaf === n)!.inLoc;
    const l = this.pl.primary.get(n);
    if (!l) throw new Error(`internal: ${printText(n, 2)} has no location`);
    return l;
  }

  /** The concatenation of `us` the plan keeps in one buffer, if any. */
  concatLoc(us: readonly Node[]): Loc | undefined {
    const c = this.pl.concat.find((x) => x.length === us.length && x.every((u, i) => u === us[i]));
    return c && this.pl.catLocs.get(c);
  }
}
