/**
 * The two targets of one emitter. `moduleBody` is the kernel source (constant tables, the
 * forward and backward sweeps) plus a small fixed runtime (parameter views, argument checks,
 * the streaming `step` API). `toFunctions` runs it in memory with `new Function`; `emitModule`
 * writes it as a standalone ES module. They differ only in the epilogue.
 */
import { HELPERS } from "./dense.js";
import { Emitter, emitConsts, emitProc } from "./emitter.js";
import { INTERNAL } from "./lower.js";
import { Namer, commentText, stringLiteral } from "./names.js";
import type { FloatArray } from "./kernel.js";
import type { Schedule, Stmt } from "./schedule.js";

const EXPORTS = ["layout", "info", "params", "forward", "backward", "initialState", "step"] as const;

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
  em.comment(`graph ${s.hash} · ${s.dtype} · sizes ${JSON.stringify(s.sizes)} · generated, do not edit`);
  em.line();
  emitConsts(em, s.consts, s.dtype);
  em.line();
  for (const l of HELPERS.split("\n")) em.line(l);
  emitProc(em, s.forward, "forward_kernel", s.dtype, s);
  em.line();
  emitProc(em, s.backward, "backward_kernel", s.dtype, s);
  em.line();
  const layout = s.layout.map((l) => `{ name: ${stringLiteral(l.name)}, shape: [${l.shape.join(", ")}], offset: ${l.offset}, size: ${l.size} }`);
  const states = s.states.map((st) => `{ name: ${stringLiteral(st.name)}, width: ${st.width} }`);
  const I = s.inputs[0]?.width ?? 0;
  const O = s.outputs[0]?.width ?? 0;
  const info = `{ name: ${stringLiteral(s.name)}, dtype: ${stringLiteral(s.dtype)}, hash: ${stringLiteral(s.hash)}, inputSize: ${I}, outputSize: ${O}, ` +
    `sizes: ${JSON.stringify(s.sizes)}, states: $STATES }`;
  const fill: Record<string, string> = {
    $LAYOUT: `[\n  ${layout.join(",\n  ")},\n]`, $STATESDEF: `[${states.join(", ")}]`, $INFO: info,
    $PSIZE: String(s.paramSize), $IW: String(I), $OW: String(O), $F: F,
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
export function kernelFunctions(s: Schedule): { forward: (...a: unknown[]) => FloatArray[]; backward: (...a: unknown[]) => FloatArray[] } {
  const em = new Emitter(new Namer(usedNames(s)));
  emitConsts(em, s.consts, s.dtype);
  for (const l of HELPERS.split("\n")) em.line(l);
  emitProc(em, s.forward, "forward_kernel", s.dtype, s);
  emitProc(em, s.backward, "backward_kernel", s.dtype, s);
  return new Function(`"use strict";\n${em.text()}\nreturn { forward: forward_kernel, backward: backward_kernel };`)();
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

/** The module minified with esbuild (a dev dependency, imported only when asked for). */
export async function minifyModule(source: string): Promise<string> {
  const esbuild = await import("esbuild");
  const r = await esbuild.transform(source, { minify: true, format: "esm", target: "es2020" });
  return r.code;
}

// The fixed runtime. `$`-names are filled in above; helper names start with `$`, which no
// sanitised name can, so they never meet a cell's names.
const RUNTIME = `// runtime: parameter views, argument checks, the streaming step API
const layout = Object.freeze($LAYOUT);
const $STATES = $STATESDEF;
const info = Object.freeze($INFO);
function $own(o, k) { return o != null && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined; }
function $view(data) {
  return { data, layout, get(name) {
    const s = layout.find((l) => l.name === name);
    if (!s) throw new Error("unknown parameter " + JSON.stringify(name) + " (parameters: " + layout.map((l) => l.name).join(", ") + ")");
    return data.subarray(s.offset, s.offset + s.size);
  } };
}
function params(data) {
  const d = new $F($PSIZE);
  if (data !== undefined) {
    if (data.length !== $PSIZE) throw new Error("parameters: expected $PSIZE values, got " + data.length);
    d.set(data);
  }
  return $view(d);
}
function $lengths(lengths, B, T) {
  if (lengths === undefined || lengths === null) return null;
  if (lengths.length !== B) throw new Error("forward: lengths needs " + B + " values (one per sequence), got " + lengths.length);
  const len = new Int32Array(B);
  let all = true;
  for (let b = 0; b < B; b++) {
    const l = lengths[b];
    if (!Number.isInteger(l) || l < 0 || l > T) throw new Error("forward: lengths[" + b + "] = " + l + " must be an integer in [0, " + T + "]");
    len[b] = l;
    if (l !== T) all = false;
  }
  return all ? null : len;
}
function $rows(v, n, what) {
  const a = new Float64Array(n);
  if (v !== undefined && v !== null) {
    if (v.length !== n) throw new Error(what + " needs " + n + " values, got " + v.length);
    a.set(v);
  }
  return a;
}
// what the caller gets, in the kernel's dtype (kernels compute and keep float64 inside)
function $out(a) { return a instanceof $F ? a : $F.from(a); }
// parameters of another size would be read out of bounds (NaN) or in part
function $params(p, what) {
  if (!p || !p.data || p.data.length !== $PSIZE) throw new Error(what + ": parameters have " + (p && p.data ? p.data.length : 0) + " values, the layout needs $PSIZE");
  return p.data;
}
function forward(p, x, opts) {
  const B = opts.batch;
  if (!Number.isInteger(B) || B <= 0) throw new Error("forward: batch must be a positive integer, got " + B);
  $params(p, "forward");
  if (x.length % (B * $IW) !== 0) throw new Error("forward: x has " + x.length + " values, not a multiple of B·I = " + B * $IW);
  const T = $IW === 0 ? 0 : x.length / (B * $IW);
  const initial = opts.initial || {};
  for (const k of Object.keys(initial)) if (!$STATES.some((s) => s.name === k)) throw new Error("forward: unknown state " + JSON.stringify(k) + " in initial");
  const xs = $rows(x, x.length, "forward: x");
  const inits = $STATES.map((s) => $rows($own(initial, s.name), B * s.width, "forward: initial " + s.name));
  const len = $lengths(opts.lengths, B, T);
  const pd = Float64Array.from(p.data);
  const res = forward_kernel(pd, T, B, len, xs, ...inits);
  const hist = res.slice(1, 1 + $STATES.length);
  const final = Object.fromEntries($STATES.map((s, k) => [s.name, $F.from(hist[k].subarray(T * B * s.width, (T + 1) * B * s.width))]));
  return { T, B, output: $out(res[0]), final, kernel: info, tape: { p: pd, x: xs, len, hist, saved: res.slice(1 + $STATES.length) } };
}
function backward(run, cot) {
  const tape = run && run.tape;
  if (!tape || run.kernel !== info) throw new Error("backward: this run did not come from this kernel's forward");
  const { T, B } = run;
  const c = cot || {};
  const gOut = $rows(c.output, T * B * $OW, "backward: output cotangent");
  const fin = c.final || {};
  const gFin = $STATES.map((s) => $rows($own(fin, s.name), B * s.width, "backward: final " + s.name + " cotangent"));
  const res = backward_kernel(tape.p, T, B, tape.len, tape.x, ...tape.hist, ...tape.saved, gOut, ...gFin);
  return { params: $view($out(res[0])), input: $out(res[1]), initial: Object.fromEntries($STATES.map((s, k) => [s.name, $out(res[2 + k])])) };
}
function initialState(p, opts) {
  const B = (opts && opts.batch) || 1;
  // the stream state stays float64 between calls, as forward keeps it between steps, so
  // streaming T steps gives exactly forward's numbers in every dtype
  return { params: p, batch: B, values: Object.fromEntries($STATES.map((s) => [s.name, new Float64Array(B * s.width)])) };
}
function step(state, x) {
  const B = state.batch;
  if (x.length !== B * $IW) throw new Error("step: x needs B·I = " + B * $IW + " values, got " + x.length);
  // no backward follows a step, so float64 parameters are read in place
  const d = $params(state.params, "step");
  const pd = d instanceof Float64Array ? d : Float64Array.from(d);
  const inits = $STATES.map((s) => $rows($own(state.values, s.name), B * s.width, "step: state " + s.name));
  const res = forward_kernel(pd, 1, B, null, $rows(x, x.length, "step: x"), ...inits);
  $STATES.forEach((s, k) => $own(state.values, s.name).set(res[1 + k].subarray(B * s.width, 2 * B * s.width)));
  return $out(res[0]);
}
`;
