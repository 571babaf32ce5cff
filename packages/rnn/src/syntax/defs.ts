/**
 * User-defined functions: `def ln(v, a, s) = a * (v - mean(v)) / sqrt(var(v) + 1e-5) + s` is
 * expanded at each call, its arguments substituted for its parameter names (other names in the
 * body are the cell's: parameters, states, the input). A def may call the defs above it, never
 * itself (the parser refuses that). Expansion stops with an error at `MAX_EXPR_DEPTH` or past
 * `MAX_EXPANDED` operations, so nested defs cannot blow up.
 */
import { type CellAst, type Expr, MAX_EXPR_DEPTH, type Stmt } from "./ast.js";
import { CellSyntaxError } from "./lexer.js";

/** Most operations the defs of one cell may expand to. */
export const MAX_EXPANDED = 200_000;

type Def = Extract<Stmt, { kind: "def" }>;

/** The cell with every def call expanded and the defs removed (the same cell when it has none). */
export function expandDefs(ast: CellAst): CellAst {
  if (!ast.body.some((s) => s.kind === "def")) return ast;
  const defs = new Map<string, Def>();
  let count = 0;
  const expand = (e: Expr, env: ReadonlyMap<string, Expr>, depth: number): Expr => {
    if (depth > MAX_EXPR_DEPTH)
      throw new CellSyntaxError(
        e.pos,
        `the expression nests more than ${MAX_EXPR_DEPTH} operations deep (with the defs expanded)`,
      );
    if (++count > MAX_EXPANDED)
      throw new CellSyntaxError(e.pos, `the defs expand to more than ${MAX_EXPANDED} operations`);
    switch (e.kind) {
      case "num":
        return e;
      case "name": {
        const v = env.get(e.name);
        if (v) return v;
        if (defs.has(e.name))
          throw new CellSyntaxError(e.pos, `${e.name} is a def; call it: ${e.name}(…)`);
        return e;
      }
      case "neg":
        return { ...e, arg: expand(e.arg, env, depth + 1) };
      case "bin":
      case "matvec":
        return {
          ...e,
          left: expand(e.left, env, depth + 1),
          right: expand(e.right, env, depth + 1),
        };
      case "call": {
        const args = e.args.map((a) => expand(a, env, depth + 1));
        const d = defs.get(e.name);
        if (!d) return { ...e, args };
        if (e.attrs)
          throw new CellSyntaxError(e.attrs[0]!.pos, `def ${e.name} takes no attributes`);
        if (args.length !== d.params.length)
          throw new CellSyntaxError(
            e.pos,
            `${e.name} takes ${d.params.length} argument${d.params.length === 1 ? "" : "s"} (${d.params.map((p) => p.name).join(", ")}), got ${args.length}`,
          );
        const inner = new Map(d.params.map((p, k) => [p.name, args[k]!] as const));
        const body = expand(d.body, inner, depth + 1);
        // the expansion is located at the call, for messages quoting it
        return { ...body, pos: e.pos, end: e.end } as Expr;
      }
    }
  };
  const body: Stmt[] = [];
  for (const st of ast.body) {
    if (st.kind === "def") {
      // a def's own body is expanded where it is called; check its defs' calls here
      expand(
        st.body,
        new Map(
          st.params.map(
            (p) =>
              [
                p.name,
                { kind: "name", name: p.name, pos: p.pos, end: p.pos.offset + p.name.length },
              ] as const,
          ),
        ),
        1,
      );
      defs.set(st.name, st);
    } else if (st.kind === "let") {
      if (defs.has(st.name))
        throw new CellSyntaxError(st.pos, `${st.name} is a def; choose another name for the value`);
      body.push({ ...st, expr: expand(st.expr, new Map(), 1) });
    } else if (st.kind === "project") body.push({ ...st, expr: expand(st.expr, new Map(), 1) });
    else body.push(st);
  }
  return { ...ast, body };
}
