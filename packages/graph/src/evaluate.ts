/**
 * The reference interpreter: evaluates nodes in float64 over flat row-major arrays. It defines
 * what every graph means; compiled kernels are tested against it, and it against finite
 * differences.
 */
import { describe, type Node, type Tensor } from "./node.js";
import { formatShape, reshapeMismatch, resolveShape, type Sizes, sizeOf } from "./shape.js";
import { topo } from "./traverse.js";

/** Values for input and param leaves, by name, flat row-major. */
export type Bindings = Readonly<Record<string, ArrayLike<number>>>;

/**
 * Evaluates `outputs` given leaf values and dim sizes. Errors name the leaf or expression at
 * fault: an unbound input, a binding of the wrong length, an unknown dim.
 */
export function evaluate(outputs: Node, bindings: Bindings, sizes?: Sizes): Float64Array;
export function evaluate(
  outputs: readonly Node[],
  bindings: Bindings,
  sizes?: Sizes,
): Float64Array[];
export function evaluate(
  outputs: Node | readonly Node[],
  bindings: Bindings,
  sizes: Sizes = {},
): Float64Array | Float64Array[] {
  const list = Array.isArray(outputs) ? (outputs as readonly Node[]) : [outputs as Node];
  const out = prepareEvaluate(list, sizes)(bindings);
  return Array.isArray(outputs) ? out : out[0]!;
}

/** Like `evaluate`, but returns the value of every reachable node (for debugging and tests). */
export function evaluateAll(
  outputs: readonly Node[],
  bindings: Bindings,
  sizes: Sizes = {},
): Map<Node, Tensor> {
  const p = plan(outputs, sizes);
  const vals = p.run(bindings);
  return new Map(p.order.map((n, i) => [n, vals[i]!]));
}

/**
 * `evaluate` prepared once for repeated calls with the same graph and sizes: the order, the
 * resolved shapes and the constants are computed up front. Same semantics, same errors.
 */
export function prepareEvaluate(
  outputs: readonly Node[],
  sizes: Sizes = {},
): (bindings: Bindings) => Float64Array[] {
  const p = plan(outputs, sizes);
  const outIdx = outputs.map((o) => p.index.get(o)!);
  return (bindings) => {
    const vals = p.run(bindings);
    return outIdx.map((i) => vals[i]!.data);
  };
}

/** The one interpreter loop, behind `evaluate`, `evaluateAll` and `prepareEvaluate`. */
function plan(outputs: readonly Node[], sizes: Sizes) {
  const order = topo(outputs);
  const shapes = order.map((n) => resolveShape(n.shape, sizes, describe(n)));
  const index = new Map(order.map((n, i) => [n, i]));
  const inputIdx = order.map((n) => n.inputs.map((x) => index.get(x)!));
  // a reshape between different dims ([K] to [H,H]) holds only for some sizes: check them now
  order.forEach((n, i) => {
    if (n.op.kind !== "reshape") return;
    const msg = reshapeMismatch(n.inputs[0]!.shape, n.shape, shapes[inputIdx[i]![0]!]!, shapes[i]!);
    if (msg) throw new Error(`evaluating ${describe(n)}: ${msg}`);
  });
  const names = new Map<string, Node>();
  for (const n of order) {
    if (n.op.kind !== "leaf" || n.label === undefined) continue;
    const other = names.get(n.label);
    if (other && other !== n) {
      throw new Error(
        `two leaves are named "${n.label}": ${other.op.name} ${formatShape(other.shape)} and ${n.op.name} ${formatShape(n.shape)}`,
      );
    }
    names.set(n.label, n);
  }
  const constants = order.map((n, i) =>
    n.op.kind === "leaf" && n.label === undefined ? n.op.evaluate([], n.attrs, shapes[i]!) : null,
  );
  const run = (bindings: Bindings): Tensor[] => {
    const vals: Tensor[] = new Array(order.length);
    for (let i = 0; i < order.length; i++) {
      const n = order[i]!;
      const shape = shapes[i]!;
      const c = constants[i];
      if (c) vals[i] = { shape, data: c };
      else if (n.op.kind === "leaf") vals[i] = { shape, data: bind(n, shape, bindings) };
      else {
        let data: Float64Array;
        try {
          data = n.op.evaluate(
            inputIdx[i]!.map((j) => vals[j]!),
            n.attrs,
            shape,
            sizes,
          );
        } catch (e) {
          throw new Error(`evaluating ${describe(n)}: ${(e as Error).message}`);
        }
        if (data.length !== sizeOf(shape))
          throw new Error(
            `${n.op.name} evaluated to ${data.length} values for shape ${formatShape(shape)}`,
          );
        vals[i] = { shape, data };
      }
    }
    return vals;
  };
  return { order, index, run };
}

function bind(n: Node, shape: number[], bindings: Bindings): Float64Array {
  const name = n.label!;
  const v = Object.hasOwn(bindings, name) ? bindings[name] : undefined;
  if (v === undefined) {
    const given = Object.keys(bindings).join(", ") || "none";
    throw new Error(
      `${n.op.name} "${name}" ${formatShape(n.shape)} is not bound (bindings given: ${given})`,
    );
  }
  const want = sizeOf(shape);
  if (v.length !== want) {
    throw new Error(
      `${n.op.name} "${name}" ${formatShape(n.shape)} = ${formatShape(shape)} needs ${want} values, got ${v.length}`,
    );
  }
  return Float64Array.from(v);
}
