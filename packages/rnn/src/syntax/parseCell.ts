/**
 * `parseCell`: a cell written as its equations. The text is parsed, checked (names, shapes
 * by unification, roles) and then built through `defineCell`, so it yields exactly the graph
 * the builder API gives for the same equations (nodes are interned: equal graphs are the
 * same objects).
 */
import {
  constant,
  type Dim,
  type Node,
  printText,
  reshapeMismatch,
  resolveShape,
  type Sizes,
  topo,
} from "@gated/graph";
import { OPS } from "@gated/ops";
import { type Cell, defineCell } from "../defineCell.js";
import type { Expr } from "./ast.js";
import { type CellWarning, type CheckedCell, checkAttrs, checkCell } from "./check.js";
import { cellFunctions, suggest } from "./functions.js";
import { CellShapeError, CellSyntaxError, type Pos } from "./lexer.js";
import { parseCellAst } from "./parser.js";

const INFIX = { "+": OPS.add, "-": OPS.sub, "*": OPS.mul, "/": OPS.div } as const;

const WARNINGS = new WeakMap<Cell, readonly CellWarning[]>();
const DIM_DEFAULTS = new WeakMap<Cell, Readonly<Record<string, Dim>>>();
/** Where each reshape call of a parsed cell is written, for size errors at line:col. */
const RESHAPES = new WeakMap<Cell, readonly { node: Node; pos: Pos }[]>();

/**
 * Checks what a cell's text leaves to its sizes: a reshape between different dims
 * (`reshape(v; shape=[H, H])` with v : [K]) needs as many values on both sides. Throws a
 * `CellShapeError` at the call's line:col naming both shapes as written and as bound; reshapes
 * over dims `sizes` does not give are left to compiling. Nothing to check for cells built
 * otherwise.
 */
export function checkCellSizes(cell: Cell, sizes: Sizes): void {
  for (const { node, pos } of RESHAPES.get(cell) ?? []) {
    const x = node.inputs[0]!;
    let bound: [number[], number[]];
    try {
      bound = [resolveShape(x.shape, sizes), resolveShape(node.shape, sizes)];
    } catch {
      continue;
    }
    const msg = reshapeMismatch(x.shape, node.shape, ...bound);
    if (msg) throw new CellShapeError(pos, `${printText(node, 3)}: ${msg}`);
  }
}

/**
 * Default sizes a cell's text gives its extra dims (`dim M = 2*H`), as dims over H, I and the
 * dims above; sizes given when compiling win. Empty for cells built otherwise.
 */
export function cellDimDefaults(cell: Cell): Readonly<Record<string, Dim>> {
  return DIM_DEFAULTS.get(cell) ?? {};
}

function dimDefaults(checked: CheckedCell): Record<string, Dim> {
  const out: Record<string, Dim> = {};
  const reserved = new Set([
    String(checked.ast.input.dim.value),
    ...checked.ast.states.map((s) => String(s.dim.value)),
  ]);
  for (const st of checked.ast.body) {
    if (st.kind !== "dim") continue;
    if (reserved.has(st.name))
      throw new CellSyntaxError(
        st.pos,
        `${st.name} is the size of the input or a state; it cannot have a default`,
      );
    if (Object.hasOwn(out, st.name))
      throw new CellSyntaxError(st.pos, `dim ${st.name} is already given a default`);
    out[st.name] = st.value.value;
  }
  return out;
}

/**
 * Likely mistakes in a parsed cell's text, e.g. a typo that creates a new parameter
 * (`h' = f * q`); none for cells built otherwise. `parseCell(text, { strict: true })` makes the
 * first one an error.
 */
export function cellWarnings(cell: Cell): readonly CellWarning[] {
  return WARNINGS.get(cell) ?? [];
}

/** Parses and checks a cell text without building it (for tools: shapes, roles, errors). */
export function checkCellText(text: string): CheckedCell {
  const fns = cellFunctions();
  const hint = (name: string) => {
    const s = suggest(name, fns.keys());
    return s ? ` (did you mean ${s}?)` : "";
  };
  return checkCell(
    parseCellAst(text, (n) => fns.has(n), hint),
    text,
  );
}

/**
 * Builds a `Cell` from its equations, e.g.
 * ```
 * cell mgu(x[I]; h[H]) {
 *   f  = sigmoid(U_f x + W_f h + b_f)
 *   n  = tanh(U_n x + W_n (f * h) + b_n)
 *   h' = (1 - f) * h + f * n
 * }
 * ```
 * Errors are `CellSyntaxError`s whose message starts with `line:col`.
 */
export function parseCell(text: string, opts: { strict?: boolean } = {}): Cell {
  const checked = checkCellText(text);
  const { ast } = checked;
  if (opts.strict && checked.warnings.length > 0)
    throw new CellSyntaxError(
      checked.warnings[0]!.pos,
      checked.warnings[0]!.message.replace(/^\d+:\d+: /, ""),
    );
  const state: Record<string, string | number> = {};
  for (const s of ast.states) state[s.name] = s.dim.value;
  try {
    const reshapes: { node: Node; pos: Pos }[] = [];
    const cell = build(checked, state, text, (node, pos) => reshapes.push({ node, pos }));
    WARNINGS.set(cell, checked.warnings);
    RESHAPES.set(cell, reshapes);
    DIM_DEFAULTS.set(cell, dimDefaults(checked));
    return cell;
  } catch (e) {
    // defineCell's own checks (a state called x, …) are reported at the cell's header
    if (e instanceof CellSyntaxError) throw e;
    throw new CellSyntaxError(ast.pos, (e as Error).message);
  }
}

function build(
  checked: CheckedCell,
  state: Record<string, string | number>,
  text: string,
  onReshape: (node: Node, pos: Pos) => void,
): Cell {
  const { ast, params } = checked;
  const fns = cellFunctions();
  return defineCell({
    name: ast.name,
    state,
    input: ast.input.dim.value,
    output: checked.output,
    source: text,
    step: (vars, ctx) => {
      const env = new Map<string, Node>([[ast.input.name, vars.x]]);
      for (const s of ast.states) env.set(s.name, vars[s.name]!);
      const evalExpr = (e: Expr): Node => {
        try {
          return build(e);
        } catch (x) {
          if (x instanceof CellSyntaxError) throw x;
          throw new CellSyntaxError(e.pos, (x as Error).message);
        }
      };
      const arg = (e: Expr): Node | number =>
        e.kind === "num" && !e.shape ? e.value : evalExpr(e);
      const build = (e: Expr): Node => {
        switch (e.kind) {
          case "num":
            return constant(e.value, e.shape ? e.shape.map((d) => d.value) : []);
          case "name": {
            const v = env.get(e.name);
            if (v) return v;
            const p = params.get(e.name)!;
            return ctx.param(e.name, p.shape, {
              role: p.role,
              ...(p.init ? { init: p.init } : {}),
            });
          }
          case "neg":
            return OPS.neg(evalExpr(e.arg));
          case "bin":
            return INFIX[e.op](arg(e.left), arg(e.right));
          case "matvec":
            return OPS.matvec(evalExpr(e.left), evalExpr(e.right));
          case "call": {
            const f = fns.get(e.name)!;
            const args = e.args.map(arg);
            const first = args[0];
            const node = e.attrs
              ? f.withAttrs!(args, checkAttrs(f, e, typeof first === "number" ? 0 : first?.rank))
              : f.build(...args);
            if (node.op === OPS.reshape) onReshape(node, e.pos);
            return node;
          }
        }
      };
      // declared parameters first, in declaration order: that is the flat layout's order
      for (const p of params.values())
        if (p.declared) build({ kind: "name", name: p.name, pos: p.pos, end: 0 });
      for (const st of checked.lets) {
        const node = evalExpr(st.expr);
        env.set(st.name, node);
        if (!st.name.endsWith("'")) ctx.let(st.name, node);
      }
      const next: Record<string, Node> = {};
      for (const s of ast.states) next[s.name] = env.get(`${s.name}'`)!;
      // an output of its own (`output y = …`) is returned beside the next states
      if (!Object.hasOwn(next, checked.output)) next[checked.output] = env.get(checked.output)!;
      // a parameter that never reaches a next state is reported where it is first written
      const reach = new Set(topo(Object.values(next)));
      for (const p of params.values()) {
        const node = ctx.param(p.name, p.shape);
        if (!reach.has(node))
          throw new CellSyntaxError(
            p.pos,
            `unused parameter ${p.name}: it never reaches a next state or the output`,
          );
      }
      return next;
    },
  });
}
