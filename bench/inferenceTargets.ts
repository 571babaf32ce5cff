/**
 * Issue 15's targets (forward, float32, one thread), from the inference rows: ratios of medians
 * of one run, gated's default backend (wasm) against each runtime. The ratios are of CPU time
 * where the row has it (wall time drifts with the load: see bench/inference.ts), wall time
 * otherwise; a missed target says where the time goes: each side's rate on the products (the
 * same FLOPs, from gated's schedule) and the floor this machine's WebAssembly SIMD puts under
 * gated's products (`simd128PeakGflops`).
 */
import { Func, ModuleBuilder } from "../packages/codegen/src/backends/wasm/encoder.js";
import type { InferenceRow } from "./inference.js";
import { median } from "./timing.js";

export interface InferenceTarget {
  readonly what: string;
  readonly met: boolean;
  readonly value: string;
}

const fmt = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** The row's time of a contender: CPU ms where the row has it, else wall ms; null if missing. */
function timeOf(r: InferenceRow, name: string): number | null {
  const c = r.cpuMs?.[name];
  if (typeof c === "number") return c;
  const w = r.ms[name];
  return typeof w === "number" ? w : null;
}

/** contender / gated-wasm (how many times faster gated is), or null when either is missing. */
function speedup(r: InferenceRow, contender: string, gated = "gated-wasm"): number | null {
  const a = timeOf(r, contender);
  const g = timeOf(r, gated);
  return a !== null && g !== null ? a / g : null;
}

/** The same ratio in wall time, for the record. */
function wallSpeedup(r: InferenceRow, contender: string): number | null {
  const a = r.ms[contender];
  const g = r.ms["gated-wasm"];
  return typeof a === "number" && typeof g === "number" ? a / g : null;
}

const basis = (r: InferenceRow) => (r.cpuMs ? "cpu" : "wall");

/**
 * Where the time goes, for a missed target against `contender`: the products' GFLOP/s of each
 * side (FLOPs / its whole run, so a lower bound of its product rate) and gated's floor, the
 * products alone at the SIMD128 multiply-add peak, as the best ratio a SIMD128 kernel could
 * reach: gated/contender ≥ floor / contender's run (`slower`), or contender/gated ≤ its run /
 * floor.
 */
function whereTime(
  r: InferenceRow,
  contender: string,
  peak: () => number,
  slower: boolean,
): string {
  const f = r.productFlops;
  const g = timeOf(r, "gated-wasm");
  const o = timeOf(r, contender);
  if (f === undefined || g === null || o === null) return "";
  const rate = (ms: number) => f / ms / 1e6;
  const floor = f / (peak() * 1e6);
  const best = slower
    ? `gated/${contender} ≥ ${fmt(floor / o)}`
    : `${contender}/gated ≤ ${fmt(o / floor)}`;
  return `; products ${fmt(f / 1e6)} MFLOP: gated ${fmt(rate(g))} GFLOP/s, ${contender} ${fmt(rate(o))} GFLOP/s (whole runs); at this machine's SIMD128 mul+add peak (${fmt(peak())} GFLOP/s) gated's products alone take ≥ ${fmt(floor)} ms, so ${best} with nothing else`;
}

export function inferenceTargets(
  rows: readonly InferenceRow[],
  peak: () => number = memoPeak,
): InferenceTarget[] {
  const out: InferenceTarget[] = [];
  for (const r of rows) {
    const wallNote = (c: string) => {
      const w = wallSpeedup(r, c);
      return r.cpuMs && w !== null ? ` (wall ${fmt(w)})` : "";
    };
    if (r.model === undefined && r.cell === "lstm") {
      const web = speedup(r, "ort-web");
      if (web !== null)
        out.push({
          what: `lstm ${r.config} ≥ onnxruntime-web`,
          met: web >= 1,
          value: `ort-web/gated = ${fmt(web)} ${basis(r)}${wallNote("ort-web")}`,
        });
      const node = speedup(r, "ort-node");
      if (node !== null && r.config !== "S") {
        const met = 1 / node <= 3;
        const w = wallSpeedup(r, "ort-node");
        out.push({
          what: `lstm ${r.config} within 3× of onnxruntime-node`,
          met,
          value: `gated/ort-node = ${fmt(1 / node)} ${basis(r)}${r.cpuMs && w !== null ? ` (wall ${fmt(1 / w)})` : ""}${met ? "" : whereTime(r, "ort-node", peak, true)}`,
        });
      }
    }
    if (r.model !== undefined) {
      const web = speedup(r, "ort-web");
      const js = speedup(r, "ort-web", "gated-js");
      const met = web !== null && web >= 5;
      out.push({
        what: `${r.cell} ${r.config} ≥ 5× onnxruntime-web on our best export (${r.model})`,
        met,
        value:
          web === null
            ? `missing (${[r.ms["ort-web"], r.ms["gated-wasm"]].filter((v) => typeof v === "string").join("; ") || "not run"})`
            : `${fmt(web)}× ${basis(r)}${wallNote("ort-web")} (gated-js ${js === null ? "—" : `${fmt(js)}×`})${met ? "" : whereTime(r, "ort-web", peak, false)}`,
      });
    }
  }
  return out;
}

/** The part of the WebAssembly API the probe uses. */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number }) => object;
}

let peakGflops: number | undefined;
const memoPeak = () => (peakGflops ??= simd128PeakGflops());

/**
 * This machine's f32x4 multiply-add rate in WebAssembly SIMD, GFLOP/s of CPU time: a loop of
 * independent f32x4.mul + f32x4.add on ten accumulators held in registers (no loads, no
 * stores), the median of 7 runs of ~0.1 s. No SIMD128 product (a gemm's tiles add loads of
 * its operands) runs faster; relaxed SIMD's relaxed_madd does the same two FLOPs per lane at
 * about the same rate on the machines measured (bench/README.md).
 */
export function simd128PeakGflops(): number {
  const ACC = 10;
  const f = new Func(["i32"], ["f32"]);
  const n = f.params[0]!;
  const acc = Array.from({ length: ACC }, () => f.local("v128"));
  const x = f.local("v128");
  const ys = [f.local("v128"), f.local("v128")];
  for (const a of acc) f.f32x4(0).set(a);
  f.f32x4(1.0000001).set(x);
  ys.forEach((y, i) => f.f32x4(0.999 + i * 1e-4).set(y));
  f.op("block").op("loop");
  f.get(n).op("i32.eqz").op("br_if", 1);
  acc.forEach((a, i) => {
    f.get(a)
      .get(x)
      .get(ys[i % 2]!)
      .op("f32x4.mul")
      .op("f32x4.add")
      .set(a);
  });
  f.get(n).i32(1).op("i32.sub").set(n);
  f.op("br", 0).op("end").op("end");
  f.get(acc[0]!);
  for (const a of acc.slice(1)) f.get(a).op("f32x4.add");
  f.op("f32x4.extract_lane", 0);
  const m = new ModuleBuilder();
  m.add(f, "peak");
  // (the bench's lib has no WebAssembly types)
  const wa = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
  const inst = new wa.Instance(new wa.Module(m.encode()), {
    env: { mem: new wa.Memory({ initial: 1 }) },
  });
  const run = inst.exports.peak as (n: number) => number;
  const N = 5e6;
  run(1e5);
  const ms: number[] = [];
  for (let r = 0; r < 7; r++) {
    const c0 = process.cpuUsage();
    run(N);
    const c = process.cpuUsage(c0);
    ms.push((c.user + c.system) / 1000);
  }
  // per iteration: ACC lanes-of-4 multiplies and as many adds
  return (N * ACC * 4 * 2) / median(ms) / 1e6;
}
