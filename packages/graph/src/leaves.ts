/**
 * Leaves: `input(name, shape)` (data: x_t, carried state), `param(name, shape)` (learned
 * weights), `constant(value, shape)` (a tensor filled with one value). They have no derivative
 * rules of their own; autodiff stops at them.
 */
import { apply, defineOp, Node, type OpDef, setAsNode } from "./node.js";
import { isDim, resolveShape, type Shape } from "./shape.js";

function leaf(name: string, text: (attrs: Record<string, unknown>) => string): OpDef {
  return {
    name,
    kind: "leaf",
    arity: 0,
    shape: (_inputs, attrs) => attrs["shape"] as Shape,
    evaluate: () => {
      throw new Error(`${name} is bound by the interpreter, not evaluated`);
    },
    vjp: () => [],
    jvp: () => null,
    notation: { text: (_a, attrs) => text(attrs), prec: 100 },
  };
}

const NAME = /^[\p{L}_][\p{L}\p{N}_']*$/u;

function checkLeaf(kind: string, name: string, shape: Shape): void {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new Error(
      `${kind} name ${JSON.stringify(name)} must be an identifier (letters, digits, _, ')`,
    );
  }
  for (const d of shape) {
    if (!isDim(d))
      throw new Error(
        `${kind} ${name}: dim ${JSON.stringify(d)} must be a non-negative integer or a name`,
      );
  }
}

const inputDef = leaf("input", (a) => String(a["name"]));
/** Per-sample data: `input("x", ["I"])`, or a carried state `input("h", ["H"])`. */
export const input = defineOp(inputDef, (op) => (name: string, shape: Shape): Node => {
  checkLeaf("input", name, shape);
  return apply(op, [], { name, shape: [...shape] });
});

const paramDef = leaf("param", (a) => String(a["name"]));
/** A learned parameter addressed by name: `param("W_f", ["H", "H"])`. */
export const param = defineOp(paramDef, (op) => (name: string, shape: Shape): Node => {
  checkLeaf("param", name, shape);
  return apply(op, [], { name, shape: [...shape] });
});

const constantDef: OpDef = {
  ...leaf("constant", (a) => String(a["value"])),
  evaluate: (_x, attrs, outShape) => {
    const n = outShape.reduce((a, b) => a * b, 1);
    return new Float64Array(n).fill(attrs["value"] as number);
  },
};
/**
 * A tensor filled with `value` (scalar by default). NaN and ±Infinity are rejected unless
 * `allowNonFinite` is set, since they are almost always a bug in a cell definition.
 */
export const constant = defineOp(
  constantDef,
  (op) =>
    (value: number, shape: Shape = [], opts: { allowNonFinite?: boolean } = {}): Node => {
      if (typeof value !== "number")
        throw new Error(`constant: expected a number, got ${typeof value}`);
      if (!Number.isFinite(value) && !opts.allowNonFinite) {
        throw new Error(
          `constant ${value} is not finite (pass { allowNonFinite: true } if intended)`,
        );
      }
      checkLeaf("constant", "c", shape);
      // -0 and 0 intern apart only if asked; normalise so `x * 0` folds the same way
      return apply(op, [], { value: Object.is(value, -0) ? 0 : value, shape: [...shape] });
    },
);

/** Zeros of a given shape: what a gradient is w.r.t. something the output ignores. */
export const zeros = (shape: Shape): Node => constant(0, shape);

export function isLeaf(n: Node): boolean {
  return n.op.kind === "leaf";
}
/** The fill value of a constant node, or undefined. */
export function constValue(n: Node): number | undefined {
  return n.op === constant ? (n.attrs["value"] as number) : undefined;
}

setAsNode((x) => {
  if (x instanceof Node) return x;
  if (typeof x === "number") return constant(x);
  throw new Error(`expected a Node or a number, got ${x === null ? "null" : typeof x}`);
});

export { resolveShape };
