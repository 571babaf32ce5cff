/**
 * Random well-shaped graphs over the whole op set, for the property suites. Every op in `OPS`
 * is drawn (a new op is covered with no extra work, or the generator throws saying it cannot
 * build it); ops with structure (contractions, reductions, broadcasts, reshapes, concat,
 * slice, pow's exponent) have a shape-aware builder below, every other elementwise op is built
 * generically from its arity with broadcasting operands.
 *
 * Values: each operand is fitted into its op's `domain` (an affine map of the operand's known
 * value range, or a sigmoid squash), so every op sees inputs from its domain wherever the
 * leaves move within their ranges. Leaves are drawn from the domain of the op that first
 * uses them. Nodes are shared: operands are drawn from a pool of earlier nodes.
 */
import { fc } from "@fast-check/vitest";
import { mulberry32 } from "@gated/codegen";
import {
  constValue,
  type Dim,
  type Domain,
  evaluate,
  input,
  type Node,
  param,
  parseDim,
  printLets,
  resolveShape,
  type Shape,
  type Sizes,
  subDims,
  type Tensor,
} from "@gated/graph";
import { OPS, pow, sigmoid, sum } from "@gated/ops";

export interface GraphCase {
  readonly outputs: readonly Node[];
  /** Inputs and params, each bound in `bindings`. */
  readonly leaves: readonly Node[];
  readonly bindings: Readonly<Record<string, Float64Array>>;
  readonly sizes: Sizes;
  /** Seed for the test's own draws (directions, cotangents). */
  readonly seed: number;
  /** Ops built, by name (for the coverage check). */
  readonly used: readonly string[];
}

type Range = readonly [number, number];
type OpName = keyof typeof OPS;

/** A deterministic PRNG (mulberry32, shared with codegen's parameter initialisation). */
export const rng = mulberry32;

const DIMS: readonly Dim[] = ["H", "I", 1, 2];
const POWERS = [-1.5, -1, 0.5, 1.5, 3];

/** Builds one graph from a stream of choices (fast-check shrinks the stream). */
class Builder {
  private at = 0;
  private readonly rand: () => number;
  readonly pool: Node[] = [];
  readonly ranges = new Map<Node, Range>();
  readonly leaves: Node[] = [];
  readonly bindings: Record<string, Float64Array> = {};
  readonly used: string[] = [];

  constructor(
    private readonly choices: readonly number[],
    readonly sizes: Sizes,
    seed: number,
  ) {
    this.rand = rng(seed);
  }

  /** An integer in [0, n). */
  pick(n: number): number {
    const c =
      this.at < this.choices.length ? this.choices[this.at++]! : Math.floor(this.rand() * 1e9);
    return c % n;
  }
  oneOf<T>(xs: readonly T[]): T {
    return xs[this.pick(xs.length)]!;
  }
  size(d: Dim): number {
    return resolveShape([d], this.sizes)[0]!;
  }
  shape(maxRank = 2): Shape {
    const rank = this.oneOf([0, 1, 1, 2, 2].filter((r) => r <= maxRank));
    return Array.from({ length: rank }, () => this.oneOf(DIMS));
  }

  /** A fresh input or param with values drawn from `range`. */
  leaf(shape: Shape, range: Range): Node {
    const name = `${this.pick(2) ? "x" : "w"}${this.leaves.length}`;
    const n = name.startsWith("x") ? input(name, shape) : param(name, shape);
    const size = resolveShape(shape, this.sizes).reduce((a, b) => a * b, 1);
    this.bindings[name] = Float64Array.from(
      { length: size },
      () => range[0] + (range[1] - range[0]) * this.rand(),
    );
    this.leaves.push(n);
    this.ranges.set(n, range);
    this.pool.push(n);
    return n;
  }

  /** A pool node satisfying `ok`, or (half the time, or if none) a new leaf of `fresh()`. */
  operand(ok: (s: Shape) => boolean, fresh: () => Shape, domain: Domain): Node {
    const cands = this.pool.filter((n) => ok(n.shape));
    if (cands.length && this.pick(3) !== 0) return this.fit(this.oneOf(cands), domain);
    return this.leaf(fresh(), this.target(domain, null));
  }

  /** The interval of the domain to land in: one side of an avoided point. */
  target(d: Domain, r: Range | null): Range {
    const margin = 0.02 * (d.max - d.min);
    if (d.avoid === undefined) return [d.min + margin, d.max - margin];
    const gap = d.gap ?? 0;
    const sides: Range[] = [
      [d.min + margin, d.avoid - gap - margin],
      [d.avoid + gap + margin, d.max - margin],
    ].filter(([a, b]) => b! > a!) as unknown as Range[];
    const inside = r && sides.find(([a, b]) => r[0] >= a && r[1] <= b);
    return inside ?? this.oneOf(sides);
  }

  /** `n` mapped into the domain, unless its value range already lies there. */
  fit(n: Node, d: Domain): Node {
    const r = this.ranges.get(n) ?? [-Infinity, Infinity];
    const [lo, hi] = this.target(d, r);
    const inside =
      r[0] >= d.min &&
      r[1] <= d.max &&
      (d.avoid === undefined || r[0] >= d.avoid + (d.gap ?? 0) || r[1] <= d.avoid - (d.gap ?? 0));
    if (inside) return n;
    let m: Node;
    if (Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[1] > r[0] && this.pick(4) !== 0) {
      m = n
        .sub(r[0])
        .mul((hi - lo) / (r[1] - r[0]))
        .add(lo);
    } else if (r[1] === r[0]) {
      m = n.sub(r[0]).add((lo + hi) / 2);
    } else {
      m = sigmoid(n)
        .mul(hi - lo)
        .add(lo);
    }
    this.ranges.set(m, [lo, hi]);
    return m;
  }

  /** Records a built node with a range bound, computed by evaluating on filled corners. */
  add(n: Node, name: string): Node {
    this.used.push(name);
    if (constValue(n) !== undefined || this.ranges.has(n)) return n;
    this.ranges.set(n, this.bound(n));
    this.pool.push(n);
    return n;
  }

  /**
   * A range bound: the op evaluated on inputs filled with each corner of their ranges (and 0
   * inside). Exact for elementwise ops monotone on each side of 0, and for sums of products.
   */
  bound(n: Node): Range {
    const pts = n.inputs.map((x) => {
      const [lo, hi] = this.ranges.get(x) ?? [constValue(x) ?? NaN, constValue(x) ?? NaN];
      return lo < 0 && hi > 0 ? [lo, 0, hi] : [lo, hi];
    });
    let lo = Infinity;
    let hi = -Infinity;
    const out = resolveShape(n.shape, this.sizes);
    const go = (i: number, fill: number[]) => {
      if (i < pts.length) return pts[i]!.forEach((v) => go(i + 1, [...fill, v]));
      const ts: Tensor[] = n.inputs.map((x, k) => {
        const shape = resolveShape(x.shape, this.sizes);
        return { shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(fill[k]!) };
      });
      for (const v of n.op.evaluate(ts, n.attrs, out, this.sizes)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    };
    go(0, []);
    return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : [-Infinity, Infinity];
  }
}

const domainOf = (name: OpName, i: number): Domain => {
  const d = OPS[name].domain ?? { min: -2, max: 2 };
  return Array.isArray(d) ? (d as readonly Domain[])[i]! : (d as Domain);
};

/** Shapes `s` broadcasts against `base` to give `base`. */
function broadcastsInto(s: Shape, base: Shape): boolean {
  if (s.length > base.length) return false;
  return s.every((d, i) => d === 1 || d === base[base.length - s.length + i]);
}

/** A shape that broadcasts into `base`: itself, a suffix, scalar, or with a dim set to 1. */
function smaller(b: Builder, base: Shape): Shape {
  const opts: Shape[] = [base, [], base.slice(1)];
  if (base.length) opts.push(base.map((d, i) => (i === b.pick(base.length) ? 1 : d)));
  return b.oneOf(opts);
}

const vec = (s: Shape) => s.length === 1;
const mat = (s: Shape) => s.length === 2;
const anyShape = () => true;

/** Shape-aware builders for ops that are not plain elementwise maps. */
const STRUCTURAL: Partial<Record<OpName, (b: Builder, name: OpName) => Node>> = {
  pow: (b, name) =>
    pow(
      b.operand(anyShape, () => b.shape(), domainOf(name, 0)),
      b.oneOf(POWERS),
    ),
  matvec: (b, name) => {
    const v = b.operand(vec, () => [b.oneOf(DIMS)], domainOf(name, 1));
    const a = b.operand(
      (s) => mat(s) && s[1] === v.shape[0],
      () => [b.oneOf(DIMS), v.shape[0]!],
      domainOf(name, 0),
    );
    return OPS.matvec(a, v);
  },
  matmul: (b, name) => {
    const a = b.operand(mat, () => b.shape(2).concat(DIMS).slice(0, 2) as Shape, domainOf(name, 0));
    const c = b.operand(
      (s) => mat(s) && s[0] === a.shape[1],
      () => [a.shape[1]!, b.oneOf(DIMS)],
      domainOf(name, 1),
    );
    return OPS.matmul(a, c);
  },
  outer: (b, name) => {
    const x = b.operand(vec, () => [b.oneOf(DIMS)], domainOf(name, 0));
    return OPS.outer(
      x,
      b.operand(vec, () => [b.oneOf(DIMS)], domainOf(name, 1)),
    );
  },
  transpose: (b, name) =>
    OPS.transpose(b.operand(mat, () => [b.oneOf(DIMS), b.oneOf(DIMS)], domainOf(name, 0))),
  sum: (b, name) => reduce(b, name, (x, k) => sum(x, k)),
  reduceMax: (b, name) => reduce(b, name, (x, k) => OPS.reduceMax(x, k)),
  broadcastTo: (b, name) => {
    const x = b.operand(
      (s) => s.length < 2 || s.includes(1),
      () => b.shape(1),
      domainOf(name, 0),
    );
    const to =
      x.shape.length < 2 && b.pick(2)
        ? [b.oneOf(DIMS), ...x.shape]
        : x.shape.map((d) => (d === 1 ? b.oneOf(DIMS) : d));
    return OPS.broadcastTo(x, to);
  },
  reshape: (b, name) => {
    const x = b.operand(
      (s) => reshapes(s).length > 0,
      () => [b.oneOf(DIMS)],
      domainOf(name, 0),
    );
    return OPS.reshape(x, b.oneOf(reshapes(x.shape)));
  },
  concat: (b, name) => {
    const x = b.operand(
      (s) => s.length > 0,
      () => b.shape(2).concat(["H"]).slice(0, 2) as Shape,
      domainOf(name, 0),
    );
    const k = b.pick(x.rank);
    const like = (s: Shape) =>
      s.length === x.rank && s.every((d, j) => j === k || d === x.shape[j]);
    const pieces = [x];
    for (let i = 1 + b.pick(2); i > 0; i--) {
      pieces.push(
        b.operand(
          like,
          () => x.shape.map((d, j) => (j === k ? b.oneOf(DIMS) : d)),
          domainOf(name, 0),
        ),
      );
    }
    return OPS.concat(pieces, k);
  },
  slice: (b, name) => {
    const x = b.operand(
      (s) => s.length > 0,
      () => [b.oneOf(DIMS)],
      domainOf(name, 0),
    );
    const k = b.pick(x.rank);
    const d = x.shape[k]!;
    const n = b.size(d);
    const ranges: [Dim, Dim][] = [];
    // symbolic: split a linear form after its first term ("2*H" -> H | H)
    const lin = parseDim(d);
    const first = lin && Object.keys(lin.terms).find((t) => lin.terms[t]! > 0);
    const rest = first && parseDim(subDims(d, first));
    if (
      first &&
      rest &&
      rest.c >= 0 &&
      Object.values(rest.terms).every((k) => k >= 0) &&
      d !== first
    ) {
      ranges.push([0, first], [first, d]);
    }
    if (n >= 2) ranges.push([1, d]);
    const s = b.pick(n);
    ranges.push([s, s + 1 + b.pick(n - s)]);
    const [start, end] = b.oneOf(ranges);
    return OPS.slice(x, k, start, end);
  },
  scan: (b, name) => {
    const y = b.operand(
      (s) => s.length > 0,
      () => [b.oneOf(DIMS), ...b.shape(1)],
      domainOf(name, 1),
    );
    // cumsum's coefficients (1), or coefficients of y's shape or one that broadcasts into it
    const a = b.pick(3)
      ? b.operand(
          (s) => broadcastsInto(s, y.shape),
          () => y.shape,
          domainOf(name, 0),
        )
      : 1;
    return OPS.scan(a, y, b.pick(2) === 1);
  },
  where: (b, name) => {
    const x = b.operand(anyShape, () => b.shape(), domainOf(name, 1));
    const masks = b.pool.filter(
      (n) =>
        n.op.differentiable === false &&
        n.op !== OPS.stopGradient &&
        broadcastsInto(n.shape, x.shape),
    );
    const c =
      masks.length && b.pick(2)
        ? b.oneOf(masks)
        : b.operand(
            (s) => broadcastsInto(s, x.shape),
            () => smaller(b, x.shape),
            domainOf(name, 0),
          );
    const y = b.operand(
      (s) => broadcastsInto(s, x.shape),
      () => smaller(b, x.shape),
      domainOf(name, 2),
    );
    return OPS.where(c, x, y);
  },
};

/** Reshapes that move no data: drop or add unit dims, flatten all-numeric shapes. */
function reshapes(s: Shape): Shape[] {
  const out: Shape[] = [];
  const noUnits = s.filter((d) => d !== 1);
  if (noUnits.length !== s.length) out.push(noUnits);
  if (s.length < 2) out.push([1, ...s], [...s, 1]);
  if (s.length === 2 && s.every((d) => typeof d === "number"))
    out.push([(s[0] as number) * (s[1] as number)]);
  return out;
}

function reduce(b: Builder, name: OpName, f: (x: Node, axis: number | "all") => Node): Node {
  const x = b.operand(
    (s) => s.length > 0,
    () => [b.oneOf(DIMS), ...b.shape(1)],
    domainOf(name, 0),
  );
  return f(x, b.pick(3) === 0 ? "all" : b.pick(x.rank));
}

/** Elementwise ops from their arity: operands broadcast into the first one's shape. */
function elementwise(b: Builder, name: OpName): Node {
  const op = OPS[name];
  if (op.kind !== "elementwise" || typeof op.arity !== "number") {
    throw new Error(
      `arbitraries: no builder for op ${name} (kind ${op.kind}); add one to STRUCTURAL`,
    );
  }
  // the operand that sets the shape goes first or last, so broadcasting happens both ways
  const lead = op.arity > 1 && b.pick(2) ? op.arity - 1 : 0;
  const first = b.operand(anyShape, () => b.shape(), domainOf(name, lead));
  const args = Array.from({ length: op.arity }, (_, i) =>
    i === lead
      ? first
      : b.operand(
          (s) => broadcastsInto(s, first.shape),
          () => smaller(b, first.shape),
          domainOf(name, i),
        ),
  );
  return (op as unknown as (...a: Node[]) => Node)(...args);
}

export interface GraphOptions {
  /** Ops per graph (default 2 to 6). */
  readonly minOps?: number;
  readonly maxOps?: number;
  /** Only these ops (default: all of OPS). */
  readonly only?: readonly OpName[];
}

/** Builds a graph from choices; exported so a failing case can be pinned as an example test. */
export function buildGraph(
  choices: readonly number[],
  sizes: Sizes,
  seed: number,
  opts: GraphOptions = {},
): GraphCase {
  const b = new Builder(choices, sizes, seed);
  const names = opts.only ?? (Object.keys(OPS) as OpName[]);
  const steps = (opts.minOps ?? 2) + b.pick((opts.maxOps ?? 6) - (opts.minOps ?? 2) + 1);
  let last: Node | undefined;
  for (let i = 0; i < steps; i++) {
    const name = b.oneOf(names);
    last = b.add((STRUCTURAL[name] ?? elementwise)(b, name), name);
  }
  const nonConst = b.pool.filter((n) => n.op.kind !== "leaf");
  const outputs = [last && constValue(last) === undefined ? last : b.pool[b.pool.length - 1]!];
  if (nonConst.length > 1 && b.pick(3) === 0) outputs.push(b.oneOf(nonConst));
  const uniq = [...new Set(outputs)];
  const live = new Set(b.leaves.filter((l) => uniq.some((o) => dependsOnLeaf(o, l))));
  const leaves = b.leaves.filter((l) => live.has(l));
  const bindings = Object.fromEntries(leaves.map((l) => [l.label!, b.bindings[l.label!]!]));
  return { outputs: uniq, leaves, bindings, sizes, seed, used: b.used };
}

function dependsOnLeaf(n: Node, leaf: Node): boolean {
  const seen = new Set<Node>();
  const stack = [n];
  while (stack.length) {
    const m = stack.pop()!;
    if (m === leaf) return true;
    if (seen.has(m)) continue;
    seen.add(m);
    stack.push(...m.inputs);
  }
  return false;
}

/** The fast-check arbitrary: symbolic dims H and I bound to 1..3. */
export function graphArb(opts: GraphOptions = {}): fc.Arbitrary<GraphCase> {
  return fc
    .record({
      choices: fc.array(fc.nat({ max: 1_000_000 }), { minLength: 4, maxLength: 60 }),
      H: fc.integer({ min: 1, max: 3 }),
      I: fc.integer({ min: 1, max: 3 }),
      seed: fc.nat(),
    })
    .map(({ choices, H, I, seed }) => {
      const g = buildGraph(choices, { H, I }, seed, opts);
      Object.defineProperty(g, "toString", {
        value: () =>
          `buildGraph(${JSON.stringify(choices)}, ${JSON.stringify({ H, I })}, ${seed})\n${printLets(g.outputs)}`,
      });
      return g;
    });
}

/** Evaluates a case's outputs at its bindings (a shortcut for tests). */
export function evalCase(
  g: GraphCase,
  outputs: readonly Node[] = g.outputs,
  extra: Record<string, ArrayLike<number>> = {},
): Float64Array[] {
  return evaluate(outputs, { ...g.bindings, ...extra }, g.sizes);
}
