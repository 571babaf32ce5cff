/**
 * Graph facts the lowering needs, found through `node.op` only (codegen never imports the op
 * set): which op is addition (its `algebra` facet), index tables of gathers, and
 * constant folding once sizes are bound.
 */
import {
  type Dim,
  evaluate,
  type Node,
  type OpDef,
  printText,
  reshapeMismatch,
  resolveDim,
  resolveShape,
  type Sizes,
  sizeOf,
  strides,
} from "@gated/graph";

/** Is this op elementwise addition? Stated by the op's `algebra` facet. */
export function isAdd(op: OpDef): boolean {
  return op.kind === "elementwise" && op.algebra?.sum === true;
}

/** Shapes bound to sizes, memoised per lowering. */
export class Shapes {
  private readonly memo = new Map<Node, number[]>();
  constructor(readonly sizes: Sizes) {}
  of(n: Node): number[] {
    let s = this.memo.get(n);
    if (!s) {
      this.memo.set(n, (s = resolveShape(n.shape, this.sizes, n.label ?? n.op.name)));
      // a reshape between different dims ([K] to [H,H]) holds only for some sizes
      if (n.op.kind === "reshape") {
        const x = n.inputs[0]!;
        const msg = reshapeMismatch(x.shape, n.shape, this.of(x), s);
        if (msg) throw new Error(`${printText(n, 3)}: ${msg}`);
      }
    }
    return s;
  }
  size(n: Node): number {
    return sizeOf(this.of(n));
  }
  dim(d: Dim): number {
    return resolveDim(d, this.sizes);
  }
}

/**
 * A data-movement node (transpose, broadcast, slice, reshape, concat) as index tables, found by
 * running the op's own `evaluate` on numbered inputs: for each input, pairs (to, from) saying
 * out[to] = input[from].
 */
export function gatherTables(n: Node, shapes: Shapes): { to: number[]; from: number[] }[] {
  let base = 0;
  const ins = n.inputs.map((x) => {
    const shape = shapes.of(x);
    const data = new Float64Array(sizeOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = base + i;
    base += data.length;
    return { shape, data };
  });
  const out = n.op.evaluate(ins, n.attrs, shapes.of(n), shapes.sizes);
  const starts: number[] = [];
  let acc = 0;
  for (const x of ins) {
    starts.push(acc);
    acc += x.data.length;
  }
  const tables = ins.map(() => ({ to: [] as number[], from: [] as number[] }));
  out.forEach((v, k) => {
    let i = ins.length - 1;
    while (i > 0 && v < starts[i]!) i--;
    tables[i]!.to.push(k);
    tables[i]!.from.push(v - starts[i]!);
  });
  return tables;
}

/** A reduction over `axis` ("all" or an index) as a base-offset table, a count and a stride. */
export function reduceTable(
  inShape: readonly number[],
  axis: number | "all",
): { base: number[]; count: number; stride: number } {
  if (axis === "all") return { base: [0], count: sizeOf(inShape), stride: 1 };
  const st = strides(inShape);
  const outShape = inShape.filter((_, k) => k !== axis);
  const keptStr = st.filter((_, k) => k !== axis);
  const outStr = strides(outShape);
  const base: number[] = [];
  for (let o = 0; o < sizeOf(outShape); o++) {
    let rem = o;
    let off = 0;
    for (let k = 0; k < outShape.length; k++) {
      const c = Math.floor(rem / outStr[k]!);
      rem -= c * outStr[k]!;
      off += c * keptStr[k]!;
    }
    base.push(off);
  }
  return { base, count: inShape[axis]!, stride: st[axis]! };
}

/** The values of a node that depends on no input and no parameter (folded once sizes are bound). */
export function foldConstant(n: Node, sizes: Sizes): Float64Array {
  return evaluate(n, {}, sizes);
}
