/**
 * `printCell`: a cell back to the equation syntax, such that parsing the text gives the very
 * same next-state nodes (interned, so equal graphs are identical objects). Named locals become
 * equations; other subexpressions print inline (interning shares them again on parsing).
 * `param` lines are added only where inference alone would not give the same parameters.
 */
import { constValue, type Node, topo } from "@gated/graph";
import { cumprod, cumsum, OPS } from "@gated/ops";
import type { Cell, ParamInfo } from "../defineCell.js";
import { MAX_EXPR_DEPTH } from "./ast.js";
import { cellFunctions, functionName } from "./functions.js";
import { definitionOrder } from "./order.js";
import { parseCell } from "./parseCell.js";

type P = { s: string; prec: number };
const ATOM = 100;
const JUXT = 40;
const NEG = 30;
const INFIX = new Map<unknown, { sym: string; prec: number }>([
  [OPS.add, { sym: "+", prec: 10 }],
  [OPS.sub, { sym: "-", prec: 10 }],
  [OPS.mul, { sym: "*", prec: 20 }],
  [OPS.div, { sym: "/", prec: 20 }],
]);
const IDENT = /^[\p{L}_][\p{L}\p{N}_]*$/u;

/** Prints a cell in the equation syntax (see the module comment). */
export function printCell(cell: Cell): string {
  checkPrintable(cell);
  const body = printBody(cell);
  const plain = (p: ParamInfo) => `param ${p.name}[${p.shape.join(", ")}]`;
  let text = assemble(cell, body, []);
  const bad = mismatched(cell, text);
  if (bad.size === 0) return text;
  // declare what inference gets wrong; else every parameter, in layout order
  const some = cell.paramInfo.filter((p) => bad.has(p.name));
  const candidates = [
    some.map(plain),
    some.map(paramLine),
    cell.paramInfo.map(plain),
    cell.paramInfo.map((p) => (bad.has(p.name) ? paramLine(p) : plain(p))),
  ];
  for (const decls of candidates) {
    text = assemble(cell, body, decls);
    if (mismatched(cell, text).size === 0) return text;
  }
  return assemble(cell, body, cell.paramInfo.map(paramLine));
}

/** Graph depth, iteratively: deeper than the syntax allows is an error, not a stack overflow. */
function checkPrintable(cell: Cell): void {
  const depth = new Map<Node, number>();
  for (const n of topo([...cell.state.map((s) => s.next), cell.output])) {
    let d = 0;
    for (const c of n.inputs) d = Math.max(d, depth.get(c)!);
    depth.set(n, d + 1);
    if (d + 1 > MAX_EXPR_DEPTH)
      throw new Error(
        `printCell: cell ${cell.name} nests more than ${MAX_EXPR_DEPTH} operations deep, more than the cell syntax reads`,
      );
  }
}

/** Parameters that parsing `text` gets wrong (name, shape, role, init or position); all if it fails. */
function mismatched(cell: Cell, text: string): Set<string> {
  let got: Cell;
  try {
    got = parseCell(text);
  } catch {
    return new Set(cell.paramInfo.map((p) => p.name));
  }
  if (!got.state.every((s, k) => s.next === cell.state[k]!.next) || got.output !== cell.output)
    return new Set(cell.paramInfo.map((p) => p.name));
  return new Set(
    cell.paramInfo
      .filter((p, k) => {
        const q = got.paramInfo[k];
        return (
          !q ||
          q.node !== p.node ||
          q.role !== p.role ||
          JSON.stringify(q.init) !== JSON.stringify(p.init)
        );
      })
      .map((p) => p.name),
  );
}

function paramLine(p: ParamInfo): string {
  const init = p.init.kind === "constant" ? ` = ${p.init.value}` : ` ~ ${initText(p.init)}`;
  return `param ${p.name}[${p.shape.join(", ")}] : ${p.role}${init}`;
}

function initText(init: ParamInfo["init"]): string {
  const fields = Object.entries(init).filter(([k]) => k !== "kind");
  return fields.length
    ? `${init.kind}(${fields.map(([k, v]) => `${k}=${String(v)}`).join(", ")})`
    : init.kind;
}

function assemble(cell: Cell, body: readonly string[], decls: readonly string[]): string {
  const states = cell.state.map((s) => `${s.name}[${s.node.shape[0]}]`).join(", ");
  const lines = [
    `cell ${cell.name}(x[${cell.x.shape[0]}]; ${states}) {`,
    ...decls.map((d) => `  ${d}`),
    ...body.map((l) => `  ${l}`),
  ];
  lines.push("}");
  return lines.join("\n");
}

/** The equations, in dependency order. */
function printBody(cell: Cell): string[] {
  const fns = cellFunctions();
  const taken = new Set<string>([
    ...cell.state.map((s) => s.name),
    "x",
    ...cell.paramInfo.map((p) => p.name),
  ]);
  const nextOf = new Map<Node, string[]>();
  for (const s of cell.state) nextOf.set(s.next, [...(nextOf.get(s.next) ?? []), s.name]);
  const bound = new Map<Node, P>();
  const lines: string[] = [];
  const order = definitionOrder(cell);
  for (const n of order) {
    const rhs = () => expr(n, bound);
    const local = cell.locals.get(n);
    const states = nextOf.get(n);
    const isLeaf = n.op.kind === "leaf";
    if (local !== undefined && !states && !isLeaf) {
      let name =
        IDENT.test(local) && !fns.has(local) && !taken.has(local) && !["cell"].includes(local)
          ? local
          : "";
      for (let k = 1; !name; k++) if (!taken.has(`t${k}`)) name = `t${k}`;
      taken.add(name);
      lines.push(`${name} = ${rhs().s}`);
      bound.set(n, { s: name, prec: ATOM });
    }
    if (states) {
      lines.push(`${states[0]}' = ${rhs().s}`);
      for (const other of states.slice(1)) lines.push(`${other}' = ${states[0]}'`);
      if (!isLeaf) bound.set(n, { s: `${states[0]}'`, prec: ATOM });
    }
  }
  const out = outputLine(cell, bound, taken);
  return out ? [...lines, out] : lines;
}

/**
 * The output line: none for the default state, `output c` for another state or a named value,
 * `output y = …` for a value printed nowhere else (a leaf, or a value the builder left unnamed).
 */
function outputLine(cell: Cell, bound: ReadonlyMap<Node, P>, taken: Set<string>): string | null {
  const names = cell.state.map((s) => s.name);
  const byDefault = names.includes("h") ? "h" : names[0];
  const states = cell.state.filter((s) => s.next === cell.output).map((s) => s.name);
  if (states.length > 0) return states.includes(byDefault!) ? null : `output ${states[0]}`;
  const b = bound.get(cell.output);
  if (b && IDENT.test(b.s)) return `output ${b.s}`;
  let name = "y";
  for (let k = 1; taken.has(name); k++) name = `y${k}`;
  taken.add(name);
  return `output ${name} = ${expr(cell.output, bound).s}`;
}

/** One expression in the syntax, reading bound names for named nodes. */
function expr(n: Node, bound: ReadonlyMap<Node, P>): P {
  const get = (x: Node): P => bound.get(x) ?? expr(x, bound);
  const wrap = (p: P, ok: boolean) => (ok ? p.s : `(${p.s})`);
  if (n.op.kind === "leaf") {
    const c = constValue(n);
    if (c === undefined) return { s: n.label!, prec: ATOM };
    if (!Number.isFinite(c))
      throw new Error(`printCell: constant ${c} has no literal in the cell syntax`);
    const shape = n.shape.length ? `[${n.shape.join(", ")}]` : "";
    return { s: `${String(c)}${shape}`, prec: c < 0 ? NEG : ATOM };
  }
  const inf = INFIX.get(n.op);
  if (inf && Object.keys(n.attrs).length === 0) {
    const [a, b] = n.inputs.map(get) as [P, P];
    return {
      s: `${wrap(a, a.prec >= inf.prec)} ${inf.sym} ${wrap(b, b.prec > inf.prec)}`,
      prec: inf.prec,
    };
  }
  if (n.op === OPS.neg) {
    const a = get(n.inputs[0]!);
    // -(2) is neg applied to 2; -2 would read back as the literal −2
    const literal = constValue(n.inputs[0]!) !== undefined && !bound.has(n.inputs[0]!);
    // - -h: stacked minus signs need no brackets (thousands of them must not nest brackets)
    if (a.prec === NEG && !literal) return { s: `- ${a.s}`, prec: NEG };
    return { s: `-${wrap(a, a.prec > NEG && !literal)}`, prec: NEG };
  }
  if (n.op === OPS.matvec) {
    const [a, v] = n.inputs.map(get) as [P, P];
    return { s: `${wrap(a, a.prec >= ATOM)} ${wrap(v, v.prec >= JUXT)}`, prec: JUXT };
  }
  // a scan that is cumsum or cumprod of its operand prints as that call (nodes are interned)
  if (n.op === OPS.scan) {
    const [a, b] = n.inputs as [Node, Node];
    const is = (f: (x: Node) => Node, x: Node) => {
      try {
        return f(x) === n;
      } catch {
        return false; // no cumsum of that shape: print the scan
      }
    };
    if (is(cumsum, b)) return { s: `cumsum(${get(b).s})`, prec: ATOM };
    if (is(cumprod, a)) return { s: `cumprod(${get(a).s})`, prec: ATOM };
  }
  const name = functionName(n.op);
  if (!name)
    throw new Error(`printCell: op ${n.op.name} is not in OPS, so the cell syntax cannot name it`);
  const args = n.inputs.map((x) => get(x).s);
  const attrs = Object.entries(n.attrs).map(
    ([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(", ")}]` : String(v)}`,
  );
  return {
    s: `${name}(${args.join(", ")}${attrs.length ? `; ${attrs.join(", ")}` : ""})`,
    prec: ATOM,
  };
}
