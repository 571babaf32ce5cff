/**
 * The statements of a node that is not fused into a map: a product (matvec, matmul, outer), a
 * reduction, a linear scan, or a gather (transpose, broadcast, slice, concat, reshape as index
 * tables). Part of the `statements` pass.
 */
import { constValue, type Node, printText } from "@gated/graph";
import type { Loc, Rows, Stmt } from "../schedule/schedule.js";
import { gatherTables, reduceTable } from "./analyze.js";
import type { ScanSpec } from "./plan.js";

/** `n` computed into `to` over `rows` rows; `locOf` gives its inputs' locations. */
export function nodeStatements(
  spec: ScanSpec,
  n: Node,
  rows: Rows,
  to: Loc,
  doc: string,
  locOf: (x: Node) => Loc,
): Stmt[] {
  const out: Stmt[] = [];
  const [a, b] = n.inputs;
  const sh = (x: Node) => spec.shapes.of(x);
  const size = (x: Node) => spec.shapes.size(x);
  const product = (op: "matvec" | "matmul" | "outer", m: number, nn: number, k: number) =>
    out.push({ kind: "product", op, rows, a: locOf(a!), b: locOf(b!), to, m, n: nn, k, doc });
  switch (n.op.kind) {
    case "matvec":
      product("matvec", sh(a!)[0]!, 1, sh(a!)[1]!);
      break;
    case "matmul":
      product("matmul", sh(a!)[0]!, sh(b!)[1]!, sh(a!)[1]!);
      break;
    case "outer":
      product("outer", size(a!), size(b!), 1);
      break;
    case "reduce": {
      const f = n.op.reduce;
      if (!f) throw new Error(`${n.op.name}: a reduce op needs a reduce facet to be compiled`);
      const t = reduceTable(sh(a!), n.attrs["axis"] as number | "all");
      const base = spec.consts.add(t.base, true, `reduce ${n.op.name} bases`);
      out.push({
        kind: "reduce",
        rows,
        from: locOf(a!),
        to,
        base: base.buf,
        width: size(n),
        count: t.count,
        stride: t.stride,
        init: f.init,
        combine: f.combine,
        ...(f.finish ? { finish: f.finish } : {}),
        doc,
      });
      break;
    }
    case "scan": {
      // a linear recurrence along the last axis; constant coefficients inline
      const c = constValue(a!);
      const s = sh(n);
      out.push({
        kind: "scan",
        rows,
        a: c ?? locOf(a!),
        b: locOf(b!),
        to,
        width: size(n),
        count: s[s.length - 1]!,
        reverse: n.attrs["reverse"] === true,
        doc,
      });
      break;
    }
    case "transpose":
    case "broadcast":
    case "slice":
    case "concat":
    case "reshape":
      gatherTables(n, spec.shapes).forEach((t, i) => {
        if (t.to.length === 0) return;
        const from = spec.consts.add(t.from, true, `${n.op.name} source`);
        const toIdx = spec.consts.add(t.to, true, `${n.op.name} target`);
        out.push({
          kind: "gather",
          rows,
          from: locOf(n.inputs[i]!),
          to,
          index: from.buf,
          toIndex: toIdx.buf,
          width: t.to.length,
          doc,
        });
      });
      break;
    default:
      throw new Error(`cannot compile ${n.op.name} (kind ${n.op.kind}) in ${printText(n, 2)}`);
  }
  return out;
}
