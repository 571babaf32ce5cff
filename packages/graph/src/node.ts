/**
 * Nodes and op definitions. A `Node` is immutable and interned: applying the same op to the
 * same inputs with the same attrs returns the very same object, so common subexpressions are
 * shared by construction and graphs compare by identity.
 */
import type { Scalar } from "./scalar.js";
import { formatShape, type Shape, type Sizes } from "./shape.js";

export type AttrValue = number | string | boolean | readonly (number | string)[];
export type Attrs = Readonly<Record<string, AttrValue>>;

/** A concrete float64 tensor, row-major. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** Structural kinds: how codegen lowers a node. Op-specific formulas only come from `scalar`. */
export type OpKind =
  | "leaf" // input, param, constant
  | "elementwise" // out[i] = scalar(in0[i'], in1[i'], …) with broadcasting
  | "matvec" // [M,N]·[N] -> [M]
  | "matmul" // [M,K]·[K,N] -> [M,N]
  | "outer" // [M] ⊗ [N] -> [M,N]
  | "transpose" // [M,N] -> [N,M]
  | "reduce" // over one axis, with `reduce` facet
  | "scan" // y_i = a_i·y_{i∓1} + b_i along the last axis (ops' scan)
  | "broadcast" // broadcastTo a larger shape
  | "reshape"
  | "slice"
  | "concat";

export interface VjpArgs<A extends Attrs = Attrs> {
  /** The inputs of the node. */
  readonly x: readonly Node[];
  /** The node itself (its forward value), so rules can reuse it: σ' = out·(1 − out). */
  readonly out: Node;
  /** The incoming cotangent, shaped like `out`. */
  readonly g: Node;
  readonly attrs: A;
}

export interface JvpArgs<A extends Attrs = Attrs> {
  readonly x: readonly Node[];
  readonly out: Node;
  /** Tangent of each input, `null` where the input does not depend on `wrt`. */
  readonly dx: readonly (Node | null)[];
  readonly attrs: A;
}

/** Input domain for tests: where the op is defined and well-conditioned. */
export interface Domain {
  readonly min: number;
  readonly max: number;
  /** Keep away from this value by at least `gap` (e.g. 0 for |x|, log, 1/x). */
  readonly avoid?: number;
  readonly gap?: number;
}

/**
 * How printers show a node. `prec` is binding strength (higher binds tighter): 100 an atom or a
 * function call, 90 postfix (ᵀ), 40 power, 30 prefix minus, 25 matrix product, 20 * /, 10 + -.
 * Printers parenthesize an argument only where the notation does not delimit it itself.
 */
export interface Notation {
  /** The printed node from its printed arguments; `node` for a form that depends on the inputs. */
  readonly text?: (args: readonly string[], attrs: Attrs, node: Node) => string;
  readonly latex?: (args: readonly string[], attrs: Attrs, node: Node) => string;
  readonly prec?: number;
  /** LaTeX binding strength where it differs from `prec` (`\frac{x}{y}` is an atom). */
  readonly latexPrec?: number;
  /**
   * Argument positions the notation delimits itself (call parentheses, a fraction's braces), so
   * printers never parenthesize them. Default: every position when prec ≥ 100, none otherwise.
   */
  readonly enclosed?:
    | readonly number[]
    | { readonly text?: readonly number[]; readonly latex?: readonly number[] };
}

/** Reduction facet for `kind: "reduce"` ops: acc = combine(acc, x) from `init`. */
export interface ReduceFacet {
  readonly init: number;
  /** Scalar IR over `arg 0` (the accumulator) and `arg 1` (the element). */
  readonly combine: Scalar;
  /** Applied to the accumulated value (`arg 0`), given the reduced length `n` (`arg 1`). */
  readonly finish?: Scalar;
}

/** Algebraic facts the lowering relies on, stated by the op instead of found by probing. */
export interface Algebra {
  /** The op is elementwise addition (sums of products are merged into one contraction). */
  readonly sum?: boolean;
  /** Input positions where a zero operand makes the output zero (mul: both; div: the numerator). */
  readonly zeroAbsorbing?: readonly number[];
}

/** A rewrite rule, kept with the op it rewrites and driven by `simplify`. */
export interface Rule {
  readonly doc: string;
  /** Returns the replacement, or null when the rule does not apply. */
  readonly apply: (node: Node) => Node | null;
}

/** Everything about one op: shape rule, reference evaluation, derivatives, rewrites, formula. */
export interface OpDef<A extends Attrs = Attrs> {
  readonly name: string;
  readonly kind: OpKind;
  /** Number of inputs, or "variadic" (at least one). */
  readonly arity: number | "variadic";
  readonly commutative?: boolean;
  /** Output shape from input shapes; throw an Error saying what was expected. */
  shape(inputs: readonly Shape[], attrs: A): Shape;
  /**
   * Reference evaluation in float64: the semantics every backend is tested against. `sizes`
   * binds symbolic dims held in attrs (a slice's symbolic start); absent when constant folding.
   */
  evaluate(
    inputs: readonly Tensor[],
    attrs: A,
    outShape: readonly number[],
    sizes?: Sizes,
  ): Float64Array;
  /** Reverse mode: one cotangent per input, `null` for no contribution. */
  vjp(args: VjpArgs<A>): readonly (Node | null)[];
  /** Forward mode: the tangent of the output, `null` when it is zero. */
  jvp(args: JvpArgs<A>): Node | null;
  /** Rewrite rules, as a thunk so rules may name ops defined in other files. */
  readonly rules?: () => readonly Rule[];
  /**
   * Elementwise ops: the formula, once, in the scalar IR (`xs[i]` stands for input i). The
   * interpreter and constant folding evaluate it; every backend renders it.
   */
  readonly scalar?: (xs: readonly Scalar[], attrs: A) => Scalar;
  readonly algebra?: Algebra;
  readonly reduce?: ReduceFacet;
  /** Per input (or one for all); absent for ops the random-graph tests build structurally. */
  readonly domain?: Domain | readonly Domain[];
  readonly notation?: Notation;
  /** False for ops whose derivative is zero almost everywhere (comparisons, stopGradient). */
  readonly differentiable?: boolean;
}

/** An op is its definition and its builder in one object: `sigmoid(x)` and `n.op === sigmoid`. */
export type Op<A extends Attrs = Attrs> = OpDef<A> & ((...args: (Node | number)[]) => Node);

let nextNodeId = 0;
let nextOpId = 0;
const opIds = new WeakMap<object, number>();
const interned = new Map<string, Node>();

/** The builders `Node`'s chainable methods and the generic passes use; bound by `@gated/ops`. */
export interface Builders {
  add(x: Node | number, y: Node | number): Node;
  sub(x: Node | number, y: Node | number): Node;
  mul(x: Node | number, y: Node | number): Node;
  div(x: Node | number, y: Node | number): Node;
  neg(x: Node): Node;
  pow(x: Node, p: number): Node;
  exp(x: Node): Node;
  log(x: Node): Node;
  tanh(x: Node): Node;
  sigmoid(x: Node): Node;
  square(x: Node): Node;
  matvec(a: Node, v: Node): Node;
  matmul(a: Node, b: Node): Node;
  transpose(a: Node): Node;
  sum(x: Node, axis?: number): Node;
  mean(x: Node, axis?: number): Node;
  reshape(x: Node, shape: Shape): Node;
  broadcastTo(x: Node, shape: Shape): Node;
  /** Sums `x` over the axes that broadcasting added or stretched, back to `shape`. */
  sumTo(x: Node, shape: Shape): Node;
}

let builders: Builders | null = null;

/**
 * Binds the arithmetic builders that `Node` methods and the passes (autodiff accumulation,
 * un-broadcasting) call. `@gated/ops` calls this once; `graph` itself never imports the op set.
 */
export function bindBuilders(b: Builders): void {
  builders = b;
}

export function ops(): Builders {
  if (!builders)
    throw new Error("no op set is bound: import @gated/ops (or gated) before building arithmetic");
  return builders;
}

export class Node {
  /** Printed name for leaves (input/param); the printers use it. */
  readonly label: string | undefined;
  constructor(
    readonly id: number,
    readonly op: OpDef,
    readonly inputs: readonly Node[],
    readonly attrs: Attrs,
    readonly shape: Shape,
  ) {
    this.label = typeof attrs["name"] === "string" ? attrs["name"] : undefined;
    Object.freeze(this);
  }
  add(y: Node | number): Node {
    return ops().add(this, y);
  }
  sub(y: Node | number): Node {
    return ops().sub(this, y);
  }
  mul(y: Node | number): Node {
    return ops().mul(this, y);
  }
  div(y: Node | number): Node {
    return ops().div(this, y);
  }
  neg(): Node {
    return ops().neg(this);
  }
  pow(p: number): Node {
    return ops().pow(this, p);
  }
  exp(): Node {
    return ops().exp(this);
  }
  log(): Node {
    return ops().log(this);
  }
  tanh(): Node {
    return ops().tanh(this);
  }
  sigmoid(): Node {
    return ops().sigmoid(this);
  }
  square(): Node {
    return ops().square(this);
  }
  matvec(v: Node): Node {
    return ops().matvec(this, v);
  }
  matmul(b: Node): Node {
    return ops().matmul(this, b);
  }
  transpose(): Node {
    return ops().transpose(this);
  }
  sum(axis?: number): Node {
    return ops().sum(this, axis);
  }
  mean(axis?: number): Node {
    return ops().mean(this, axis);
  }
  reshape(shape: Shape): Node {
    return ops().reshape(this, shape);
  }
  broadcastTo(shape: Shape): Node {
    return ops().broadcastTo(this, shape);
  }
  get rank(): number {
    return this.shape.length;
  }
  toString(): string {
    return describe(this);
  }
}

/** A short text form of an expression for error messages (depth-limited). */
export let describe: (n: Node) => string = (n) => `${n.op.name}#${n.id}`;
export function setDescribe(f: (n: Node) => string): void {
  describe = f;
}

function attrsKey(attrs: Attrs): string {
  const keys = Object.keys(attrs).sort();
  // JSON writes NaN, Infinity and -Infinity all as null: key them apart (an object, which no
  // attr value is, so it cannot meet another value's key)
  return keys.length
    ? JSON.stringify(
        keys.map((k) => [k, attrs[k]]),
        (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? { nonFinite: String(v) } : v),
      )
    : "";
}

function opId(op: object): number {
  let id = opIds.get(op);
  if (id === undefined) opIds.set(op, (id = nextOpId++));
  return id;
}

/** Wraps numbers as scalar constants; the constant op lives in leaves.ts. */
export let asNode: (x: Node | number) => Node = (x) => {
  if (x instanceof Node) return x;
  throw new Error(`expected a Node, got ${String(x)}`);
};
export function setAsNode(f: (x: Node | number) => Node): void {
  asNode = f;
}

/**
 * The one way to build a node: validates arity, infers the shape (errors name the op and the
 * expression), and returns the interned node for `(op, inputs, attrs)`.
 */
export function apply<A extends Attrs>(
  op: OpDef<A>,
  inputs: readonly (Node | number)[],
  attrs: A,
): Node {
  let xs: Node[];
  try {
    xs = inputs.map(asNode);
  } catch (e) {
    const args = inputs.map((x) => (x instanceof Node ? describe(x) : String(x))).join(", ");
    throw new Error(`${op.name}(${args}): ${(e as Error).message}`);
  }
  if (op.arity === "variadic" ? xs.length === 0 : xs.length !== op.arity) {
    throw new Error(
      `${op.name} takes ${op.arity === "variadic" ? "at least 1" : op.arity} input(s), got ${xs.length}`,
    );
  }
  const key = `${opId(op)}(${xs.map((x) => x.id).join(",")})${attrsKey(attrs)}`;
  const hit = interned.get(key);
  if (hit) return hit;
  let shape: Shape;
  try {
    shape = op.shape(
      xs.map((x) => x.shape),
      attrs,
    );
  } catch (e) {
    const args = xs.map((x) => `${describe(x)} : ${formatShape(x.shape)}`).join(", ");
    throw new Error(`${op.name}(${args}): ${(e as Error).message}`);
  }
  const node = new Node(
    nextNodeId++,
    op as unknown as OpDef,
    xs,
    Object.freeze({ ...attrs }),
    Object.freeze([...shape]),
  );
  interned.set(key, node);
  return node;
}

/**
 * Makes an `Op`: the definition, callable as its builder. `build` receives the op and returns
 * the builder (mapping arguments to inputs and attrs); by default every argument is an input.
 */
export function defineOp<A extends Attrs, D extends OpDef<A>, F extends (...args: never[]) => Node>(
  def: D,
  build?: (op: OpDef<A>) => F,
): D & F & Op<A> {
  let impl: (...args: never[]) => Node;
  const f = function (this: unknown, ...args: never[]): Node {
    return impl(...args);
  };
  Object.defineProperty(f, "name", { value: def.name });
  const { name: _name, ...rest } = def;
  Object.assign(f, rest);
  const op = f as unknown as OpDef<A>;
  impl = build ? build(op) : (...args: never[]) => apply(op, args as unknown as Node[], {} as A);
  return f as unknown as D & F & Op<A>;
}
