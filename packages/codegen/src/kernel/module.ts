/**
 * Kernel text: a backend's source (constant tables, helpers, the two sweeps) between a header
 * and the host runtime (runtime.ts). The in-memory kernel runs it with `new Function`;
 * `emitModule` writes the very same text as an ES module, with the backend's WebAssembly bytes
 * (if any) embedded as base64. Both read one text, emitted once per compile.
 */
import type { KernelSource } from "../backends/backend.js";
import { jsBackend } from "../backends/js/index.js";
import { commentText, stringLiteral } from "../names.js";
import type { Schedule } from "../schedule/schedule.js";
import { RUNTIME } from "./runtime.js";
import { THREADS } from "./threads.js";

const EXPORTS = [
  "layout",
  "info",
  "params",
  "forward",
  "backward",
  "initialState",
  "step",
] as const;

/** The host runtime with the schedule's layout, sizes and states filled in. */
function runtimeFor(s: Schedule): string {
  const F = s.dtype === "float32" ? "Float32Array" : "Float64Array";
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
  return RUNTIME.replace(/\$(LAYOUT|STATESDEF|INFO|PSIZE|IW|OW|F)\b/g, (m) => fill[m]!);
}

/** The kernel's text without imports or exports: header, the backend's source, the runtime. */
export function kernelText(s: Schedule, src: KernelSource): string {
  const head = [
    `// gated kernel for cell ${commentText(JSON.stringify(s.name))}: forward and backward sweeps`,
    `// graph ${s.hash} · ${s.dtype} · sizes ${commentText(JSON.stringify(s.sizes))} · generated, do not edit`,
  ];
  return `${head.join("\n")}\n\n${src.js}\n\n${runtimeFor(s)}`;
}

/** The JS backend's kernel text for a schedule (what `compileCell` runs for `backend: "js"`). */
export function moduleBody(s: Schedule): string {
  return kernelText(s, jsBackend.emit(s));
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

/** Runs kernel text in memory; `wasm` is what the text sees as `$wasmBytes`. */
export function instantiate(text: string, wasm?: Uint8Array): ModuleApi {
  const body = `"use strict";\n${text}\nreturn { ${EXPORTS.join(", ")} };`;
  return new Function("$wasmBytes", body)(wasm) as ModuleApi;
}

/** Evaluates the JS backend's kernel text for a schedule with `new Function`. */
export function toFunctions(s: Schedule): ModuleApi {
  return instantiate(moduleBody(s));
}

/** A compute array constructor (`$KF`): what the sweeps take and return. */
export type ComputeArray = Float64ArrayConstructor | Float32ArrayConstructor;

/** Just the two sweeps and the compute type, in memory (for `compileGraph`'s own host). */
export function instantiateSweeps(src: KernelSource): {
  forward: (...a: unknown[]) => (Float64Array | Float32Array)[];
  backward: (...a: unknown[]) => (Float64Array | Float32Array)[];
  KF: ComputeArray;
} {
  const body = `"use strict";\n${src.js}\nreturn { forward: forward_kernel, backward: backward_kernel, KF: $KF };`;
  return new Function("$wasmBytes", body)(src.wasm);
}

/** Bytes as base64, in Node and in browsers (no Buffer). */
export function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** What `emitModule` reads: a compiled kernel (its cached text) or a bare schedule (JS backend). */
export type ModuleSource =
  | { readonly schedule: Schedule; readonly source: string; readonly wasm?: Uint8Array }
  | { readonly schedule: Schedule }
  | Schedule;

/**
 * `threads(n)` of an emitted module: the kernel threads' text (threads.ts) with workers that load
 * this very module from its URL (`import.meta.url`) and serve slices with its own sweeps.
 */
const MODULE_THREADS = `${THREADS}
// threads(n): forward/backward split the batch over n workers, each loading this module from its URL
function threads(n) {
  const where = "threads(" + n + ") of kernel " + JSON.stringify(info.name);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(where + ": threads must be a positive integer");
  if (n === 1) return { threads: 1, forward, backward, ready: async () => {}, close: async () => {} };
  const h = $threadHost(where), url = import.meta.url;
  if (h.node && !url.startsWith("file:"))
    throw new Error(where + ": its workers load this module from its file, but it was loaded from " + url.slice(0, 60) + "; write it to a .mjs file and import that");
  const spawn = h.node
    ? (start) => { const w = new h.node.Worker(new URL(url), { workerData: { ...start, $gatedKernel: true } }); w.unref(); return w; }
    : (start) => { const w = new Worker(url, { type: "module", name: "$gated-kernel" }); w.postMessage({ op: "start", ...start }); return w; };
  const meta = { dtype: info.dtype, compute: $KF === Float32Array ? "f32" : "f64", I: info.inputSize, O: info.outputSize,
    PS: layout.reduce((m, s) => Math.max(m, s.offset + s.size), 0), states: $STATES };
  return { threads: n, ...$threaded({ forward, backward }, n, { where, meta, spawn, blockForStart: h.node !== undefined, wrap: $view }) };
}
// in a worker that threads() started: serve slices with this module's own sweeps
{
  const g = globalThis, wt = g.process && g.process.getBuiltinModule && g.process.getBuiltinModule("node:worker_threads");
  if (wt ? wt.workerData != null && wt.workerData.$gatedKernel === true : g.document === undefined && g.name === "$gated-kernel")
    $listen(() => ({ forward, backward }));
}
`;

/** What `emitModule` adds: `threads: true` exports `threads(n)` (worker threads / Web Workers). */
export interface EmitOptions {
  readonly threads?: boolean;
}

/**
 * A standalone ES module (no imports): layout, info, params, forward, backward, initialState, step,
 * and with `{ threads: true }` also `threads(n)`.
 */
export function emitModule(k: ModuleSource, opts: EmitOptions = {}): string {
  const cached = "source" in k ? k : undefined;
  const text = cached ? cached.source : moduleBody("schedule" in k ? k.schedule : k);
  const wasm = cached?.wasm;
  const bytes = wasm
    ? `const $wasmBytes = Uint8Array.from(atob("${base64(wasm)}"), (c) => c.charCodeAt(0));\n`
    : "";
  const names = opts.threads ? [...EXPORTS, "threads"] : EXPORTS;
  return `${bytes}${text}\n${opts.threads ? MODULE_THREADS : ""}export { ${names.join(", ")} };\n`;
}

/** TypeScript declarations for `emitModule`'s output (with the same options). */
export function emitTypes(
  k: { readonly schedule: Schedule } | Schedule,
  opts: EmitOptions = {},
): string {
  const s = "schedule" in k ? k.schedule : k;
  const F = s.dtype === "float32" ? "Float32Array" : "Float64Array";
  const KF = s.compute === "f32" ? "Float32Array" : "Float64Array";
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
    'export interface ForwardOptions { readonly batch: number; readonly initial?: Partial<Readonly<Record<StateName, ArrayLike<number>>>>; readonly lengths?: ArrayLike<number>; readonly tape?: boolean; readonly checkpoint?: number | "auto" }',
    "export declare function forward(p: Params, x: ArrayLike<number>, opts: ForwardOptions): Run;",
    "export interface Cotangents { readonly output?: ArrayLike<number>; readonly final?: Partial<Readonly<Record<StateName, ArrayLike<number>>>> }",
    "export interface Gradients { readonly params: Params; readonly input: FloatArray; readonly initial: Readonly<Record<StateName, FloatArray>> }",
    "export declare function backward(run: Run, cotangents: Cotangents): Gradients;",
    `/** Stream state; \`values\` are in the kernel's compute type (${KF}) whatever the dtype. */`,
    `export interface State { readonly params: Params; readonly batch: number; readonly values: Record<StateName, ${KF}> }`,
    "export declare function initialState(p: Params, opts?: { readonly batch?: number }): State;",
    "/** Advances the state by one step (x: [B][inputSize]) and returns the output [B][outputSize]. */",
    "export declare function step(state: State, x: ArrayLike<number>): FloatArray;",
    ...(opts.threads
      ? [
          "/** forward/backward over n workers (each a fixed slice of the batch; Node worker_threads, or Web Workers inside a cross-origin isolated worker). */",
          "export interface Threaded { readonly threads: number; forward: typeof forward; backward: typeof backward; ready(): Promise<void>; close(): Promise<void> }",
          "export declare function threads(n: number): Threaded;",
        ]
      : []),
    "",
  ].join("\n");
}
