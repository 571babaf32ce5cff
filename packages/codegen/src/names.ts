/**
 * Names and text that reach emitted source. Every identifier goes through one `Namer` (sanitised
 * to [A-Za-z0-9_], never a reserved word, never reused); every user string in a comment goes
 * through `commentText`; string literals through `stringLiteral`. Nothing else is allowed to put
 * user-provided text into code.
 */
import { type Node, topo } from "@gated/graph";

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await async of get set " +
    "arguments eval undefined NaN Infinity Math Object Array Float32Array Float64Array Int32Array Error " +
    "globalThis window self constructor prototype __proto__ toString valueOf hasOwnProperty"
  ).split(" "),
);

/** Maps any string to an identifier of [A-Za-z0-9_]: `h'` → `h_p`, other characters → `_uXXXX`. */
export function sanitize(raw: string): string {
  let s = "";
  for (const ch of raw) {
    if (/[A-Za-z0-9_]/.test(ch)) s += ch;
    else if (ch === "'") s += "_p";
    else s += `_u${ch.codePointAt(0)!.toString(16)}`;
  }
  if (s === "" || /^[0-9]/.test(s)) s = `v${s}`;
  return s;
}

/** Hands out unique, safe identifiers. Fixed internal names are reserved up front. */
export class Namer {
  private readonly used = new Set<string>(RESERVED);
  constructor(reserved: readonly string[] = []) {
    for (const r of reserved) this.used.add(r);
  }
  /** A namer that starts with every name this one has given out or reserved. */
  child(): Namer {
    const c = new Namer();
    for (const u of this.used) c.used.add(u);
    return c;
  }
  /** Marks names as taken (names already in emitted code). */
  reserve(names: Iterable<string>): void {
    for (const n of names) this.used.add(n);
  }
  /** A fresh identifier based on `hint` (any string; it is sanitised). */
  fresh(hint: string): string {
    const base = sanitize(hint);
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }
}

/**
 * Text safe inside a `//` comment: no line terminators (\n, \r, U+2028, U+2029) and no other
 * control characters; `*​/` is broken too so the text is also safe inside a block comment.
 */
export function commentText(s: string): string {
  return s
    .replace(
      /[\u0000-\u001f\u007f\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    )
    .replace(/\*\//g, "*\\/");
}

/** A JS string literal for any string (JSON escaping, plus the two JS-only line separators). */
export function stringLiteral(s: string): string {
  return JSON.stringify(s)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A number as JS source (round-trips exactly). */
export function numberLiteral(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

/** FNV-1a (32 bit) of a string, as 8 hex digits. */
export function fnv(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** A structural hash of a graph (ops, attrs, shapes, leaf names), independent of node ids. */
export function graphHash(outputs: readonly Node[]): string {
  const index = new Map<Node, number>();
  const parts: string[] = [];
  for (const n of topo(outputs)) {
    index.set(n, index.size);
    parts.push(
      `${n.op.name}(${n.inputs.map((x) => index.get(x)).join(",")})${JSON.stringify(n.attrs)}`,
    );
  }
  parts.push(`->${outputs.map((o) => index.get(o)).join(",")}`);
  return fnv(parts.join(";"));
}
