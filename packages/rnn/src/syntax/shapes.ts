/**
 * Shape terms for inference: dims and whole shapes may be unknowns, solved by unification
 * (union-find). A parameter starts as an unknown shape of unknown rank; its uses bind it.
 */
import type { Dim, Shape } from "@gated/graph";

/** An unknown dim. */
export class DVar {
  link: D | undefined;
  constructor(readonly id: number) {}
}
export type D = Dim | DVar;

/** An unknown shape (rank unknown too). */
export class SVar {
  link: S | undefined;
  constructor(readonly id: number) {}
}
export type S = readonly D[] | SVar;

let nextId = 0;
export const freshDim = (): DVar => new DVar(nextId++);
export const freshShape = (): SVar => new SVar(nextId++);

export function findD(d: D): D {
  while (d instanceof DVar && d.link !== undefined) d = d.link;
  return d;
}

export function findS(s: S): S {
  while (s instanceof SVar && s.link !== undefined) s = s.link;
  return s;
}

/** Unifies two dims; false when both are known and differ. */
export function unifyDim(a: D, b: D): boolean {
  const x = findD(a);
  const y = findD(b);
  if (x === y) return true;
  if (x instanceof DVar) return ((x.link = y), true);
  if (y instanceof DVar) return ((y.link = x), true);
  return false;
}

/** Unifies two shapes exactly (no broadcasting); false on a rank or dim conflict. */
export function unifyShape(a: S, b: S): boolean {
  const x = findS(a);
  const y = findS(b);
  if (x === y) return true;
  if (x instanceof SVar) return ((x.link = y), true);
  if (y instanceof SVar) return ((y.link = x), true);
  if (x.length !== y.length) return false;
  return x.every((d, k) => unifyDim(d, y[k]!));
}

/** The shape if every dim is known, else undefined. */
export function solved(s: S): Shape | undefined {
  const x = findS(s);
  if (x instanceof SVar) return undefined;
  const dims = x.map(findD);
  return dims.some((d) => d instanceof DVar) ? undefined : (dims as Dim[]);
}

/** `[H, ?]`, `?` for an unknown shape. */
export function showShape(s: S): string {
  const x = findS(s);
  if (x instanceof SVar) return "?";
  return `[${x
    .map((d) => {
      const v = findD(d);
      // a dim built from a stand-in of an unknown one (`_dim47+H`) shows the unknown as "?"
      return v instanceof DVar ? "?" : String(v).replace(/_dim\d+/g, "?");
    })
    .join(", ")}]`;
}

/**
 * Broadcasting over shapes with unknowns (numpy rules on trailing dims). Unknown-rank operands
 * take the result's shape: a parameter added to an [H] vector is inferred [H]. Returns the
 * result, or a message naming both shapes.
 */
export function broadcastTerms(args: readonly S[]): S | string {
  const known = args.map(findS).filter((s): s is readonly D[] => !(s instanceof SVar));
  const unknown = args.map(findS).filter((s): s is SVar => s instanceof SVar);
  // scalars (literals) say nothing about an unknown operand: p + 1 leaves p's shape open
  if (unknown.length > 0 && known.every((s) => s.length === 0)) {
    for (const u of unknown.slice(1)) unifyShape(unknown[0]!, u);
    return unknown[0]!;
  }
  if (known.length === 0) {
    for (const u of unknown.slice(1)) unifyShape(unknown[0]!, u);
    return unknown[0] ?? [];
  }
  const rank = Math.max(...known.map((s) => s.length));
  const out: D[] = [];
  for (let k = 0; k < rank; k++) {
    const dims = known.map((s) => findD(s[s.length - rank + k] ?? 1)).filter((d) => d !== 1);
    if (dims.length === 0) {
      out.push(1);
      continue;
    }
    for (const d of dims.slice(1)) {
      if (!unifyDim(dims[0]!, d))
        return `shapes ${known.map(showShape).join(" and ")} do not match`;
    }
    out.push(dims[0]!);
  }
  for (const u of unknown) unifyShape(u, out);
  return out;
}
