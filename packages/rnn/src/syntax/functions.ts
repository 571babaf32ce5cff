/**
 * The functions a cell text may call: every op in `@gated/ops`' `OPS` registry under its own
 * name, plus the composite builders the package exports (mean, …) and a few aliases. Nothing
 * here knows any op: names map to builders.
 */

import type { Node, OpDef } from "@gated/graph";
import * as opsModule from "@gated/ops";
import { OPS } from "@gated/ops";

export interface CellFunction {
  readonly name: string;
  /** The primitive op, when the name is an `OPS` entry (attrs can then be given directly). */
  readonly op?: OpDef;
  readonly build: (...args: (Node | number)[]) => Node;
}

/** Composite builders looked up by name in `@gated/ops` (those that exist are callable). */
const COMPOSITES = [
  "mean",
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
const ALIASES: Readonly<Record<string, string>> = { σ: "sigmoid", max: "maximum", min: "minimum" };

let table: Map<string, CellFunction> | undefined;
let names: Map<OpDef, string> | undefined;

/** The callable functions by name. */
export function cellFunctions(): ReadonlyMap<string, CellFunction> {
  if (table) return table;
  const t = new Map<string, CellFunction>();
  for (const [name, op] of Object.entries(OPS)) {
    t.set(name, {
      name,
      op: op as unknown as OpDef,
      build: op as unknown as CellFunction["build"],
    });
  }
  const mod = opsModule as unknown as Record<string, unknown>;
  for (const name of COMPOSITES) {
    const f = mod[name];
    if (!t.has(name) && typeof f === "function")
      t.set(name, { name, build: f as CellFunction["build"] });
  }
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
