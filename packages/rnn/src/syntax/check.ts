/**
 * Name resolution and shape inference for a parsed cell. Before: a syntax tree. After: every
 * name classified (input, state, local, next state, function, parameter), every parameter's
 * shape solved by unification over symbolic dims, and its role guessed, or a `CellSyntaxError`
 * at the line:column at fault saying what was expected.
 */
import { type AttrValue, type Dim, input as inputLeaf, type Node, type Shape } from "@gated/graph";
import { INIT_FIELDS, type InitSpec, type ParamRole } from "../defineCell.js";
import { type CellAst, type DimAst, type Expr, MAX_EXPR_DEPTH, type Stmt } from "./ast.js";
import { expandDefs } from "./defs.js";
import { type CellFunction, cellFunctions, suggest } from "./functions.js";
import { CellShapeError, CellSyntaxError, type Pos } from "./lexer.js";
import { expandProjection, inputElementwiseUse, inputMismatch } from "./project.js";
import {
  broadcastTerms,
  type D,
  DVar,
  findD,
  findS,
  freshDim,
  freshShape,
  type S,
  showShape,
  solved,
  unifyShape,
} from "./shapes.js";

/** Every role, checked against `ParamRole` so a new role must be added here. */
export const ROLES = {
  input: 1,
  recurrent: 1,
  bias: 1,
  diagonal: 1,
  fixed: 1,
  other: 1,
} as const satisfies Record<ParamRole, 1>;
/** Every initialisation kind and its fields (defineCell's table, which checks builder inits). */
export const INIT_KINDS = INIT_FIELDS;

export interface CheckedParam {
  readonly name: string;
  readonly shape: Shape;
  readonly role: ParamRole;
  readonly init?: InitSpec;
  /** Where it is declared or first used. */
  readonly pos: Pos;
  /** Declared by a `param` line (or annotated), not only inferred. */
  readonly declared: boolean;
}

export interface CheckedCell {
  readonly ast: CellAst;
  readonly params: ReadonlyMap<string, CheckedParam>;
  /** Equations in order (locals and next states). */
  readonly lets: readonly Extract<Stmt, { kind: "let" }>[];
  /** The per-step output: a state's name, or a value's (`output y = …`). */
  readonly output: string;
  /** Likely mistakes (see `CellWarning`). */
  readonly warnings: readonly CellWarning[];
}

type Let = Extract<Stmt, { kind: "let" }>;
type Kind = "input" | "state" | "local" | "param";

interface ParamState {
  shape: S;
  pos: Pos;
  declared: boolean;
  role?: ParamRole;
  init?: InitSpec;
  /** Usage facts for the role guess. */
  onState: boolean;
  appliedToState: boolean;
  appliedToInput: boolean;
  /** Annotated at a use (`a[] * h`): written on purpose. */
  annotated: boolean;
  /** Operand of + or − (a bias-like term). */
  additive: boolean;
  /** Operand of * or / (a factor). */
  factor: boolean;
  /** Multiplies a normalised value (one divided, or built from mean/var/sqrt): a gain. */
  gain: boolean;
}

/** A likely mistake that is still a valid cell (e.g. a typo that creates a new parameter). */
export interface CellWarning {
  readonly pos: Pos;
  /** The parameter it is about. */
  readonly name: string;
  /** `line:col: …`, one line. */
  readonly message: string;
}

/** Messages about shapes (conflicts, undecidable or wrong-rank operands) are `CellShapeError`s. */
const SHAPE_MESSAGE =
  /shape conflict|cannot infer the shape|do not match|has shape \[|expected a (vector|matrix)|values elementwise here/;

const err = (pos: Pos, msg: string): never => {
  throw SHAPE_MESSAGE.test(msg) ? new CellShapeError(pos, msg) : new CellSyntaxError(pos, msg);
};

/** A normalised value: a quotient, or built with mean, var or sqrt (e.g. (v − mean(v)) / σ). */
function normalised(e: Expr): boolean {
  const stack = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.kind === "bin" && x.op === "/") return true;
    if (
      x.kind === "call" &&
      ["mean", "var", "sqrt", "softmax", "logSoftmax", "logsoftmax"].includes(x.name)
    )
      return true;
    stack.push(...subexprs(x));
  }
  return false;
}

/** Children of an expression node. */
export function subexprs(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case "neg":
      return [e.arg];
    case "bin":
    case "matvec":
      return [e.left, e.right];
    case "call":
      return e.args;
    default:
      return [];
  }
}

/** Checks every equation's depth (iteratively) against `MAX_EXPR_DEPTH`. */
function checkDepth(lets: readonly Extract<Stmt, { kind: "let" }>[]): void {
  const depthOf = new Map<string, number>();
  for (const st of lets) {
    let max = 0;
    const stack: [Expr, number][] = [[st.expr, 1]];
    while (stack.length > 0) {
      const [e, d] = stack.pop()!;
      // a local stands for its whole expression: its depth replaces the name's own level
      const total = d + (e.kind === "name" && depthOf.has(e.name) ? depthOf.get(e.name)! - 1 : 0);
      if (total > max) max = total;
      if (total > MAX_EXPR_DEPTH)
        err(
          e.kind === "name" && depthOf.has(e.name) ? e.pos : st.pos,
          `${st.name} = …: the expression nests more than ${MAX_EXPR_DEPTH} operations deep${e.kind === "name" && depthOf.has(e.name) ? ` (through ${e.name})` : ""}; split it into fewer, wider terms`,
        );
      for (const c of subexprs(e)) stack.push([c, d + 1]);
    }
    depthOf.set(st.name, max);
  }
}

/** Resolves names and infers shapes; see the module comment. */
export function checkCell(ast: CellAst, source: string): CheckedCell {
  return new Checker(expandProjection(expandDefs(ast)), source).run();
}

class Checker {
  private readonly fns = cellFunctions();
  private readonly kinds = new Map<string, { kind: Kind; pos: Pos }>();
  private readonly stateDims = new Map<string, Dim>();
  private readonly locals = new Map<
    string,
    { stmt: Let; index: number; shape: S; onState: boolean }
  >();
  private readonly params = new Map<string, ParamState>();
  private lets: Let[] = [];
  private strict = false;
  private current = 0;
  /** The per-step output when it is a value of its own (`output y = …`), not a state. */
  private output: string | undefined;
  /** Names reaching only that output, no next state. */
  private readonly outputOnly = new Set<string>();

  constructor(
    private readonly ast: CellAst,
    private readonly source: string,
  ) {}

  run(): CheckedCell {
    const { ast } = this;
    this.declare(ast.input.name, "input", ast.input.pos);
    for (const s of ast.states) {
      if (s.name === "x")
        err(
          s.pos,
          `a state cannot be called x: the cell's input is stored as x whatever its name here`,
        );
      this.declare(s.name, "state", s.pos);
      this.stateDims.set(s.name, s.dim.value);
    }
    let outStmt: Extract<Stmt, { kind: "output" }> | undefined;
    for (const st of ast.body) {
      if (st.kind === "output") {
        if (outStmt !== undefined)
          err(
            st.pos,
            `the output is already given at ${outStmt.pos.line}:${outStmt.pos.col} (a cell has one output line)`,
          );
        outStmt = st;
      } else if (st.kind === "param") this.paramDecl(st);
      else if (st.kind === "let") this.letDecl(st);
    }
    const output = outStmt?.name;
    if (outStmt?.name.endsWith("'") && this.stateDims.has(outStmt.name.slice(0, -1)))
      err(
        outStmt.pos,
        `output ${outStmt.name}: name the state, output ${outStmt.name.slice(0, -1)} (its next value is the per-step output)`,
      );
    if (outStmt && !this.stateDims.has(outStmt.name) && !this.isValue(outStmt.name))
      err(
        outStmt.pos,
        `output ${outStmt.name} is not a state (states: ${[...this.stateDims.keys()].join(", ")}) nor a value of the cell; define it with output ${outStmt.name} = …`,
      );
    this.output = output !== undefined && !this.stateDims.has(output) ? output : undefined;
    checkDepth(this.lets);
    for (const s of ast.states) {
      if (!this.locals.has(`${s.name}'`))
        err(
          s.pos,
          `no equation for ${s.name}' (the next value of state ${s.name}); expected a line ${s.name}' = …`,
        );
    }
    this.checkUsed();
    // infer until nothing new is learned, then once more reporting what is still unknown
    let before = "";
    for (let pass = 0; pass < this.lets.length + 2; pass++) {
      this.inferAll();
      const now = this.snapshot();
      if (now === before) break;
      before = now;
    }
    this.strict = true;
    this.inferAll();
    if (this.output !== undefined) this.checkOutputShape(outStmt!);
    const params = new Map<string, CheckedParam>();
    for (const [name, p] of this.params) {
      const shape = solved(p.shape);
      if (!shape) {
        const hint =
          showShape(p.shape) === "?"
            ? `${name}[…]`
            : `${name}${showShape(p.shape).replace(/\?/g, "…")}`;
        err(
          p.pos,
          `cannot infer the shape of parameter ${name} (${showShape(p.shape)}); declare it with a line \`param ${hint}\` or annotate a use: ${hint}`,
        );
      }
      // a gain of a normalisation starts at 1 (under every init scheme: role "other", constant)
      const gain = !p.declared && shape!.length === 1 && p.gain && !p.additive && !p.onState;
      params.set(name, {
        name,
        shape: shape!,
        role: p.role ?? (gain ? "other" : this.guessRole(name, shape!, p)),
        ...(p.init ? { init: p.init } : gain ? { init: { kind: "constant", value: 1 } } : {}),
        pos: p.pos,
        declared: p.declared,
      });
    }
    const out = output ?? (this.stateDims.has("h") ? "h" : ast.states[0]!.name);
    return { ast, params, lets: this.lets, output: out, warnings: this.warnings(params) };
  }

  /**
   * Parameters that look like typos: inferred (never declared nor annotated), and either only
   * ever a factor of an elementwise product (`h' = f * q`: no weight matrix, no bias), or named
   * one edit away from a value of the cell (`nn` beside a local `n`).
   */
  private warnings(params: ReadonlyMap<string, CheckedParam>): CellWarning[] {
    const out: CellWarning[] = [];
    const values = [...this.kinds].filter(([, k]) => k.kind !== "param").map(([n]) => n);
    for (const [name, p] of this.params) {
      if (p.declared || p.annotated) continue;
      const shape = `[${params.get(name)!.shape.join(", ")}]`;
      const matrix = p.appliedToInput || p.appliedToState;
      const near = name.length >= 3 && !matrix ? suggest(name, values) : undefined;
      // a factor of a state itself (a peephole, IndRNN's w ⊙ h) is a diagonal weight, not a typo
      const factorOnly = p.factor && !p.additive && !matrix && !p.onState && !p.gain;
      if (!near && !factorOnly) continue;
      const why = near
        ? `(did you mean ${near}?)`
        : "(only ever multiplied elementwise: no weight matrix, no bias)";
      const message = `${p.pos.line}:${p.pos.col}: ${name} is a new parameter ${shape} ${why}; declare it with \`param ${name}${shape}\` if intended`;
      out.push({ pos: p.pos, name, message });
    }
    return out;
  }

  /** A local (not a next state) defined by some equation. */
  private isValue(name: string): boolean {
    return this.locals.has(name) && !name.endsWith("'");
  }

  /** An output of its own is a vector, like a state (its size may be any dim). */
  private checkOutputShape(st: Extract<Stmt, { kind: "output" }>): void {
    const s = findS(this.locals.get(st.name)!.shape);
    if (Array.isArray(s) && s.length === 1) return;
    if (!Array.isArray(s))
      err(
        st.pos,
        `cannot infer the shape of output ${st.name}; declare the parameters it uses, e.g. param W_y[O, H]`,
      );
    err(
      st.pos,
      `output ${st.name} has shape ${showShape(this.locals.get(st.name)!.shape)}; the per-step output must be a vector, e.g. [H] or [O]`,
    );
  }

  /** Parameters only used in values no next state nor the output needs (or never used) are errors. */
  private checkUsed(): void {
    const reached = new Set<string>();
    const firstUse = new Map<string, Pos>();
    const names = (e: Expr, f: (name: string, pos: Pos) => void): void => {
      if (e.kind === "name") f(e.name, e.pos);
      else if (e.kind === "neg") names(e.arg, f);
      else if (e.kind === "bin" || e.kind === "matvec") names(e.left, f), names(e.right, f);
      else if (e.kind === "call") e.args.forEach((a) => names(a, f));
    };
    const isParam = (n: string) =>
      !this.locals.has(n) &&
      this.kinds.get(n)?.kind !== "input" &&
      this.kinds.get(n)?.kind !== "state" &&
      !this.fns.has(n) &&
      !n.endsWith("'");
    const visit = (name: string) => {
      if (reached.has(name)) return;
      reached.add(name);
      const l = this.locals.get(name);
      if (l) names(l.stmt.expr, visit);
    };
    for (const st of this.ast.states) visit(`${st.name}'`);
    const fromStates = new Set(reached);
    if (this.output !== undefined) visit(this.output);
    if (this.output !== undefined)
      for (const name of reached) if (!fromStates.has(name)) this.outputOnly.add(name);
    for (const st of this.lets)
      names(st.expr, (n, pos) => isParam(n) && !firstUse.has(n) && firstUse.set(n, pos));
    for (const st of this.ast.body)
      if (st.kind === "param" && !firstUse.has(st.name)) firstUse.set(st.name, st.pos);
    for (const [name, pos] of firstUse) {
      if (!reached.has(name))
        err(pos, `unused parameter ${name}: it never reaches a next state or the output`);
    }
  }

  private declare(name: string, kind: Kind, pos: Pos): void {
    // a plain object's key __proto__ sets its prototype: cells keep states and params by name
    if (name === "__proto__") err(pos, `the name __proto__ is reserved; choose another name`);
    const prev = this.kinds.get(name);
    if (prev) err(pos, `${name} is already defined at ${prev.pos.line}:${prev.pos.col}`);
    if (this.fns.has(name)) err(pos, `${name} is a function name; choose another name`);
    this.kinds.set(name, { kind, pos });
  }

  private paramDecl(st: Extract<Stmt, { kind: "param" }>): void {
    const prev = this.kinds.get(st.name);
    if (prev && prev.kind !== "param")
      err(
        st.pos,
        `${st.name} is already defined at ${prev.pos.line}:${prev.pos.col} as ${article(prev.kind)}`,
      );
    if (this.params.get(st.name)?.declared) err(st.pos, `parameter ${st.name} is already declared`);
    if (!prev) this.declare(st.name, "param", st.pos);
    const p = this.param(st.name, st.pos);
    p.declared = true;
    p.pos = st.pos;
    this.annotate(p, st.name, st.shape, st.pos);
    if (st.role) {
      if (!Object.hasOwn(ROLES, st.role.name))
        err(
          st.role.pos,
          `unknown role ${st.role.name}; expected one of ${Object.keys(ROLES).join(", ")}`,
        );
      p.role = st.role.name as ParamRole;
    }
    if (st.init) {
      if (!Object.hasOwn(INIT_KINDS, st.init.kind))
        err(
          st.init.pos,
          `unknown initialisation ${st.init.kind}; expected one of ${Object.keys(INIT_KINDS).join(", ")}`,
        );
      const allowed: readonly string[] = INIT_KINDS[st.init.kind as InitSpec["kind"]];
      for (const f of Object.keys(st.init.fields))
        if (!allowed.includes(f))
          err(
            st.init.fieldPos?.[f] ?? st.init.pos,
            `${st.init.kind} has no field ${f}${allowed.length ? ` (its fields: ${allowed.join(", ")})` : " (it takes none)"}`,
          );
      if (st.init.kind === "uniform" && (st.init.fields["bound"] ?? 1) <= 0)
        err(st.init.fieldPos?.["bound"] ?? st.init.pos, `uniform: bound must be positive`);
      p.init = { kind: st.init.kind, ...st.init.fields } as InitSpec;
    }
  }

  private letDecl(st: Let): void {
    const name = st.name;
    if (name.endsWith("'")) {
      const base = name.slice(0, -1);
      if (!this.stateDims.has(base))
        err(
          st.pos,
          `${name} would be the next value of ${base}, which is not a state (states: ${[...this.stateDims.keys()].join(", ")})`,
        );
    } else {
      const prev = this.kinds.get(name);
      if (prev?.kind === "state")
        err(st.pos, `${name} is a state; write ${name}' = … for its next value`);
      if (prev?.kind === "input") err(st.pos, `${name} is the input; it cannot be assigned`);
    }
    const prev = this.locals.get(name);
    if (prev)
      err(st.pos, `${name} is already defined at ${prev.stmt.pos.line}:${prev.stmt.pos.col}`);
    if (!name.endsWith("'")) this.declare(name, "local", st.pos);
    this.locals.set(name, {
      stmt: st,
      index: this.lets.length,
      shape: freshShape(),
      onState: false,
    });
    this.lets.push(st);
  }

  private param(name: string, pos: Pos): ParamState {
    let p = this.params.get(name);
    if (!p) {
      p = {
        shape: freshShape(),
        pos,
        declared: false,
        onState: false,
        appliedToState: false,
        appliedToInput: false,
        annotated: false,
        additive: false,
        factor: false,
        gain: false,
      };
      this.params.set(name, p);
    }
    return p;
  }

  private annotate(p: ParamState, name: string, dims: readonly DimAst[], pos: Pos): void {
    const shape = dims.map((d) => d.value);
    if (!unifyShape(p.shape, shape))
      err(
        pos,
        `shape conflict: parameter ${name} is ${showShape(p.shape)} but annotated [${shape.join(", ")}]`,
      );
  }

  private snapshot(): string {
    return [...this.params.values(), ...this.locals.values()]
      .map((p) => showShape(p.shape))
      .join(";");
  }

  private inferAll(): void {
    this.lets.forEach((st, k) => {
      this.current = k;
      const local = this.locals.get(st.name)!;
      const s = this.infer(st.expr);
      local.onState = this.dependsOnState(st.expr);
      if (st.name.endsWith("'")) {
        const dim = this.stateDims.get(st.name.slice(0, -1))!;
        if (!unifyShape(s, [dim])) {
          this.inputMismatchAt(st.expr, dim);
          err(
            st.pos,
            `${st.name} = ${this.text(st.expr)} has shape ${showShape(s)}, but state ${st.name.slice(0, -1)} is [${dim}]`,
          );
        }
      }
      if (!unifyShape(local.shape, s))
        err(st.pos, `shape conflict for ${st.name}: ${showShape(local.shape)} and ${showShape(s)}`);
    });
  }

  /**
   * A value of dim `dim` that came out as another size because the input (of another dim) is
   * an operand of + − * / in it: the error is at that x, naming its dim and `dim` (project.ts).
   */
  private inputMismatchAt(e: Expr, dim: Dim): void {
    const inDim = this.ast.input.dim.value;
    if (String(inDim) === String(dim)) return;
    const x = this.ast.input.name;
    const at = inputElementwiseUse(e, x, (n) => this.locals.get(n)?.stmt.expr);
    if (at) err(at, inputMismatch(x, String(inDim), String(dim)));
  }

  /** The source text of an expression for messages (long ones elided in the middle). */
  private text(e: Expr): string {
    const t = this.source.slice(e.pos.offset, e.end).replace(/\s+/g, " ");
    return t.length <= 80 ? t : `${t.slice(0, 38)} … ${t.slice(-38)}`;
  }

  /** The shape term of an expression, binding parameters' unknowns along the way. */
  private infer(e: Expr): S {
    switch (e.kind) {
      case "num":
        return e.shape ? e.shape.map((d) => d.value) : [];
      case "name":
        return this.nameShape(e);
      case "neg":
        return this.infer(e.arg);
      case "bin": {
        const l = this.infer(e.left);
        const r = this.infer(e.right);
        if (e.op === "*") this.noteDiagonal(e.left, e.right);
        for (const side of [e.left, e.right]) {
          const q = side.kind === "name" ? this.params.get(side.name) : undefined;
          if (q && (e.op === "+" || e.op === "-")) q.additive = true;
          else if (q) {
            q.factor = true;
            if (e.op === "*" && normalised(side === e.left ? e.right : e.left)) q.gain = true;
          }
        }
        const out = broadcastTerms([l, r]);
        if (typeof out === "string") {
          // the input meeting values of another dim: name x, its dim and theirs
          const x = this.ast.input.name;
          for (const [side, other] of [
            [e.left, r],
            [e.right, l],
          ] as const) {
            const o = findS(other);
            if (side.kind === "name" && side.name === x && Array.isArray(o) && o.length === 1)
              err(
                side.pos,
                inputMismatch(x, String(this.ast.input.dim.value), showShape(o).slice(1, -1)),
              );
          }
        }
        return typeof out === "string"
          ? err(
              e.opPos,
              `${out} in ${this.text(e)}: ${this.text(e.left)} is ${showShape(l)}, ${this.text(e.right)} is ${showShape(r)}`,
            )
          : out;
      }
      case "matvec":
        return this.matvec(e);
      case "call":
        return this.call(e);
    }
  }

  private nameShape(e: Extract<Expr, { kind: "name" }>): S {
    const { name } = e;
    const local = this.locals.get(name);
    if (local) {
      if (local.index >= this.current) {
        const at = local.stmt.pos;
        err(
          e.pos,
          local.index === this.current
            ? `${name} is used in its own definition`
            : `${name} is used before its definition at ${at.line}:${at.col}`,
        );
      }
      if (e.shape) err(e.pos, `${name} is a local value; only parameters take shape annotations`);
      return local.shape;
    }
    const k = this.kinds.get(name);
    if (k && k.kind !== "param") {
      if (e.shape)
        err(e.pos, `${name} is ${article(k.kind)}; only parameters take shape annotations`);
      return k.kind === "input" ? [this.ast.input.dim.value] : [this.stateDims.get(name)!];
    }
    if (this.fns.has(name)) err(e.pos, `${name} is a function; call it: ${name}(…)`);
    if (name.endsWith("'")) {
      const base = name.slice(0, -1);
      return err(
        e.pos,
        this.stateDims.has(base)
          ? `${name} is used before its definition (no equation for ${name} above)`
          : `unknown name ${name}: ${base} is not a state`,
      );
    }
    if (!k) this.declare(name, "param", e.pos);
    const p = this.param(name, e.pos);
    if (e.shape) {
      this.annotate(p, name, e.shape, e.pos);
      p.annotated = true;
    }
    return p.shape;
  }

  private matvec(e: Extract<Expr, { kind: "matvec" }>): S {
    const a = this.infer(e.left);
    const v = this.infer(e.right);
    if (e.left.kind === "name" && this.params.has(e.left.name)) {
      const p = this.params.get(e.left.name)!;
      if (this.dependsOnState(e.right)) p.appliedToState = true;
      else p.appliedToInput = true;
    }
    const vs = findS(v);
    let n: D;
    if (Array.isArray(vs) && vs.length !== 1) {
      return err(
        e.right.pos,
        `in ${this.text(e)}: expected a vector on the right of a matrix-vector product, got ${this.text(e.right)} : ${showShape(v)}`,
      );
    }
    if (!Array.isArray(vs)) {
      n = freshDim();
      unifyShape(vs, [n]);
    } else n = vs[0]!;
    const as = findS(a);
    const m = freshDim();
    if (!Array.isArray(as)) unifyShape(as, [m, n]);
    else if (as.length !== 2) {
      return err(
        e.left.pos,
        `in ${this.text(e)}: expected a matrix on the left of a matrix-vector product, got ${this.text(e.left)} : ${showShape(a)}`,
      );
    }
    if (!unifyShape(a, [m, n])) {
      err(
        e.pos,
        `shape conflict in ${this.text(e)}: ${this.text(e.left)} is ${showShape(a)} but ${this.text(e.right)} is ${showShape(v)} (expected A [M, N] and v [N])`,
      );
    }
    return [m];
  }

  private call(e: Extract<Expr, { kind: "call" }>): S {
    const f = this.fns.get(e.name)!;
    const args = e.args.map((a) => this.infer(a));
    const first = args[0] === undefined ? undefined : findS(args[0]);
    checkAttrs(f, e, Array.isArray(first) ? first.length : undefined);
    // elementwise ops and scan (coefficients and terms broadcast to one shape; its attribute
    // `reverse` changes no shape) unify their operands
    const scan = f.op?.kind === "scan";
    const broadcasts = f.op?.kind === "elementwise" || scan;
    if (f.op && (!e.attrs || scan) && typeof f.op.arity === "number" && broadcasts) {
      const nodeArgs = e.args.filter((a) => !(a.kind === "num" && !a.shape)).length;
      if (nodeArgs > f.op.arity || e.args.length < f.op.arity)
        err(
          e.pos,
          `${e.name} takes ${f.op.arity} argument${f.op.arity === 1 ? "" : "s"}, got ${e.args.length}`,
        );
      const out = broadcastTerms(args);
      return typeof out === "string" ? err(e.pos, `${out} in ${this.text(e)}`) : out;
    }
    return this.probe(e, args);
  }

  /**
   * Any other function: build it on stand-in inputs of the argument shapes and read the
   * result's shape, so the op's own shape rule decides. Unknown dims get placeholder names.
   */
  private probe(e: Extract<Expr, { kind: "call" }>, args: readonly S[]): S {
    const f = this.fns.get(e.name)!;
    const back = new Map<string, D>();
    const nodes: (Node | number)[] = [];
    for (let k = 0; k < args.length; k++) {
      const a = e.args[k]!;
      if (a.kind === "num" && !a.shape) {
        nodes.push(a.value);
        continue;
      }
      const s = findS(args[k]!);
      if (!Array.isArray(s)) {
        if (this.strict)
          err(
            a.pos,
            `cannot infer the shape of ${this.text(a)}, an argument of ${e.name}; declare the parameters it uses`,
          );
        return freshShape();
      }
      const dims = s.map((d) => {
        const v = findD(d);
        if (v instanceof DVar) {
          const key = `_dim${v.id}`;
          back.set(key, v);
          return key;
        }
        return v;
      });
      nodes.push(inputLeaf(`_probe${k}`, dims));
    }
    try {
      const out = e.attrs
        ? f.withAttrs!(nodes, checkAttrs(f, e, typeof nodes[0] === "number" ? 0 : nodes[0]?.rank))
        : f.build(...nodes);
      return out.shape.map((d) => (typeof d === "string" && back.has(d) ? back.get(d)! : d));
    } catch (x) {
      if (x instanceof CellSyntaxError) throw x;
      if (back.size > 0 && !this.strict) return freshShape();
      // stand-ins are named by the arguments' text and unknown dims are "?", never _probe0/_dim47
      const msg = (x as Error).message
        .replace(/_probe(\d+)/g, (_, k: string) => this.text(e.args[Number(k)]!))
        .replace(/_dim\d+/g, "?");
      // an op's own message may already start with its name (cumsum: …): not twice
      return err(e.pos, msg.startsWith(`${e.name}: `) ? msg : `${e.name}: ${msg}`);
    }
  }

  private noteDiagonal(l: Expr, r: Expr): void {
    for (const [p, o] of [
      [l, r],
      [r, l],
    ] as const) {
      if (p.kind !== "name" || !this.params.has(p.name) || o.kind !== "name") continue;
      const isState =
        this.stateDims.has(o.name) ||
        (o.name.endsWith("'") && this.stateDims.has(o.name.slice(0, -1)));
      if (isState) this.params.get(p.name)!.onState = true;
    }
  }

  private dependsOnState(e: Expr): boolean {
    switch (e.kind) {
      case "num":
        return false;
      case "name":
        if (this.stateDims.has(e.name) && this.kinds.get(e.name)?.kind === "state") return true;
        return this.locals.get(e.name)?.onState ?? false;
      case "neg":
        return this.dependsOnState(e.arg);
      case "bin":
      case "matvec":
        return this.dependsOnState(e.left) || this.dependsOnState(e.right);
      case "call":
        return e.args.some((a) => this.dependsOnState(a));
    }
  }

  /**
   * A matrix's role is where it sits in a product: applied to the state → recurrent, to the input
   * → input (papers that write W for input weights get input initialisation). The letter (U
   * input, W recurrent) decides only a matrix used both ways or neither. A matrix reaching only
   * the per-step output is `other`.
   */
  private guessRole(name: string, shape: Shape, p: ParamState): ParamRole {
    if (shape.length === 2) {
      // a readout (`output y = W_y h'`) feeds nothing back: neither input nor recurrent
      if (this.outputOnly.has(name)) return "other";
      if (p.appliedToState && !p.appliedToInput) return "recurrent";
      if (p.appliedToInput && !p.appliedToState) return "input";
      if (/^U(_|$)/.test(name)) return "input";
      if (/^W(_|$)/.test(name)) return "recurrent";
      return "other";
    }
    if (shape.length === 1 && /^b(_|$)/.test(name)) return "bias";
    if (shape.length === 1) return p.onState ? "diagonal" : "bias";
    return "other";
  }
}

function article(kind: Kind): string {
  return kind === "input"
    ? "the input"
    : kind === "state"
      ? "a state"
      : kind === "local"
        ? "a local value"
        : "a parameter";
}

/**
 * The attribute values of a call, checked against the function's declared attributes: unknown
 * or repeated names, a missing required one, an axis out of range for the first argument's
 * `rank` (when known) or of the wrong kind are `CellSyntaxError`s at the attribute.
 */
export function checkAttrs(
  f: CellFunction,
  e: Extract<Expr, { kind: "call" }>,
  rank: number | undefined,
): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  const params = f.attrs ?? [];
  if (e.attrs && params.length === 0) err(e.attrs[0]!.pos, `${e.name} takes no attributes`);
  const names = params.map((p) => p.name).join(", ");
  for (const a of e.attrs ?? []) {
    const p = params.find((q) => q.name === a.key);
    if (!p) err(a.pos, `${e.name} has no attribute ${a.key} (its attributes: ${names})`);
    if (Object.hasOwn(out, a.key)) err(a.pos, `attribute ${a.key} is given twice`);
    const v = a.value;
    const bad = (what: string): never =>
      err(a.pos, `${e.name}: ${a.key}=${JSON.stringify(v)} is not ${what}`);
    switch (p!.kind) {
      case "axis":
        if (v === "all" && p!.noAll)
          err(
            a.pos,
            `${e.name}: axis=all is not an axis it scans along (the last one, or 0 of a matrix)`,
          );
        if (v === "all") break;
        if (!Number.isInteger(v)) bad(`an axis (an integer, or all)`);
        if (rank !== undefined && ((v as number) < -rank || (v as number) >= rank))
          err(
            a.pos,
            `${e.name}: axis=${v} is out of range for a ${rank}-dimensional argument (expected ${-rank}..${rank - 1}${p!.optional && !p!.noAll ? " or all" : ""})`,
          );
        break;
      case "number":
        if (typeof v !== "number" || !Number.isFinite(v)) bad("a finite number");
        break;
      case "dim":
        if (typeof v !== "string" && !(Number.isInteger(v) && (v as number) >= 0))
          bad("a dim (a name or a whole number)");
        break;
      case "shape":
        if (!Array.isArray(v)) bad("a shape, e.g. [H, 1]");
        break;
      case "flag":
        if (typeof v !== "boolean") bad("true or false");
        break;
    }
    out[a.key] = v;
  }
  if (!e.attrs) return out; // f(x, 3): the builder takes them positionally
  const missing = params.find((p) => !p.optional && !Object.hasOwn(out, p.name));
  if (missing)
    err(
      e.pos,
      `${e.name} needs the attribute ${missing.name}, e.g. ${e.name}(…; ${missing.name}=…)`,
    );
  // optional attributes follow the required ones: a later one needs the earlier ones given
  const given = params.map((p) => Object.hasOwn(out, p.name));
  const gap = given.findIndex((g, k) => !g && given.slice(k + 1).some(Boolean));
  if (gap >= 0) err(e.pos, `${e.name}: give ${params[gap]!.name} too`);
  return out;
}
