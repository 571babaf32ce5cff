/**
 * `defineCell`: a cell written per sample as its equations, through the builder API. The step
 * maps (x_t, previous state) to the next state; the result is a `Cell`, which is a `Recurrence`
 * (what the compiler and the reference kernel run) plus the metadata users and tools need:
 * parameter roles and shapes, default initialisation, names of intermediate values.
 */

import type { Recurrence } from "@gated/codegen";
import {
  type Dim,
  describe,
  formatShape,
  input,
  type Node,
  param as paramLeaf,
  type Shape,
  type Sizes,
  sameShape,
  topo,
} from "@gated/graph";
import { matvec } from "@gated/ops";

/**
 * What a parameter is for: decides its default initialisation and how tools show it.
 * `fixed`: a structural constant carried as a parameter (e.g. a 0/1 group-assignment matrix);
 * gradients are still computed for it, but trainers should keep it at its initial value.
 */
export type ParamRole = "input" | "recurrent" | "bias" | "diagonal" | "fixed" | "other";

/** Initialisation of one parameter (seeded and deterministic; see init.ts). */
export type InitSpec =
  | { readonly kind: "uniform"; readonly bound?: number } // default bound 1/√H
  | { readonly kind: "constant"; readonly value: number }
  | { readonly kind: "xavier" }
  | { readonly kind: "orthogonal" }
  // [H, G] 0/1 assignment: row j has a single 1, in column ⌊j·G/H⌋ (contiguous, near-equal groups)
  | { readonly kind: "groups" };

export interface ParamInfo {
  readonly name: string;
  readonly shape: Shape;
  readonly role: ParamRole;
  readonly init: InitSpec;
  readonly node: Node;
}

export interface Cell extends Recurrence {
  readonly name: string;
  /** State names and their symbolic sizes, in declaration order. */
  readonly stateSizes: Readonly<Record<string, Dim>>;
  /** The symbolic dim of x (default "I"). */
  readonly inputDim: Dim;
  readonly paramInfo: readonly ParamInfo[];
  /** Names of intermediate values (gates, candidates), for printers. */
  readonly locals: ReadonlyMap<Node, string>;
  /** Equation source text when the cell came from the equation syntax. */
  readonly source?: string;
}

/**
 * Whether the cell's per-step output is a value of its own (`output y = …`, seeded with its own
 * cotangent) rather than one of its next states (the usual case: the output is h′).
 */
export function hasOwnOutput(cell: Pick<Recurrence, "state" | "output">): boolean {
  return !cell.state.some((s) => s.next === cell.output);
}

export interface StepContext {
  /** `U_name x + W_name h + b_name`, creating the three parameters (out dim default "H"). */
  affine(name: string, x: Node, h: Node, opts?: { out?: Dim; bias?: boolean }): Node;
  /** Declares (or returns the already declared) parameter with this name. */
  param(name: string, shape: Shape, opts?: { role?: ParamRole; init?: InitSpec }): Node;
  /** Names an intermediate value for printing (returns it unchanged). */
  let(name: string, value: Node): Node;
}

export interface CellSpec {
  readonly name: string;
  /** State names to symbolic sizes, e.g. `{ h: "H", c: "H" }`. */
  readonly state: Readonly<Record<string, Dim>>;
  /** Symbolic dim of the input (default "I"). */
  readonly input?: Dim;
  readonly step: (
    vars: Readonly<Record<string, Node>> & { x: Node },
    ctx: StepContext,
  ) => Readonly<Record<string, Node>>;
  /**
   * The per-step output: a state's name (default "h", else the first state), or the name of a
   * value the step returns beside the next states that is not carried (e.g. `y = W_y h'`): the
   * sequence's output is then y per step; `initialState` and `final` hold only the states.
   */
  readonly output?: string;
  /** Initialisation overrides by parameter name, e.g. `{ b_f: { kind: "constant", value: 1 } }`. */
  readonly init?: Readonly<Record<string, InitSpec>>;
  readonly source?: string;
  /** Make a parameter that never reaches the output an error (default true). */
  readonly strict?: boolean;
}

const IDENT = /^[\p{L}_][\p{L}\p{N}_']*$/u;

/** Builds and validates a cell. Errors name the cell and the state or parameter at fault. */
export function defineCell(spec: CellSpec): Cell {
  const where = `cell ${JSON.stringify(spec.name)}`;
  if (typeof spec.name !== "string" || !IDENT.test(spec.name))
    throw new Error(`${where}: the name must be an identifier`);
  if (spec.state === null || typeof spec.state !== "object")
    throw new Error(`${where}: state must be an object of state names to dims, e.g. { h: "H" }`);
  if (typeof spec.step !== "function")
    throw new Error(`${where}: step must be a function (vars, ctx) => { next states }`);
  for (const [k, v] of Object.entries(spec.init ?? {})) checkInit(where, k, v);
  const stateNames = Object.keys(spec.state);
  if (stateNames.length === 0) throw new Error(`${where}: declares no state`);
  const inputDim = spec.input ?? "I";
  for (const s of stateNames) {
    if (!IDENT.test(s))
      throw new Error(`${where}: state name ${JSON.stringify(s)} must be an identifier`);
    if (s === "x") throw new Error(`${where}: "x" is the input; a state cannot be called x`);
  }
  const x = input("x", [inputDim]);
  const vars: Record<string, Node> = { x };
  for (const s of stateNames) vars[s] = input(s, [spec.state[s]!]);

  const declared = new Map<
    string,
    { shape: Shape; role: ParamRole; init: InitSpec | undefined; node: Node }
  >();
  const locals = new Map<Node, string>();
  const ctx: StepContext = {
    param(name, shape, opts = {}) {
      if (!IDENT.test(name))
        throw new Error(`${where}: parameter name ${JSON.stringify(name)} must be an identifier`);
      if (name === "x" || stateNames.includes(name))
        throw new Error(`${where}: parameter ${name} clashes with an input or state`);
      const prev = declared.get(name);
      if (prev) {
        if (!sameShape(prev.shape, shape)) {
          throw new Error(
            `${where}: parameter ${name} used with shape ${formatShape(shape)} but declared ${formatShape(prev.shape)}`,
          );
        }
        return prev.node;
      }
      if (opts.init !== undefined) checkInit(where, name, opts.init);
      const node = paramLeaf(name, shape);
      declared.set(name, { shape, role: opts.role ?? guessRole(shape), init: opts.init, node });
      return node;
    },
    affine(name, xv, hv, opts = {}) {
      const out = opts.out ?? "H";
      const u = ctx.param(`U_${name}`, [out, xv.shape[0]!], { role: "input" });
      const w = ctx.param(`W_${name}`, [out, hv.shape[0]!], { role: "recurrent" });
      const a = matvec(u, xv).add(matvec(w, hv));
      return opts.bias === false ? a : a.add(ctx.param(`b_${name}`, [out], { role: "bias" }));
    },
    let(name, value) {
      if (!locals.has(value)) locals.set(value, name);
      return value;
    },
  };

  const next = spec.step(vars as Record<string, Node> & { x: Node }, ctx);
  if (next === null || typeof next !== "object")
    throw new Error(`${where}: step must return an object of next states`);
  const outName = spec.output ?? (stateNames.includes("h") ? "h" : stateNames[0]!);
  const outIsState = stateNames.includes(outName);
  if (!outIsState && !IDENT.test(outName))
    throw new Error(`${where}: output name ${JSON.stringify(outName)} must be an identifier`);
  if (!outIsState && (outName === "x" || outName === "__proto__"))
    throw new Error(`${where}: the output cannot be called ${outName}`);
  for (const k of Object.keys(next)) {
    if (!stateNames.includes(k) && k !== outName)
      throw new Error(
        `${where}: step returned "${k}", which is not a state (states: ${stateNames.join(", ")}) nor the output`,
      );
  }
  // own keys only (a state may be called constructor); values must be graph nodes
  const returned = (key: string): Node | undefined => {
    if (!Object.hasOwn(next, key)) return undefined;
    const v = next[key] as unknown;
    if (!v || typeof v !== "object" || !Array.isArray((v as Partial<Node>).shape))
      throw new Error(
        `${where}: step returned ${typeof v} for "${key}", expected a graph node (an expression of x, the states and parameters)`,
      );
    return v as Node;
  };
  const state = stateNames.map((name) => {
    const n = returned(name);
    if (!n) throw new Error(`${where}: step gives no next value for state "${name}"`);
    const node = vars[name]!;
    if (!sameShape(n.shape, node.shape)) {
      throw new Error(
        `${where}: next ${name} = ${describe(n)} has shape ${formatShape(n.shape)}, expected ${formatShape(node.shape)}`,
      );
    }
    return { name, node, next: n };
  });
  const output = outIsState ? state.find((s) => s.name === outName)!.next : returned(outName);
  if (!output)
    throw new Error(
      `${where}: output "${outName}" is not a state (states: ${stateNames.join(", ")}) and step returns no value "${outName}"`,
    );
  if (output.shape.length !== 1)
    throw new Error(
      `${where}: output ${outName} = ${describe(output)} has shape ${formatShape(output.shape)}, expected a vector`,
    );

  // parameters must reach some next state or the output; leaves must be this cell's own
  const reach = new Set(topo([...state.map((s) => s.next), output]));
  const paramInfo: ParamInfo[] = [];
  for (const [name, d] of declared) {
    if (!reach.has(d.node)) {
      if (spec.strict !== false)
        throw new Error(`${where}: parameter ${name} never reaches any next state or the output`);
      continue;
    }
    paramInfo.push({
      name,
      shape: d.shape,
      role: d.role,
      init: spec.init?.[name] ?? d.init ?? defaultInit(d.role),
      node: d.node,
    });
  }
  for (const n of reach) {
    if (n.op.kind !== "leaf" || n.op.name === "constant") continue;
    if (n.op.name === "param" && !declared.has(n.label!)) {
      throw new Error(
        `${where}: parameter ${n.label} was not declared through the step context (use ctx.param)`,
      );
    }
    if (n.op.name === "input" && !(n.label! in vars && vars[n.label!] === n)) {
      throw new Error(
        `${where}: unknown input ${n.label} ${formatShape(n.shape)} (inputs: x, ${stateNames.join(", ")})`,
      );
    }
  }
  for (const k of Object.keys(spec.init ?? {})) {
    if (!declared.has(k)) throw new Error(`${where}: init names unknown parameter ${k}`);
  }
  for (const [name, v] of Object.entries(next))
    if (!locals.has(v)) locals.set(v, name === outName && !outIsState ? name : `${name}'`);

  const cell: Cell = {
    name: spec.name,
    x,
    state,
    output,
    params: paramInfo.map((p) => p.node),
    stateSizes: { ...spec.state },
    inputDim,
    paramInfo,
    locals,
    initParam: (name, shape, random, sizes) =>
      initValues(paramInfo.find((p) => p.name === name)!.init, shape, random, sizes),
    ...(spec.source !== undefined ? { source: spec.source } : {}),
  };
  return cell;
}

/** Fields of each initialisation kind (numbers), checked where an `InitSpec` comes from outside. */
export const INIT_FIELDS: Readonly<Record<InitSpec["kind"], readonly string[]>> = {
  uniform: ["bound"],
  constant: ["value"],
  xavier: [],
  orthogonal: [],
  groups: [],
};

function checkInit(where: string, name: string, spec: unknown): void {
  const kind = (spec as { kind?: unknown } | null)?.kind;
  if (typeof kind !== "string" || !Object.hasOwn(INIT_FIELDS, kind))
    throw new Error(
      `${where}: init of ${name}: kind ${JSON.stringify(kind)} is not one of ${Object.keys(INIT_FIELDS).join(", ")}`,
    );
  for (const [f, v] of Object.entries(spec as object)) {
    if (f === "kind") continue;
    if (!INIT_FIELDS[kind as InitSpec["kind"]].includes(f))
      throw new Error(`${where}: init of ${name}: ${kind} has no field ${f}`);
    if (typeof v !== "number" || !Number.isFinite(v) || (f === "bound" && v <= 0))
      throw new Error(
        `${where}: init of ${name}: ${f} must be a ${f === "bound" ? "positive" : "finite"} number, got ${String(v)}`,
      );
  }
  if (kind === "constant" && typeof (spec as { value?: unknown }).value !== "number")
    throw new Error(`${where}: init of ${name}: constant needs a value`);
}

function guessRole(shape: Shape): ParamRole {
  return shape.length === 1 ? "bias" : "other";
}

function defaultInit(_role: ParamRole): InitSpec {
  return { kind: "uniform" };
}

/**
 * Values for one parameter. uniform: U(−a, a), a = bound ?? 1/√H (PyTorch's RNN default);
 * xavier: U(±√(6/(fan_in+fan_out))); orthogonal: QR of a Gaussian matrix (square part).
 */
export function initValues(
  spec: InitSpec,
  shape: readonly number[],
  random: () => number,
  sizes: Sizes,
): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  switch (spec.kind) {
    case "constant":
      return out.fill(spec.value);
    case "uniform": {
      const a = spec.bound ?? 1 / Math.sqrt(sizes["H"] ?? shape[0] ?? 1);
      for (let i = 0; i < n; i++) out[i] = (2 * random() - 1) * a;
      return out;
    }
    case "xavier": {
      const fanOut = shape[0] ?? 1;
      const fanIn = shape.length > 1 ? shape[1]! : 1;
      const a = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) out[i] = (2 * random() - 1) * a;
      return out;
    }
    case "orthogonal":
      return orthogonal(shape, random);
    case "groups": {
      const [r = 1, c = 1] = shape;
      for (let j = 0; j < r; j++) out[j * c + Math.floor((j * c) / r)] = 1;
      return out;
    }
  }
}

/** Gram–Schmidt on Gaussian rows: rows orthonormal when rows ≤ cols, else columns. */
function orthogonal(shape: readonly number[], random: () => number): Float64Array {
  const [r = 1, c = 1] = shape;
  const tall = r > c;
  const m = tall ? c : r;
  const k = tall ? r : c;
  const rows: Float64Array[] = [];
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  for (let i = 0; i < m; i++) {
    const v = Float64Array.from({ length: k }, gauss);
    for (const u of rows) {
      let d = 0;
      for (let j = 0; j < k; j++) d += u[j]! * v[j]!;
      for (let j = 0; j < k; j++) v[j]! -= d * u[j]!;
    }
    let norm = 0;
    for (let j = 0; j < k; j++) norm += v[j]! * v[j]!;
    norm = Math.sqrt(norm) || 1;
    rows.push(v.map((t) => t / norm));
  }
  const out = new Float64Array(r * c);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < k; j++) out[tall ? j * c + i : i * c + j] = rows[i]![j]!;
  return out;
}
