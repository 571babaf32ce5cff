/**
 * The functions a cell text may call: every op in `@gated/ops`' `OPS` registry under its own
 * name, plus the composite builders the package exports (mean, …) and a few aliases. Nothing
 * here knows any op: names map to builders.
 */

import { type AttrValue, constant, type Node, type OpDef } from "@gated/graph";
import * as opsModule from "@gated/ops";
import { type Axis, OPS } from "@gated/ops";

/**
 * What an attribute holds: an axis (integer or `all`), a finite number, a dim, a shape, or a
 * flag (`true` or `false`).
 */
export type AttrKind = "axis" | "number" | "dim" | "shape" | "flag";

export interface AttrParam {
  readonly name: string;
  readonly kind: AttrKind;
  /** Absent means the builder's default. */
  readonly optional: boolean;
  /** An axis that may not be `all` (a scan runs along one axis). */
  readonly noAll?: true;
}

export interface CellFunction {
  readonly name: string;
  /** The primitive op, when the name is an `OPS` entry. */
  readonly op?: OpDef;
  readonly build: (...args: (Node | number)[]) => Node;
  /** The attributes a call may give (`sum(v; axis=0)`), in the builder's argument order. */
  readonly attrs?: readonly AttrParam[];
  /** Builds the call from its arguments and checked attribute values (by name). */
  readonly withAttrs?: (
    args: readonly (Node | number)[],
    attrs: Readonly<Record<string, AttrValue>>,
  ) => Node;
}

type B = (...a: unknown[]) => Node;
const opt = (name: string, kind: AttrKind): AttrParam => ({ name, kind, optional: true });
const req = (name: string, kind: AttrKind): AttrParam => ({ name, kind, optional: false });

/**
 * Functions that take attributes: their parameters and how the builder takes them (after the
 * node arguments, in order; an absent optional one is left to the builder's default).
 */
const WITH_ATTRS: Readonly<Record<string, readonly AttrParam[]>> = {
  sum: [opt("axis", "axis")],
  mean: [opt("axis", "axis")],
  var: [opt("axis", "axis")],
  reduceMax: [opt("axis", "axis")],
  logsumexp: [opt("axis", "axis")],
  softmax: [opt("axis", "axis")],
  logSoftmax: [opt("axis", "axis")],
  cumsum: [{ ...opt("axis", "axis"), noAll: true }],
  cumprod: [{ ...opt("axis", "axis"), noAll: true }],
  scan: [opt("reverse", "flag")],
  pow: [req("p", "number")],
  slice: [req("axis", "axis"), req("start", "dim"), req("end", "dim")],
  reshape: [req("shape", "shape")],
  broadcastTo: [req("shape", "shape")],
  sumTo: [req("shape", "shape")],
};

/**
 * A number where a function takes a value (an op's operands, a composite's first argument) is
 * that constant, as `h + 2` is: `cumsum(2)` reaches the builder as a scalar node (and gets its
 * error), not as a number it would read a shape of.
 */
function valued(f: CellFunction, operands: number): CellFunction {
  const build = f.build;
  return {
    ...f,
    build: (...args) =>
      build(...args.map((a, k) => (k < operands && typeof a === "number" ? constant(a) : a))),
  };
}

function attach(f: CellFunction): CellFunction {
  const params = Object.hasOwn(WITH_ATTRS, f.name) ? WITH_ATTRS[f.name] : undefined;
  if (!params) return f;
  const build = f.build as B;
  return {
    ...f,
    attrs: params,
    withAttrs: (args, a) => {
      const rest: unknown[] = [];
      for (const p of params) {
        if (!Object.hasOwn(a, p.name)) break; // optional ones last: the builder's default
        rest.push(a[p.name]);
      }
      return build(...args, ...rest);
    },
  };
}

/** `concat(a, b; axis=1)`: the pieces are the arguments. */
const concatFn = (op: OpDef): CellFunction => ({
  name: "concat",
  op,
  build: OPS.concat as unknown as CellFunction["build"],
  attrs: [opt("axis", "axis")],
  withAttrs: (args, a) =>
    OPS.concat(args as Node[], Object.hasOwn(a, "axis") ? (a["axis"] as number) : 0),
});

/** Population variance: mean((v − mean(v))²), over an axis or all. */
function variance(x: Node, axis: Axis = "all"): Node {
  const m = opsModule.mean(x, axis);
  const k = axis === "all" ? axis : axis < 0 ? axis + x.rank : axis;
  const centred = x.sub(k === "all" ? m : opsModule.unreduce(m, x.shape, k));
  return opsModule.mean(opsModule.square(centred), axis);
}

/** Composite builders looked up by name in `@gated/ops` (those that exist are callable). */
const COMPOSITES = [
  "mean",
  "softmax",
  "logSoftmax",
  "cumsum",
  "cumprod",
  "sumTo",
  "relu",
  "softplus",
  "logsigmoid",
  "log1p",
  "sqrt",
  "abs",
  "reciprocal",
  "maximum",
  "minimum",
  "stopGradient",
  "softsign",
  "sign",
  "where",
  "logsumexp",
  "clamp",
  "hardSigmoid",
  "hardTanh",
];
const ALIASES: Readonly<Record<string, string>> = {
  σ: "sigmoid",
  max: "maximum",
  min: "minimum",
  logsoftmax: "logSoftmax",
};

let table: Map<string, CellFunction> | undefined;
let names: Map<OpDef, string> | undefined;

/** The callable functions by name. */
export function cellFunctions(): ReadonlyMap<string, CellFunction> {
  if (table) return table;
  const t = new Map<string, CellFunction>();
  for (const [name, op] of Object.entries(OPS)) {
    if (name === "concat") {
      t.set(name, concatFn(op as unknown as OpDef));
      continue;
    }
    const def = op as unknown as OpDef;
    const f = { name, op: def, build: op as unknown as CellFunction["build"] };
    t.set(name, attach(valued(f, def.arity === "variadic" ? 0 : def.arity)));
  }
  const mod = opsModule as unknown as Record<string, unknown>;
  for (const name of COMPOSITES) {
    const f = mod[name];
    if (!t.has(name) && typeof f === "function")
      t.set(name, attach(valued({ name, build: f as CellFunction["build"] }, 1)));
  }
  if (!t.has("var"))
    t.set("var", attach({ name: "var", build: variance as CellFunction["build"] }));
  for (const [alias, name] of Object.entries(ALIASES)) {
    const f = t.get(name);
    if (f && !t.has(alias)) t.set(alias, f);
  }
  return (table = t);
}

/** The name a primitive op is called by in cell text (its `OPS` key), if it has one. */
export function functionName(op: OpDef): string | undefined {
  if (!names) {
    names = new Map();
    for (const [name, o] of Object.entries(OPS)) names.set(o as unknown as OpDef, name);
  }
  return names.get(op);
}

/** Closest known names, for "did you mean" hints. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  // at most a third of the name may differ (and never all of it)
  let bestD = Math.min(Math.max(1, Math.floor(name.length / 3)), name.length - 1) + 1;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length]!;
}
