/**
 * A fused group of elementwise nodes as one map statement: one let per node, stores for what
 * leaves the map. Part of the `statements` pass.
 */
import { broadcastIndex, type Node, printText, S, type Scalar } from "@gated/graph";
import type { MapLet, MapStore, Operand } from "../schedule/schedule.js";
import { ROWS } from "./build.js";
import { equationText } from "./place.js";
import type { RunPhase } from "./plan.js";
import type { Item, StmtContext } from "./stmtContext.js";

/** A fused elementwise map: one let per node, stores for what leaves the map. */
export function mapStatement(cx: StmtContext, it: Item<"map">, p: RunPhase): void {
  const { spec, pl } = cx;
  const lets = new Map<Node, string>();
  const mlets: MapLet[] = [];
  const mstores: MapStore[] = [];
  const outShape = spec.shapes.of(it.nodes[0]!);
  for (const n of it.nodes) {
    const sg = pl.sumOf.get(n);
    const name = spec.namer.fresh(cx.hint(n));
    let args: Operand[];
    let expr: Scalar;
    if (sg) {
      // the merged products' sum, then the remaining terms: ((Σ + t1) + t2) …
      args = [
        { kind: "load", loc: pl.sumOut.get(n)!, width: cx.size(n) },
        ...sg.rest.map((x) => operand(cx, x, it.width, outShape, lets)),
      ];
      expr = S.arg(0);
      for (let k = 1; k < args.length; k++) expr = n.op.scalar!([expr, S.arg(k)], n.attrs);
    } else {
      args = n.inputs.map((x) => operand(cx, x, it.width, spec.shapes.of(n), lets));
      expr =
        n.op.kind === "elementwise"
          ? n.op.scalar!(
              args.map((_, k) => S.arg(k)),
              n.attrs,
            )
          : S.arg(0);
    }
    lets.set(n, name);
    const primary = pl.primary.get(n);
    const to = [...(primary ? [primary] : []), ...(pl.extra.get(n) ?? [])];
    // one comment per stored value, as the cell's equation; temporaries go without
    const doc = to.length ? `${cx.hint(n)} = ${equationText(spec, n)}` : "";
    mlets.push({ name, op: n.op.name, args, expr, doc });
    for (const l of to) mstores.push({ from: name, to: l });
  }
  cx.stmts[p].push({
    kind: "map",
    rows: ROWS[p],
    width: it.width,
    lets: mlets,
    stores: mstores,
  });
}

/** An input of a map's node: an earlier let, a literal, or a load (broadcast by an index table). */
function operand(
  cx: StmtContext,
  x: Node,
  width: number,
  outShape: readonly number[],
  lets: Map<Node, string>,
): Operand {
  const name = lets.get(x);
  if (name) return { kind: "let", name };
  if (cx.ph(x) === "const") {
    const v = cx.folded(x);
    if (v.every((y) => Object.is(y, v[0]))) return { kind: "lit", value: v[0] ?? 0 };
  }
  const w = cx.size(x);
  const l = cx.locOf(x);
  if (w === width || w === 1) return { kind: "load", loc: l, width: w };
  const idx = cx.spec.consts.add(
    Array.from(broadcastIndex(cx.spec.shapes.of(x), outShape)),
    true,
    `broadcast ${printText(x, 2)}`,
  );
  return { kind: "load", loc: l, width: w, index: idx.buf };
}
