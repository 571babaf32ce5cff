/**
 * The two targets of one emitter. `moduleBody` is the kernel source (constant tables, the
 * forward and backward sweeps) plus a small fixed runtime (parameter views, argument checks,
 * the streaming `step` API). `toFunctions` runs it in memory with `new Function`; `emitModule`
 * writes it as a standalone ES module. They differ only in the epilogue.
 */
import { HELPERS } from "./dense.js";
import { Emitter, emitConsts, emitProc } from "./emitter.js";
import type { FloatArray } from "./kernel.js";
import { INTERNAL } from "./lower.js";
import { commentText, Namer, stringLiteral } from "./names.js";
import { RUNTIME } from "./runtime.js";
import type { Schedule, Stmt } from "./schedule.js";

const EXPORTS = [
  "layout",
  "info",
  "params",
  "forward",
  "backward",
  "initialState",
  "step",
] as const;

/** Every identifier the schedule already uses, so emitter locals never shadow one. */
function usedNames(s: Schedule): string[] {
  const names: string[] = [...INTERNAL, ...s.consts.map((c) => c.name)];
  for (const p of [s.forward, s.backward]) {
    for (const b of p.buffers) names.push(b.name);
    const walk = (st: Stmt) => {
      if (st.kind === "loop") st.body.forEach(walk);
      if (st.kind === "map") for (const l of st.lets) names.push(l.name);
    };
    p.body.forEach(walk);
  }
  return names;
}

/** Kernel source and runtime, without imports or exports. */
export function moduleBody(s: Schedule): string {
  const em = new Emitter(new Namer(usedNames(s)));
  const F = s.dtype === "float32" ? "Float32Array" : "Float64Array";
  em.comment(`gated kernel for cell ${JSON.stringify(s.name)}: forward and backward sweeps`);
  em.comment(
    `graph ${s.hash} · ${s.dtype} · sizes ${JSON.stringify(s.sizes)} · generated, do not edit`,
  );
  em.line();
  emitConsts(em, s.consts, s.dtype);
  em.line();
  for (const l of HELPERS.split("\n")) em.line(l);
  emitProc(em, s.forward, "forward_kernel", s.dtype, s);
  em.line();
  emitProc(em, s.backward, "backward_kernel", s.dtype, s);
  em.line();
  const layout = s.layout.map(
    (l) =>
      `{ name: ${stringLiteral(l.name)}, shape: [${l.shape.join(", ")}], offset: ${l.offset}, size: ${l.size} }`,
  );
  const states = s.states.map((st) => `{ name: ${stringLiteral(st.name)}, width: ${st.width} }`);
  const I = s.inputs[0]?.width ?? 0;
  const O = s.outputs[0]?.width ?? 0;
  const info =
    `{ name: ${stringLiteral(s.name)}, dtype: ${stringLiteral(s.dtype)}, hash: ${stringLiteral(s.hash)}, inputSize: ${I}, outputSize: ${O}, ` +
    `sizes: ${JSON.stringify(s.sizes)}, states: $STATES }`;
  const fill: Record<string, string> = {
    $LAYOUT: `[\n  ${layout.join(",\n  ")},\n]`,
    $STATESDEF: `[${states.join(", ")}]`,
    $INFO: info,
    $PSIZE: String(s.paramSize),
    $IW: String(I),
    $OW: String(O),
    $F: F,
  };
  // a function replacement: user text in the values is never read as a `$` pattern
  const runtime = RUNTIME.replace(/\$(LAYOUT|STATESDEF|INFO|PSIZE|IW|OW|F)\b/g, (m) => fill[m]!);
  return `${em.text()}\n${runtime}`;
}

/** A standalone ES module (no imports): layout, info, params, forward, backward, initialState, step. */
export function emitModule(k: { readonly schedule: Schedule } | Schedule): string {
  const s = "schedule" in k ? k.schedule : k;
  return `${moduleBody(s)}\nexport { ${EXPORTS.join(", ")} };\n`;
}

/** The module's exports, built in memory. */
export interface ModuleApi {
  readonly layout: readonly { name: string; shape: number[]; offset: number; size: number }[];
  readonly info: Record<string, unknown>;
  params(data?: ArrayLike<number>): unknown;
  forward(p: unknown, x: ArrayLike<number>, opts: unknown): unknown;
  backward(run: unknown, cot: unknown): unknown;
  initialState(p: unknown, opts?: { batch?: number }): unknown;
  step(state: unknown, x: ArrayLike<number>): unknown;
}

/** Just the two sweeps, in memory (for callers with their own runtime, e.g. `compileGraph`). */
export function kernelFunctions(s: Schedule): {
  forward: (...a: unknown[]) => FloatArray[];
  backward: (...a: unknown[]) => FloatArray[];
} {
  const em = new Emitter(new Namer(usedNames(s)));
  emitConsts(em, s.consts, s.dtype);
  for (const l of HELPERS.split("\n")) em.line(l);
  emitProc(em, s.forward, "forward_kernel", s.dtype, s);
  emitProc(em, s.backward, "backward_kernel", s.dtype, s);
  return new Function(
    `"use strict";\n${em.text()}\nreturn { forward: forward_kernel, backward: backward_kernel };`,
  )();
}

/** Evaluates the module body with `new Function` (the in-memory target). */
export function toFunctions(s: Schedule): ModuleApi {
  const body = `"use strict";\n${moduleBody(s)}\nreturn { ${EXPORTS.join(", ")} };`;
  return new Function(body)() as ModuleApi;
}

/** TypeScript declarations for `emitModule`'s output. */
export function emitTypes(k: { readonly schedule: Schedule } | Schedule): string {
  const s = "schedule" in k ? k.schedule : k;
  const F = s.dtype === "float32" ? "Float32Array" : "Float64Array";
  const names = s.states.map((st) => stringLiteral(st.name)).join(" | ") || "never";
  return [
    `// Types for the gated kernel of cell ${commentText(JSON.stringify(s.name))} (graph ${s.hash}).`,
    `export type FloatArray = ${F};`,
    `export type StateName = ${names};`,
    "export interface ParamSlot { readonly name: string; readonly shape: readonly number[]; readonly offset: number; readonly size: number }",
    "export declare const layout: readonly ParamSlot[];",
    "export declare const info: { readonly name: string; readonly dtype: string; readonly hash: string; readonly inputSize: number; readonly outputSize: number; readonly sizes: Readonly<Record<string, number>>; readonly states: readonly { readonly name: string; readonly width: number }[] };",
    "export interface Params { readonly data: FloatArray; readonly layout: readonly ParamSlot[]; get(name: string): FloatArray }",
    "export declare function params(data?: ArrayLike<number>): Params;",
    "export interface Run { readonly T: number; readonly B: number; readonly output: FloatArray; readonly final: Readonly<Record<StateName, FloatArray>> }",
    "export interface ForwardOptions { readonly batch: number; readonly initial?: Partial<Readonly<Record<StateName, ArrayLike<number>>>>; readonly lengths?: ArrayLike<number> }",
    "export declare function forward(p: Params, x: ArrayLike<number>, opts: ForwardOptions): Run;",
    "export interface Cotangents { readonly output?: ArrayLike<number>; readonly final?: Partial<Readonly<Record<StateName, ArrayLike<number>>>> }",
    "export interface Gradients { readonly params: Params; readonly input: FloatArray; readonly initial: Readonly<Record<StateName, FloatArray>> }",
    "export declare function backward(run: Run, cotangents: Cotangents): Gradients;",
    "/** Stream state; `values` are float64 whatever the dtype (kernels compute in float64). */",
    "export interface State { readonly params: Params; readonly batch: number; readonly values: Record<StateName, Float64Array> }",
    "export declare function initialState(p: Params, opts?: { readonly batch?: number }): State;",
    "/** Advances the state by one step (x: [B][inputSize]) and returns the output [B][outputSize]. */",
    "export declare function step(state: State, x: ArrayLike<number>): FloatArray;",
    "",
  ].join("\n");
}

/** The package minifyModule imports; a variable, so that bundlers leave the Node-only import alone. */
const ESBUILD = "esbuild";

/**
 * The module minified with esbuild, an optional dependency imported only when asked for; without
 * it, a one-line error saying how to install it.
 */
export async function minifyModule(source: string): Promise<string> {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import(/* @vite-ignore */ ESBUILD);
  } catch {
    throw new Error("minifying needs esbuild, which is not installed: npm install esbuild");
  }
  const r = await esbuild.transform(source, { minify: true, format: "esm", target: "es2020" });
  return r.code;
}
