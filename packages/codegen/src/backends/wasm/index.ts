/**
 * The WebAssembly backend. Every buffer of a sweep (parameters, x, states, tape, temporaries)
 * lives in one `WebAssembly.Memory`, at the offsets of the memory plan (`planMemory`: a + b·B +
 * c·T·B elements); the memory grows with T·B when a call needs more and is reused by the next
 * call. Matrix products run in WebAssembly SIMD (gemm.ts: cache-blocked, register-blocked
 * micro-kernels on packed panels, f32x4 for float32, f64x2 for float64), so do transposes and
 * column sums (rearrange.ts); a static operand (a parameter) is packed once per call and reused
 * by every step. Float32 maps are functions of the module (maps.ts); the rest of the elementwise
 * work is the JS backend's code over typed-array views of that memory (float32 views for
 * float32: the sweeps compute and keep their buffers in the dtype).
 *
 * A sweep copies its arguments into the memory and its results out of it (or, asked by the
 * runtime, returns views of the memory and the runtime copies out what it keeps). The backward
 * reads the parameters, x and the tape where the forward left them (tape.ts): the runtime passes
 * null for those while a run's tape is in the memory, and evicts it before any other call
 * overwrites it, so a run stays valid whatever other calls happen in between. A time loop whose
 * statements can all run in the module is one WebAssembly function (loops.ts); temporaries
 * written in full before any read are not zero-filled (zeroing.ts).
 */

import { base64 } from "../../kernel/module.js";
import { extentOf } from "../../lower/memory.js";
import { Namer } from "../../names.js";
import type { Extent, Loc, Proc, Rows, Schedule, Stmt } from "../../schedule/schedule.js";
import { writes } from "../../schedule/writes.js";
import type { Backend, BackendOptions, KernelSource } from "../backend.js";
import {
  dimText as dim,
  Emitter,
  emitConsts,
  emitStmt,
  operandAt,
  SWEEP_NAMES,
} from "../js/emitter.js";
import { usedNames } from "../js/index.js";
import { registerBackend } from "../registry.js";
import { type ModuleBuilder, simdSupported } from "./encoder.js";
import { type Elem, elemBytes, fmaGemmModule, packedSize, SCRATCH_BYTES } from "./gemm.js";
import { addLoop, colsumCalls, type WasmLoop } from "./loops.js";
import { addMap, type MapLoc } from "./maps.js";
import { kernelModule } from "./module.js";
import { tapeInPlace } from "./tape.js";
import { mustZero } from "./zeroing.js";

const ZERO: Extent = { a: 0, b: 0, c: 0 };

/** The JS emitter's names for the call's sizes, the lengths and the time loop. */
const V = SWEEP_NAMES;

/**
 * The packed-operand cache holds for a call only if every product's second operand is static
 * (a parameter, packed once) or a whole `cols` buffer, and nothing inside a loop writes it.
 */
function checkOperands(proc: Proc): void {
  const host = (n: string) => proc.buffers.find((b) => b.name === n)?.shares ?? n;
  const visit = (body: readonly Stmt[], written: Set<string>): void => {
    for (const s of body) {
      if (s.kind === "loop") visit(s.body, new Set(s.body.flatMap(writes).map(host)));
      if (s.kind !== "gemm") continue;
      if ((s.p.scope !== "static" && s.p.scope !== "cols") || written.has(host(s.p.buf)))
        throw new Error(
          `internal: wasm backend: the product ${JSON.stringify(s.doc)} reads ${s.p.buf} (${s.p.scope}), which changes within the call`,
        );
    }
  };
  visit(proc.body, new Set());
}

/**
 * Where each product's packed operand goes, in bytes from the pack area's start: a product in
 * a loop whose operand is static (a parameter) gets its own slot, packed at its first call and
 * reused by every later step; the others are packed at every call into one shared region after
 * the slots (big enough for the largest).
 */
interface PackPlan {
  readonly slot: ReadonlyMap<Stmt, { readonly index: number; readonly at: number }>;
  /** Bytes of the slots: where the shared region starts. */
  readonly shared: number;
  /** Bytes of the whole area. */
  readonly size: Extent;
}

function packPlan(body: readonly Stmt[], t: Elem): PackPlan {
  const slot = new Map<Stmt, { index: number; at: number }>();
  let at = 0;
  let shared: Extent = ZERO;
  const bytes = (n: number, k: number) => (packedSize(t, n, k) * elemBytes(t) + 15) & -16;
  const walk = (s: Stmt, inLoop: boolean): void => {
    if (s.kind === "loop") s.body.forEach((b) => walk(b, true));
    if (s.kind !== "gemm") return;
    if (inLoop && s.p.scope === "static" && typeof s.k === "number") {
      slot.set(s, { index: slot.size, at });
      at += bytes(s.n, s.k);
      return;
    }
    // the largest of the others: constant a, or c·T·B for k = T·B
    const e: Extent =
      typeof s.k === "number"
        ? { a: bytes(s.n, s.k), b: 0, c: 0 }
        : s.k === "TB"
          ? { a: 16, b: 0, c: bytes(s.n, 1) }
          : { a: 16, b: bytes(s.n, 1), c: 0 };
    shared = {
      a: Math.max(shared.a, e.a),
      b: Math.max(shared.b, e.b),
      c: Math.max(shared.c, e.c),
    };
  };
  body.forEach((b) => walk(b, false));
  return { slot, shared: at, size: { a: at + shared.a, b: shared.b, c: shared.c } };
}

const ext = (e: Extent): string => `[${e.a}, ${e.b}, ${e.c}]`;

/**
 * One sweep: its plan as data, an inner function (the JS emitter's code, every buffer an
 * argument: views of the memory) and the ABI function around it that copies in and out.
 */
function emitSweep(
  em: Emitter,
  proc: Proc,
  fname: string,
  s: Schedule,
  maps: ReadonlyMap<Stmt, WasmMap>,
  packs: PackPlan,
  loops: ReadonlyMap<Stmt, WasmLoop>,
  zeroAll: boolean,
  tables: ReadonlyMap<string, number>,
  tape: { readonly inPlace: readonly boolean[]; readonly also: readonly string[] },
): void {
  if (!proc.memory) throw new Error(`wasm backend: ${proc.sweep} sweep has no memory plan`);
  const t: Elem = s.compute;
  const own = proc.buffers.filter((b) => !b.shares && !(b.role === "param" && b.name === "P"));
  const p = proc.buffers.find((b) => b.role === "param" && b.name === "P");
  const order = [...(p ? [p] : []), ...own];
  const index = new Map(order.map((b, i) => [b.name, i]));
  const shared = proc.buffers.filter((b) => b.shares);
  const inner = `$${fname}`;
  const names = [...own, ...shared].map((b) => b.name);
  // views: [offset, length] per storage buffer; zero: the views that start at zero (not the
  // arguments, which are copied in, nor temporaries written in full before any read: zeroing.ts)
  const views = order.map((b) => `[${ext(b.offset ?? ZERO)}, ${ext(extentOf(b))}]`);
  const needZero = mustZero(proc);
  const zero = order.flatMap((b, i) =>
    proc.args.includes(b.name) || b === p || (!zeroAll && !needZero.has(b.name)) ? [] : [i],
  );
  em.line(
    `const ${inner}_plan = { memory: ${ext(proc.memory)}, pack: ${ext(packs.size)}, packed: new Array(${packs.slot.size}).fill(false), views: [${views.join(", ")}], zero: [${zero.join(", ")}], also: [${tape.also.join(", ")}], v: null, at: null, T: -1, B: -1, end: 0, lenBytes: 0 };`,
  );
  emitInner(em, proc, inner, names, maps, t, packs, loops, tables);
  em.indent(`function ${fname}(${["P", V.T, V.B, V.len, ...proc.args, "$views"].join(", ")}) {`);
  em.line(`const $v = $open(${inner}_plan, ${V.T}, ${V.B}, ${V.len});`);
  // null: read in place, as the last forward call at these sizes left it (tape.ts)
  const set = (a: string, k: number) =>
    `${tape.inPlace[k] ? `if (${a} !== null) ` : ""}$v[${index.get(a)}].set(${a});`;
  if (p) em.line(set(p.name, 0));
  proc.args.forEach((a, k) => em.line(set(a, k + 1)));
  const arg = (n: string): string => {
    const b = proc.buffers.find((x) => x.name === n)!;
    return `$v[${index.get(b.shares ?? n)}]`;
  };
  em.line(
    `const $r = ${inner}(${p ? "$v[0]" : "P"}, ${V.T}, ${V.B}, ${V.len}, ${names.map(arg).join(", ")});`,
  );
  em.line("return $views === true ? $r : $r.map(($a) => $a.slice());");
  em.dedent("}");
  // the runtime may pass its own arrays (they are copied in) and ask for views (it copies out)
  em.line(`${fname}.memory = true;`);
  if (tape.inPlace.some(Boolean)) em.line(`${fname}.inPlace = [${tape.inPlace.join(", ")}];`);
}

/** A map rendered into the module: its export and the locations it takes, in order. */
interface WasmMap {
  readonly name: string;
  readonly locs: readonly MapLoc[];
}

/** Row 0's element offset of a location in a map statement (the JS emitter's row bases). */
function mapStart(l: Loc, rows: Rows, inLoop: boolean): string {
  if (rows === "one" || l.scope === "static" || l.scope === "row") return String(l.col);
  const col = l.col ? ` + ${l.col}` : "";
  if (inLoop && rows === "B") return `${V.tB}${l.shift} * ${l.ld}${col}`;
  return l.shift ? `${V.B} * ${l.shift * l.ld}${col}` : String(l.col);
}

/**
 * The sweep's body as a function of every buffer (views of the memory): the JS emitter's
 * statements, but maps rendered into the module become calls.
 */
function emitInner(
  em: Emitter,
  proc: Proc,
  fname: string,
  names: readonly string[],
  maps: ReadonlyMap<Stmt, WasmMap>,
  t: Elem,
  packs: PackPlan,
  loops: ReadonlyMap<Stmt, WasmLoop>,
  tables: ReadonlyMap<string, number>,
): void {
  const es = elemBytes(t);
  // a buffer's byte address: a view's, or a constant table's fixed place in the memory
  const base = (b: string): string => {
    const at = tables.get(b);
    return at === undefined ? `${b}.byteOffset` : String(at);
  };
  em.indent(`function ${fname}(P, ${V.T}, ${V.B}, ${V.len}, ${names.join(", ")}) {`);
  em.line(`const ${V.TB} = ${V.T} * ${V.B};`);
  const walk = (s: Stmt, inLoop: boolean): void => {
    const lp = loops.get(s);
    if (lp) {
      // the whole loop in the module (loops.ts): one call, then the step swaps' net effect
      em.comment(`${s.kind === "loop" ? s.doc : ""} (in the module)`);
      const addrs = lp.bufs.map(base);
      em.line(`$wasm.${lp.name}(${V.T}, ${V.B}, $lenAt, $packAt, ${addrs.join(", ")});`);
      if (lp.swaps.length) {
        const sw = lp.swaps.map(([a, b]) => `{ const $tmp = ${a}; ${a} = ${b}; ${b} = $tmp; }`);
        em.line(
          lp.involution
            ? `if (${V.T} & 1) { ${sw.join(" ")} }`
            : `for (let $i = 0; $i < ${V.T}; $i++) { ${sw.join(" ")} }`,
        );
      }
      return;
    }
    if (s.kind === "loop") {
      em.comment(s.doc);
      const { T, B, t, tB } = V;
      em.indent(
        s.reverse
          ? `for (let ${t} = ${T} - 1; ${t} >= 0; ${t}--) {`
          : `for (let ${t} = 0; ${t} < ${T}; ${t}++) {`,
      );
      em.line(`const ${tB}0 = ${t} * ${B}, ${tB}1 = ${tB}0 + ${B};`);
      for (const b of s.body) walk(b, true);
      em.dedent("}");
      return;
    }
    if (s.kind === "gemm") {
      em.comment(s.doc);
      const [ao, lda] = operandAt(s.a, s.m, inLoop);
      const [po, ldp] = operandAt(s.p, s.m, inLoop);
      const [co, ldc] = operandAt(s.c, s.m, inLoop);
      const slot = packs.slot.get(s);
      const where = slot ? `${slot.index}, ${slot.at}` : `-1, ${packs.shared}`;
      em.line(
        `$gemm(${dim(s.m)}, ${s.n}, ${dim(s.k)}, ${s.a.buf}, ${ao}, ${lda}, ${s.p.buf}, ${po}, ${ldp}, ${s.c.buf}, ${co}, ${ldc}, ${s.accumulate ? 1 : 0}, ${where});`,
      );
      return;
    }
    if (s.kind === "colsum" && s.to.scope === "static" && s.from.scope !== "cols") {
      // dst[0:width] += Σ_rows src[r, 0:width], in the module
      em.comment(s.doc);
      const rows = s.rows === "one" ? "1" : dim(s.rows);
      const from = `${s.from.buf}.byteOffset + ${es} * (${mapStart(s.from, s.rows, inLoop)})`;
      const ld = s.rows === "one" || s.from.scope === "static" ? 0 : s.from.ld;
      for (const tos of colsumCalls(s)) {
        const dst = tos.map((to) => `${to.buf}.byteOffset + ${es * to.col}`);
        em.line(
          `$wasm.colsum${tos.length === 2 ? "2" : ""}_${t}(${rows}, ${s.width}, ${from}, ${ld}, ${dst.join(", ")});`,
        );
      }
      return;
    }
    const m = s.kind === "map" ? maps.get(s) : undefined;
    if (!m || s.kind !== "map") return emitStmt(em, s, inLoop);
    for (const l of s.lets) em.comment(l.doc);
    const rows = s.rows === "one" ? "1" : dim(s.rows);
    const ptrs = m.locs.map((x) => `${base(x.loc.buf)} + 4 * (${mapStart(x.loc, s.rows, inLoop)})`);
    em.line(`$wasm.${m.name}(${rows}, ${ptrs.join(", ")});`);
  };
  for (const s of proc.body) walk(s, false);
  em.line(`return [${proc.results.join(", ")}];`);
  em.dedent("}");
}

/**
 * Renders every float32 map the module can take; the rest stay JavaScript. A map may load a
 * constant table only where it has a place in the memory (constTables).
 */
function renderMaps(
  m: ModuleBuilder,
  s: Schedule,
  tables: ReadonlyMap<string, number>,
): Map<Stmt, WasmMap> {
  const out = new Map<Stmt, WasmMap>();
  if (s.compute !== "f32") return out;
  const consts = new Set(s.consts.map((c) => c.name));
  const outside = (b: string) => consts.has(b) && !tables.has(b);
  const walk = (st: Stmt): void => {
    if (st.kind === "loop") st.body.forEach(walk);
    if (st.kind !== "map") return;
    if (st.lets.some((l) => l.args.some((o) => o.kind === "load" && outside(o.loc.buf)))) return;
    const name = `map${out.size}`;
    const locs = addMap(m, st, name);
    if (locs) out.set(st, { name, locs });
  };
  for (const p of [s.forward, s.backward, s.infer]) p.body.forEach(walk);
  return out;
}

/**
 * The constant tables of the compute type, each at a fixed byte address after the scratch (16-byte
 * aligned), and the first byte after them, where every sweep's views start. The JavaScript
 * statements read the tables' own arrays (emitConsts); the module's maps read these copies.
 */
function constTables(s: Schedule): { at: Map<string, number>; end: number } {
  const at = new Map<string, number>();
  let end = SCRATCH_BYTES;
  if (s.compute === "f32")
    for (const c of s.consts) {
      if (c.type !== "f32" || c.int || !c.data) continue;
      at.set(c.name, end);
      end += (4 * c.data.length + 15) & -16;
    }
  return { at, end };
}

/** The memory, the module instance and the helpers the sweeps call (fixed text). */
function prelude(t: Elem, fma: boolean, tables: ReadonlyMap<string, number>, base: number): string {
  const es = elemBytes(t);
  const pages = Math.max(1, Math.ceil((base + 16) / 65536));
  const copies = [...tables].map(
    ([name, at]) => `\nnew $KF($mem.buffer, ${at}, ${name}.length).set(${name});`,
  );
  // the products with fused multiply-adds (relaxed SIMD) where this engine runs them, else plain
  // SIMD; only when asked for (compileCell's fma): they round differently from engine to engine
  const prod = fma
    ? `const $fmaBytes = Uint8Array.from(atob("${base64(fmaGemmModule())}"), (c) => c.charCodeAt(0));
const $prod = WebAssembly.validate($fmaBytes) ? new WebAssembly.Instance(new WebAssembly.Module($fmaBytes), { env: { mem: $mem } }).exports : $wasm;`
    : "const $prod = $wasm;";
  return `const $KF = ${t === "f32" ? "Float32Array" : "Float64Array"}; // the compute type: every buffer is ${t}
const $mem = new WebAssembly.Memory({ initial: ${pages} });${copies.join("")}
const $wasm = new WebAssembly.Instance(new WebAssembly.Module($wasmBytes), { env: { mem: $mem } }).exports;
${prod}
let $packAt = 0;
let $packed = [];
// the byte address of the call's lengths (Int32, B of them) for the loops in the module; 0: none
let $lenAt = 0;
// C[i, n] (+)= Σ_k A[i, k]·W[n, k]; W packed into panels at pack-area offset \`at\`: a slot
// (slot ≥ 0: a static operand, packed at its first call of this sweep) or the shared region
function $gemm(M, N, K, A, ao, lda, W, wo, ldw, C, co, ldc, acc, slot, at) {
  const pp = $packAt + at;
  if (slot < 0 || !$packed[slot]) {
    $wasm.pack_${t}(W.byteOffset + ${es} * wo, ldw, N, K, pp);
    if (slot >= 0) $packed[slot] = true;
  }
  $prod.gemm_${t}(M, N, K, A.byteOffset + ${es} * ao, lda, pp, C.byteOffset + ${es} * co, ldc, acc);
}
// D[j, i] = S[i, j]
function $transpose(M, N, S, so, lds, D, dOff, ldd) {
  $wasm.transpose_${t}(M, N, S.byteOffset + ${es} * so, lds, D.byteOffset + ${es} * dOff, ldd);
}
// a sweep's views of the memory for T, B (grown as needed, never shrunk); temporaries start at
// zero; the lengths (if any) after the buffers, then the pack area
function $open(plan, T, B, len) {
  let buf = $mem.buffer;
  // the views and addresses of the last call, while T, B and the memory's buffer are the same
  // (the memory only grows, and growing replaces its buffer)
  if (plan.at !== buf || plan.T !== T || plan.B !== B) {
    const TB = T * B;
    const at = (e) => e[0] + e[1] * B + e[2] * TB;
    const end = (${base} + ${es} * at(plan.memory) + 15) & -16;
    const lenBytes = (4 * B + 15) & -16;
    let need = end + lenBytes + at(plan.pack) + 16;
    // a forward also makes room for its backward at these sizes, so the backward never grows
    // the memory (which would detach the views of the tape the runtime keeps in place)
    for (const [m, pk] of plan.also) need = Math.max(need, ((${base} + ${es} * at(m) + 15) & -16) + lenBytes + at(pk) + 16);
    const have = buf.byteLength;
    if (need > have) $mem.grow(Math.ceil((need - have) / 65536));
    buf = $mem.buffer;
    plan.v = plan.views.map((x) => new $KF(buf, ${base} + ${es} * at(x[0]), at(x[1])));
    plan.at = buf;
    plan.T = T;
    plan.B = B;
    plan.end = end;
    plan.lenBytes = lenBytes;
  }
  const v = plan.v;
  for (const i of plan.zero) v[i].fill(0);
  $packed = plan.packed.fill(false);
  $lenAt = 0;
  if (len != null) {
    new Int32Array(buf, plan.end, B).set(len);
    $lenAt = plan.end;
  }
  $packAt = plan.end + plan.lenBytes;
  return v;
}
`;
}

/**
 * Constant tables, the memory and helpers, and the sweeps. `timeLoops: false` keeps every time
 * loop in JavaScript, `zeroAll: true` zero-fills every temporary at every call (the tests
 * compare these forms with the default bit for bit).
 */
export function wasmKernelSource(
  s: Schedule,
  opts: BackendOptions = {},
  {
    timeLoops = true,
    zeroAll = false,
  }: { readonly timeLoops?: boolean; readonly zeroAll?: boolean } = {},
): KernelSource {
  const em = new Emitter(new Namer(usedNames(s)));
  emitConsts(em, s.consts);
  em.line();
  const tables = constTables(s);
  for (const l of prelude(s.compute, opts.fma === true, tables.at, tables.end).split("\n"))
    em.line(l);
  const mod = kernelModule();
  const maps = renderMaps(mod, s, tables.at);
  const sweeps = [
    [s.forward, "forward_kernel"],
    [s.backward, "backward_kernel"],
    [s.infer, "infer_kernel"],
  ] as const;
  // the backward reads the forward's tape in place where it can (tape.ts); the forward makes
  // room for it
  const tape = tapeInPlace(s.forward, s.backward);
  const bwdPacks = packPlan(tape.backward.body, s.compute);
  const bwdRoom = `[${ext(tape.backward.memory!)}, ${ext(bwdPacks.size)}]`;
  let n = 0;
  sweeps.forEach(([proc0, fname], i) => {
    const proc = i === 1 ? tape.backward : proc0;
    checkOperands(proc);
    const packs = packPlan(proc.body, s.compute);
    // the time loops in the module, unless the products are the fma module's (another instance)
    const loops = new Map<Stmt, WasmLoop>();
    if (timeLoops && opts.fma !== true)
      for (const st of proc.body) {
        if (st.kind !== "loop") continue;
        const lp = addLoop(mod, proc, st, `loop${n}`, {
          t: s.compute,
          maps,
          slot: (g) => packs.slot.get(g),
        });
        if (lp) {
          loops.set(st, lp);
          n++;
        }
      }
    if (i > 0) em.line();
    emitSweep(em, proc, fname, s, maps, packs, loops, zeroAll, tables.at, {
      inPlace: i === 1 ? tape.inPlace : [],
      also: i === 0 ? [bwdRoom] : [],
    });
  });
  return { js: em.text(), wasm: mod.encode() };
}

let simd: boolean | undefined;

export const wasmBackend: Backend & { readonly name: "wasm" } = {
  name: "wasm",
  compute: (dtype) => (dtype === "float32" ? "f32" : "f64"),
  emit: (s, opts) => wasmKernelSource(s, opts),
  available: () => (simd ??= simdSupported()),
};

registerBackend(wasmBackend);
