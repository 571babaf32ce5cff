/**
 * The input's projection: `project x = P x`, declared once, for cells written as papers write
 * them when the input's size differs from the state's — a highway or residual cell
 * `h' = f * n + (1 - f) * x` with x[I], I ≠ H. Wherever x is an operand of + − * / (directly,
 * or negated: -x), it stands for its projection; elsewhere (`U x`, `concat(h, x)`, a function's argument) it is
 * the input itself. Without a declaration, x meeting [H] values elementwise is an error at that
 * x naming its dim and H (`inputMismatch`).
 */
import type { CellAst, Expr, Stmt } from "./ast.js";
import { CellSyntaxError, type Pos } from "./lexer.js";

type Project = Extract<Stmt, { kind: "project" }>;

/** The cell with each elementwise use of x replaced by its projection (the same cell without one). */
export function expandProjection(ast: CellAst): CellAst {
  const decls = ast.body.filter((s): s is Project => s.kind === "project");
  if (decls.length === 0) return ast;
  const [proj, again] = decls;
  if (again)
    throw new CellSyntaxError(again.pos, `the projection of ${again.name} is already declared`);
  const x = ast.input.name;
  if (proj!.name !== x)
    throw new CellSyntaxError(
      proj!.pos,
      `project ${proj!.name}: only the input ${x} has a projection${ast.states.some((s) => s.name === proj!.name) ? " (a state has its own size)" : ""}`,
    );
  const values = new Set([
    ...ast.states.flatMap((s) => [s.name, `${s.name}'`]),
    ...ast.body.flatMap((s) => (s.kind === "let" ? [s.name] : [])),
  ]);
  for (const n of names(proj!.expr))
    if (values.has(n.name))
      throw new CellSyntaxError(
        n.pos,
        `project ${x} = …: the projection reads only ${x} and parameters, not ${n.name}`,
      );
  let used = 0;
  const replace = (e: Expr): Expr => {
    used++;
    return { ...proj!.expr, pos: e.pos, end: e.end } as Expr;
  };
  const rewrite = (e: Expr): Expr => {
    switch (e.kind) {
      case "bin": {
        const side = (o: Expr): Expr =>
          isX(o, x)
            ? replace(o)
            : o.kind === "neg" && isX(o.arg, x)
              ? { ...o, arg: replace(o.arg) }
              : rewrite(o);
        return { ...e, left: side(e.left), right: side(e.right) };
      }
      case "neg":
        return { ...e, arg: rewrite(e.arg) };
      case "matvec":
        return { ...e, left: rewrite(e.left), right: rewrite(e.right) };
      case "call":
        return { ...e, args: e.args.map(rewrite) };
      default:
        return e;
    }
  };
  const body = ast.body.map((s) => (s.kind === "let" ? { ...s, expr: rewrite(s.expr) } : s));
  if (used === 0)
    throw new CellSyntaxError(
      proj!.pos,
      `project ${x} = …: ${x} is never an operand of + − * /, so its projection is never used; remove the line`,
    );
  return { ...ast, body };
}

const isX = (e: Expr, x: string): e is Extract<Expr, { kind: "name" }> =>
  e.kind === "name" && e.name === x;

/** Every name an expression reads. */
function names(e: Expr): Extract<Expr, { kind: "name" }>[] {
  const out: Extract<Expr, { kind: "name" }>[] = [];
  const stack = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.kind === "name") out.push(x);
    else if (x.kind === "neg") stack.push(x.arg);
    else if (x.kind === "bin" || x.kind === "matvec") stack.push(x.left, x.right);
    else if (x.kind === "call") stack.push(...x.args);
  }
  return out;
}

/**
 * Where the input x is an operand of + − * / in `e` or in the locals it reads (`local(name)`
 * gives a local's expression): the place to report a size mismatch, or undefined.
 */
export function inputElementwiseUse(
  e: Expr,
  x: string,
  local: (name: string) => Expr | undefined,
): Pos | undefined {
  const seen = new Set<string>();
  const stack = [e];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v.kind === "bin") {
      // x, or -x, as an operand
      for (const o of [v.left, v.right]) {
        if (isX(o, x)) return o.pos;
        if (o.kind === "neg" && isX(o.arg, x)) return o.arg.pos;
      }
      stack.push(v.right, v.left);
    } else if (v.kind === "neg") stack.push(v.arg);
    else if (v.kind === "matvec") stack.push(v.right, v.left);
    else if (v.kind === "call") stack.push(...v.args);
    else if (v.kind === "name" && !seen.has(v.name)) {
      seen.add(v.name);
      const l = local(v.name);
      if (l) stack.push(l);
    }
  }
  return undefined;
}

/** The one-line message for x (dim `dim`) meeting values of dim `other` elementwise. */
export function inputMismatch(x: string, dim: string, other: string): string {
  return `${x} is [${dim}] but meets [${other}] values elementwise here; declare its projection once: project ${x} = P ${x} (P becomes [${other}, ${dim}]), or write P ${x} here`;
}
