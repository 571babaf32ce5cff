/**
 * Memory of long sequences: an LSTM (I=32, H=128, B=8, float32) forward+backward over T steps
 * with the full tape, checkpointed BPTT (K = √T and fixed K) and inference (tape: false). Each
 * variant runs in a child process of its own, on the emitted module, and reads its own peak RSS
 * (process.resourceUsage().maxRSS), so no variant pays for another's garbage.
 *
 * Also: whether a float32 kernel could keep its tape in float32 — the JS backend's tape (float64)
 * is rounded to float32 before backward and the gradients compared with the float64 reference,
 * against the float32 accuracy test's tolerance (1e-4 relative, tests/codegenCompare.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileCell, emitModule, mulberry32, referenceKernel } from "@gated/codegen";
import { getCell } from "@gated/rnn";

export interface MemoryRow {
  readonly variant: string;
  readonly T: number;
  readonly peakRssMB: number | null;
  readonly ms: number | null;
  /** Σ|∂params| (or Σ output for inference): the variants must agree. */
  readonly check: number | null;
  readonly error?: string;
}

const DRIVER = `import * as k from "./kernel.mjs";
const [variant, T, B, I, H] = [process.argv[2], ...process.argv.slice(3).map(Number)];
let s = 12345;
const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
const p = k.params(Float32Array.from({ length: k.layout.reduce((a, l) => a + l.size, 0) }, () => rnd() * 0.1));
const x = Float32Array.from({ length: T * B * I }, rnd);
const opts = { batch: B };
if (variant === "inference") opts.tape = false;
else if (variant !== "full") opts.checkpoint = variant === "auto" ? "auto" : Number(variant);
const t0 = performance.now();
const run = k.forward(p, x, opts);
let check = 0;
if (variant === "inference") for (const v of run.output) check += v;
else {
  const g = k.backward(run, { output: new Float32Array(T * B * H).fill(1e-3) });
  for (const v of g.params.data) check += Math.abs(v);
}
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, check, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
`;

/** Peak RSS per variant, each in its own child process. */
export function memoryRows(T: number, variants: readonly string[]): MemoryRow[] {
  const [B, I, H] = [8, 32, 128];
  const k = compileCell(getCell("lstm"), { inputSize: I, hiddenSize: H, dtype: "float32" });
  const dir = mkdtempSync(join(tmpdir(), "gated-memory-"));
  try {
    writeFileSync(join(dir, "kernel.mjs"), emitModule(k));
    writeFileSync(join(dir, "driver.mjs"), DRIVER);
    return variants.map((variant) => {
      const r = spawnSync(
        process.execPath,
        [join(dir, "driver.mjs"), variant, String(T), String(B), String(I), String(H)],
        { encoding: "utf8", maxBuffer: 1 << 20 },
      );
      const line = r.stdout.trim().split("\n").pop() ?? "";
      if (r.status !== 0 || !line.startsWith("{")) {
        const why = (r.stderr || String(r.signal ?? r.status)).trim().split("\n").pop() ?? "";
        return { variant, T, peakRssMB: null, ms: null, check: null, error: why };
      }
      const o = JSON.parse(line) as { ms: number; check: number; peakRssMB: number };
      return { variant, T, peakRssMB: o.peakRssMB, ms: o.ms, check: o.check };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TapePrecisionRow {
  readonly cell: string;
  /** max |g − g_ref| / max |g_ref| of the parameter gradients, float32 kernel, float64 tape. */
  readonly f64Tape: number;
  /** The same with the tape rounded to float32. */
  readonly f32Tape: number;
  readonly tolerance: number;
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0,
    e = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e / Math.max(scale, 1e-300);
}

/** Gradient error of float32 kernels with their tape kept in float64 (today) and in float32. */
export function tapePrecision(cells: readonly string[] = ["lstm", "gru"]): TapePrecisionRow[] {
  const [T, B, I, H] = [50, 4, 8, 16];
  return cells.map((name) => {
    const cell = getCell(name);
    const ref = referenceKernel(cell, { inputSize: I, hiddenSize: H });
    // the JS backend computes and keeps its tape in float64 (the wasm backend's float32 kernels
    // already compute in float32): round that tape to float32 to see what a float32 tape costs
    const k = compileCell(cell, { inputSize: I, hiddenSize: H, dtype: "float32", backend: "js" });
    const r = mulberry32(3);
    const x = Float64Array.from({ length: T * B * I }, () => 2 * r() - 1);
    const dOut = Float64Array.from({ length: T * B * k.outputSize }, () => 2 * r() - 1);
    const pr = ref.initParams({ seed: 5 });
    const pk = k.params();
    for (const s of k.layout) pk.get(s.name).set(pr.get(s.name));
    // the float32 parameters, exactly, for the reference too
    for (const s of k.layout) pr.get(s.name).set(pk.get(s.name));
    const lengths = Array.from({ length: B }, (_, b) => T - 7 * b);
    const gRef = ref.backward(ref.forward(pr, x, { batch: B, lengths }), { output: dOut });
    const want = Float64Array.from(k.layout.flatMap((s) => [...gRef.params.get(s.name)]));
    const grads = (round: boolean) => {
      const run = k.forward(pk, x, { batch: B, lengths }) as unknown as {
        tape: { x: Float64Array; hist: Float64Array[]; saved: Float64Array[] };
      };
      if (round)
        for (const a of [run.tape.x, ...run.tape.hist, ...run.tape.saved])
          for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i]!);
      const g = k.backward(run as never, { output: dOut });
      return Float64Array.from(k.layout.flatMap((s) => [...g.params.get(s.name)]));
    };
    return {
      cell: name,
      f64Tape: maxRel(grads(false), want),
      f32Tape: maxRel(grads(true), want),
      tolerance: 1e-4,
    };
  });
}
