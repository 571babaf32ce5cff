/**
 * Recursive-descent parser of the equation syntax (grammar in ./README.md). It builds the
 * syntax tree only; names are resolved and shapes inferred in ./infer.ts.
 *
 *   expr  := term (('+' | '-') term)*          lowest
 *   term  := unary (('*' | '/') unary)*
 *   unary := '-' unary | juxt
 *   juxt  := primary juxt?                      `A B v` = A (B v): matrix-vector products
 *   primary := number shape? | name shape? | name '(' args ')' | '(' expr ')'
 */

import { addDims } from "@gated/graph";
import {
  type AttrAst,
  type CellAst,
  type DimAst,
  type Expr,
  type InitAst,
  MAX_EXPR_DEPTH,
  type Stmt,
  type VarDecl,
} from "./ast.js";
import { CellSyntaxError, describeToken, type Pos, type Token, tokenize } from "./lexer.js";

/** Deepest bracket nesting the parser accepts (no less than any expression printCell prints). */
const MAX_DEPTH = MAX_EXPR_DEPTH;

/** Parses a cell text. `isFunction` says which names are functions (`tanh(…)` is a call). */
export function parseCellAst(
  text: string,
  isFunction: (name: string) => boolean,
  hint: (name: string) => string = () => "",
): CellAst {
  return new Parser(tokenize(text), isFunction, hint).cell();
}

class Parser {
  private i = 0;
  /** Names of the cell's defs so far (callable after their definition). */
  private readonly defs = new Set<string>();
  /** The def whose body is being parsed. */
  private defining: string | undefined;
  /** Inside ( ) or [ ] newlines do not end statements. */
  private depth = 0;
  constructor(
    private readonly toks: readonly Token[],
    private readonly isFunction: (name: string) => boolean,
    private readonly hint: (name: string) => string,
  ) {}

  private peek(k = 0): Token {
    let j = this.i;
    for (;;) {
      while (this.depth > 0 && this.toks[j]!.kind === "newline") j++;
      if (k === 0) return this.toks[j]!;
      k--;
      j++;
    }
  }
  private next(): Token {
    while (this.depth > 0 && this.toks[this.i]!.kind === "newline") this.i++;
    const t = this.toks[this.i]!;
    if (t.kind !== "eof") this.i++;
    return t;
  }
  private is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === "punct" && t.text === text;
  }
  private fail(t: Token, expected: string): never {
    throw new CellSyntaxError(t.pos, `expected ${expected}, found ${describeToken(t)}`);
  }
  private expect(text: string, what = `"${text}"`): Token {
    const t = this.peek();
    if (t.kind === "punct" && t.text === text) return this.next();
    return this.fail(t, what);
  }
  private ident(what: string): Token {
    const t = this.peek();
    if (t.kind !== "ident") this.fail(t, what);
    return this.next();
  }
  private skipNewlines(): void {
    while (this.toks[this.i]!.kind === "newline") this.i++;
  }
  private open<T>(close: string, what: string, f: () => T): T {
    const o = this.next();
    this.depth++;
    // deeper nesting would exhaust the call stack (a RangeError with no position)
    if (this.depth > MAX_DEPTH)
      throw new CellSyntaxError(o.pos, `brackets nest more than ${MAX_DEPTH} levels deep`);
    const r = f();
    const t = this.peek();
    if (!(t.kind === "punct" && t.text === close)) {
      throw new CellSyntaxError(
        t.pos,
        `expected "${close}" to close "${o.text}" at ${o.pos.line}:${o.pos.col}${what}, found ${describeToken(t)}`,
      );
    }
    this.next(); // still inside: skips the newlines before the closing bracket
    this.depth--;
    return r;
  }

  cell(): CellAst {
    this.skipNewlines();
    const kw = this.peek();
    if (!(kw.kind === "ident" && kw.text === "cell")) this.fail(kw, `"cell"`);
    this.next();
    const name = this.ident("the cell's name").text;
    if (!this.is("("))
      this.fail(this.peek(), `"(" and the cell's input and states, e.g. (x[I]; h[H])`);
    const [inputs, states] = this.open(")", "", () => {
      const ins = this.decls("the input, e.g. x[I]");
      if (!this.is(";")) this.fail(this.peek(), `";" then the states, e.g. (x[I]; h[H])`);
      this.next();
      return [ins, this.decls("a state, e.g. h[H]")] as const;
    });
    if (inputs.length !== 1)
      throw new CellSyntaxError(inputs[1]!.pos, `a cell has one input, found ${inputs.length}`);
    this.skipNewlines();
    const brace = this.expect("{", `"{" to open the cell's equations`);
    const body: Stmt[] = [];
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.kind === "punct" && t.text === "}") break;
      if (t.kind === "eof")
        throw new CellSyntaxError(
          t.pos,
          `expected "}" to close "{" at ${brace.pos.line}:${brace.pos.col}, found end of input`,
        );
      if (t.kind === "punct" && t.text === ";") {
        this.next();
        continue;
      }
      const st = this.stmt();
      body.push(...(Array.isArray(st) ? st : [st as Stmt]));
      const end = this.peek();
      if (
        end.kind === "newline" ||
        (end.kind === "punct" && (end.text === ";" || end.text === "}"))
      )
        continue;
      this.fail(end, "an operator or the end of the line");
    }
    this.next();
    this.skipNewlines();
    const eof = this.peek();
    if (eof.kind !== "eof") this.fail(eof, 'end of input after the cell\'s closing "}"');
    return { name, input: inputs[0]!, states, body, pos: kw.pos };
  }

  private decls(what: string): VarDecl[] {
    const out: VarDecl[] = [];
    for (;;) {
      const t = this.ident(what);
      const shape = this.shape(`the size of ${t.text}, e.g. ${t.text}[H]`);
      if (shape.length !== 1)
        throw new CellSyntaxError(
          t.pos,
          `${t.text} must have one dim, e.g. ${t.text}[H], found ${shape.length}`,
        );
      out.push({ name: t.text, dim: shape[0]!, pos: t.pos });
      if (!this.is(",")) return out;
      this.next();
    }
  }

  private shape(what: string): DimAst[] {
    if (!this.is("[")) this.fail(this.peek(), what);
    return this.open("]", "", () => {
      const dims: DimAst[] = [];
      if (this.is("]")) return dims;
      for (;;) {
        dims.push(this.dim());
        if (!this.is(",")) return dims;
        this.next();
      }
    });
  }

  /**
   * One dim: a name, a whole number, or a linear form of them (`2*H`, `H+I`, `H-1`), kept in the
   * graph's canonical form so equal sizes unify (`H+H` is `2*H`).
   */
  private dim(): DimAst {
    const first = this.peek();
    let text = "";
    let sign = "";
    for (;;) {
      const t = this.next();
      let term: string;
      if (t.kind === "ident") term = t.text;
      else if (t.kind === "number" && /^\d+$/.test(t.text)) {
        term = t.text;
        if (this.is("*")) {
          this.next();
          const n = this.next();
          if (n.kind !== "ident") this.fail(n, `a dim name after "${t.text}*", e.g. ${t.text}*H`);
          term = `${t.text}*${n.text}`;
        }
      } else return this.fail(t, "a dim (a name such as H, a whole number, or e.g. 2*H, H+I)");
      if (t.kind === "ident" && this.is("*")) {
        this.next();
        const n = this.next();
        if (n.kind !== "number" || !/^\d+$/.test(n.text))
          this.fail(n, `a whole number after "${t.text}*", e.g. ${t.text}*2`);
        term = `${n.text}*${t.text}`;
      }
      if (this.is("/"))
        throw new CellSyntaxError(
          this.peek().pos,
          `a dim cannot be divided (${term}/…): name the smaller dim instead, e.g. Q with H = 4*Q`,
        );
      text += sign + term;
      if (!this.is("+") && !this.is("-")) break;
      sign = this.next().text;
    }
    if (text === first.text)
      return { value: first.kind === "number" ? Number(text) : text, pos: first.pos };
    let value: number | string;
    try {
      value = addDims(text, 0);
    } catch {
      return this.fail(first, `a dim, got "${text}"`);
    }
    if (typeof value === "number" && value < 0)
      throw new CellSyntaxError(first.pos, `dim ${text} is ${value}, less than 0`);
    return { value, pos: first.pos };
  }

  /** One statement; `output y = …` is two (the value y, then the output line naming it). */
  private stmt(): Stmt | readonly Stmt[] {
    const t = this.ident("an equation (name = expression), a param declaration or an output line");
    const after = this.peek();
    if (t.text === "param" && after.kind === "ident") return this.paramDecl(t);
    if (t.text === "def" && after.kind === "ident") return this.defDecl();
    if (t.text === "dim" && after.kind === "ident") {
      const n = this.next();
      this.expect("=", `"=" and the default size of dim ${n.text}, e.g. dim ${n.text} = 2*H`);
      return { kind: "dim", name: n.text, value: this.dim(), pos: n.pos };
    }
    if (t.text === "project" && after.kind === "ident") {
      const n = this.next();
      this.expect("=", `"=" and the projection of ${n.text}, e.g. project ${n.text} = P ${n.text}`);
      return { kind: "project", name: n.text, expr: this.expr(), pos: n.pos };
    }
    if (t.text === "output" && after.kind === "ident") {
      const n = this.next();
      if (!this.is("=")) return { kind: "output", name: n.text, pos: n.pos };
      // output y = …: a value of its own (not carried) that is the per-step output
      this.next();
      const let_: Stmt = { kind: "let", name: n.text, expr: this.expr(), pos: n.pos };
      return [let_, { kind: "output", name: n.text, pos: n.pos }];
    }
    if (!this.is("=")) this.fail(after, `"=" after ${t.text}`);
    this.next();
    return { kind: "let", name: t.text, expr: this.expr(), pos: t.pos };
  }

  /** `def NAME(a, b, …) = expr`: its name is a function from here on (so not inside itself). */
  private defDecl(): Stmt {
    const n = this.next();
    if (this.isFunction(n.text) || this.defs.has(n.text))
      throw new CellSyntaxError(
        n.pos,
        `${n.text} is already a function; choose another name for the def`,
      );
    if (!this.is("("))
      this.fail(this.peek(), `"(" and the arguments of ${n.text}, e.g. def ${n.text}(v) = …`);
    const params = this.open(")", ` (arguments of def ${n.text})`, () => {
      const ps: { name: string; pos: Pos }[] = [];
      if (this.is(")")) return ps;
      for (;;) {
        const a = this.ident("an argument name");
        if (ps.some((q) => q.name === a.text))
          throw new CellSyntaxError(a.pos, `argument ${a.text} is given twice`);
        ps.push({ name: a.text, pos: a.pos });
        if (!this.is(",")) return ps;
        this.next();
      }
    });
    this.expect("=", `"=" and the body of ${n.text}`);
    this.defining = n.text;
    const body = this.expr();
    this.defining = undefined;
    this.defs.add(n.text);
    return { kind: "def", name: n.text, params, body, pos: n.pos };
  }

  private paramDecl(kw: Token): Stmt {
    const n = this.next();
    const shape = this.shape(
      `the shape of parameter ${n.text}, e.g. ${n.text}[H] (use ${n.text}[] for a scalar)`,
    );
    let role: { name: string; pos: Pos } | undefined;
    let init: InitAst | undefined;
    if (this.is(":")) {
      this.next();
      const r = this.ident("a role (input, recurrent, bias, diagonal, …)");
      role = { name: r.text, pos: r.pos };
    }
    if (this.is("=")) {
      const eq = this.next();
      init = { kind: "constant", fields: { value: this.signedNumber() }, pos: eq.pos };
    } else if (this.is("~")) {
      this.next();
      const k = this.ident("an initialisation (uniform, xavier, orthogonal, …)");
      const fields: Record<string, number> = {};
      const fieldPos: Record<string, Pos> = {};
      if (this.is("(")) {
        this.open(")", "", () => {
          if (this.is(")")) return;
          for (;;) {
            const f = this.ident("a field name, e.g. bound");
            if (Object.hasOwn(fields, f.text))
              throw new CellSyntaxError(f.pos, `field ${f.text} is given twice`);
            this.expect("=", `"=" after ${f.text}`);
            fieldPos[f.text] = f.pos;
            fields[f.text] = this.signedNumber();
            if (!this.is(",")) return;
            this.next();
          }
        });
      }
      init = { kind: k.text, fields, fieldPos, pos: k.pos };
    }
    return {
      kind: "param",
      name: n.text,
      shape,
      ...(role ? { role } : {}),
      ...(init ? { init } : {}),
      pos: kw.pos,
    };
  }

  private signedNumber(): number {
    const neg = this.is("-");
    if (neg) this.next();
    const t = this.next();
    if (t.kind !== "number") this.fail(t, "a number");
    return number(t) * (neg ? -1 : 1);
  }

  /** Skips newlines when the next line starts with a binary operator (a continued expression). */
  private continues(ops: string): Token | undefined {
    let j = this.i;
    while (this.toks[j]!.kind === "newline") j++;
    const t = this.toks[j]!;
    if (t.kind !== "punct" || !ops.includes(t.text)) return undefined;
    this.i = j;
    this.next();
    this.skipNewlines(); // an operator at the end of a line continues the expression
    return t;
  }

  expr(): Expr {
    let left = this.term();
    for (;;) {
      const t = this.continues("+-");
      if (!t) return left;
      const right = this.term();
      left = {
        kind: "bin",
        op: t.text as "+" | "-",
        left,
        right,
        pos: left.pos,
        opPos: t.pos,
        end: right.end,
      };
    }
  }

  private term(): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.continues("*/");
      if (!t) return left;
      const right = this.unary();
      left = {
        kind: "bin",
        op: t.text as "*" | "/",
        left,
        right,
        pos: left.pos,
        opPos: t.pos,
        end: right.end,
      };
    }
  }

  /** Prefix minus signs, counted in a loop (thousands of them must not exhaust the stack). */
  private unary(): Expr {
    const signs: Token[] = [];
    while (this.is("-")) signs.push(this.next());
    let e: Expr;
    // a minus right before a number is part of the literal: -1 is the constant −1
    if (signs.length > 0 && this.peek().kind === "number" && !this.peek().spaced) {
      signs.pop();
      e = this.juxt(this.primary(true));
    } else e = this.juxt(this.primary(false));
    for (let k = signs.length - 1; k >= 0; k--)
      e = { kind: "neg", arg: e, pos: signs[k]!.pos, end: e.end };
    return e;
  }

  /** `A v`, right-associative: more primaries on the same line continue the product. */
  private juxt(first: Expr): Expr {
    const items = [first];
    for (;;) {
      const t = this.peek();
      const starts =
        t.kind === "ident" || t.kind === "number" || (t.kind === "punct" && t.text === "(");
      if (!starts) break;
      items.push(this.primary(false));
    }
    let right = items.pop()!;
    while (items.length > 0) {
      const left = items.pop()!;
      right = { kind: "matvec", left, right, pos: left.pos, end: right.end };
    }
    return right;
  }

  private primary(negative: boolean): Expr {
    const t = this.peek();
    if (t.kind === "number") {
      this.next();
      const value = number(t) * (negative ? -1 : 1);
      const pos = negative ? { ...t.pos, col: t.pos.col - 1, offset: t.pos.offset - 1 } : t.pos;
      if (this.is("[") && !this.peek().spaced)
        return { kind: "num", value, shape: this.shape(""), pos, end: this.lastEnd() };
      return { kind: "num", value, pos, end: t.end };
    }
    if (t.kind === "ident") {
      this.next();
      const paren = this.is("(");
      const fn = this.isFunction(t.text) || this.defs.has(t.text);
      if (paren && t.text === this.defining && !this.peek().spaced)
        throw new CellSyntaxError(
          t.pos,
          `def ${t.text} calls itself: recursion is not allowed (a def is expanded at each call)`,
        );
      if (paren && (fn || !this.peek().spaced)) {
        if (!fn) {
          throw new CellSyntaxError(
            t.pos,
            `unknown function ${t.text}${this.hint(t.text)}; for a matrix-vector product write a space: ${t.text} (…)`,
          );
        }
        return this.call(t);
      }
      if (this.is("[") && !this.peek().spaced) {
        const shape = this.shape("");
        return { kind: "name", name: t.text, shape, pos: t.pos, end: this.lastEnd() };
      }
      return { kind: "name", name: t.text, pos: t.pos, end: t.end };
    }
    if (t.kind === "punct" && t.text === "(") {
      // the parenthesized expression is located at its brackets, for messages quoting it
      const e = this.open(")", "", () => this.expr());
      return { ...e, pos: t.pos, end: this.lastEnd() } as Expr;
    }
    return this.fail(t, 'an expression (a name, a number, a call or "(")');
  }

  private call(name: Token): Expr {
    return this.open(")", ` (arguments of ${name.text})`, () => {
      const args: Expr[] = [];
      const attrs: AttrAst[] = [];
      if (!this.is(")")) {
        for (;;) {
          args.push(this.expr());
          if (!this.is(",")) break;
          this.next();
        }
      }
      if (this.is(";")) {
        this.next();
        for (;;) {
          const k = this.ident("an attribute name, e.g. axis");
          this.expect("=", `"=" after ${k.text}`);
          attrs.push({ key: k.text, value: this.attrValue(), pos: k.pos });
          if (!this.is(",")) break;
          this.next();
        }
      }
      const end = this.peek().end;
      return {
        kind: "call",
        name: name.text,
        args,
        ...(attrs.length ? { attrs } : {}),
        pos: name.pos,
        end,
      } as Expr;
    });
  }

  private attrValue(): AttrAst["value"] {
    if (this.is("[")) return this.shape("").map((d) => d.value);
    const t = this.peek();
    if (t.kind === "ident") {
      this.next();
      return t.text === "true" ? true : t.text === "false" ? false : t.text;
    }
    return this.signedNumber();
  }

  private lastEnd(): number {
    return this.toks[this.i - 1]!.end;
  }
}

function number(t: Token): number {
  const v = Number(t.text);
  if (!Number.isFinite(v)) throw new CellSyntaxError(t.pos, `number ${t.text} is not finite`);
  return v;
}
