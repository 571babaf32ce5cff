/**
 * Micro-benchmark of the wasm backend's matrix product (packages/codegen/src/backends/wasm/gemm.ts)
 * at the shapes the LSTM and GRU kernels run (printSchedule of compileCell at the bench's M and
 * L configs): the hoisted input product (T·B rows), the per-step recurrent product (B rows, the
 * packed operand reused by every step), the backward's d_h (B rows, k = 4H/3H), d_x (T·B rows)
 * and the deferred parameter gradients (k = T·B, their operand packed at every call).
 *
 *   npx esbuild bench/wasmGemm.ts --bundle --platform=node --format=esm \
 *     --outfile=bench/dist/wasmGemm.mjs && node bench/dist/wasmGemm.mjs [--fma] [--configs M,L]
 *
 * Prints GFLOP/s per shape (2·M·N·K per product over the median CPU time of a batch; pack time
 * apart) and each shape's ms per forward+backward (or per inference forward) of the cell, from
 * the number of calls a run makes. `--fma` times the relaxed-SIMD module (Node 20 needs
 * `--experimental-wasm-relaxed-simd`).
 *
 * `--against OLD.mjs` (this bench bundled from an older checkout) times the old build and this
 * one in the same process instead, alternating (old, new, new, old, …) `--rounds` times per
 * shape (default 9): the medians of both and of the per-round ratio new/old with its quartiles,
 * a comparison that a loaded machine's drift affects less than separate processes do.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ModuleBuilder } from "../packages/codegen/src/backends/wasm/encoder.js";
import {
  addGemm,
  fmaGemmModule,
  packedSize,
  SCRATCH_BYTES,
} from "../packages/codegen/src/backends/wasm/gemm.js";

/** The products' exports (byte addresses into the memory). */
export interface GemmExports {
  pack_f32(P: number, ldp: number, N: number, K: number, Pp: number): void;
  gemm_f32(
    M: number,
    N: number,
    K: number,
    A: number,
    lda: number,
    Pp: number,
    C: number,
    ldc: number,
    acc: number,
  ): void;
}

export interface Shape {
  readonly cell: string;
  readonly config: string;
  readonly what: string;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  /** Calls per forward+backward run (fwd+bwd) and per inference forward (infer). */
  readonly fwdBwd: number;
  readonly infer: number;
  /** Whether the packed operand is reused (static, packed once per run) or packed every call. */
  readonly packOnce: boolean;
}

const CONFIGS: Record<string, { B: number; T: number; H: number }> = {
  S: { B: 1, T: 100, H: 32 },
  M: { B: 32, T: 64, H: 128 },
  L: { B: 64, T: 50, H: 256 },
};

/** The products of LSTM (4 gates) and GRU (3) at one config, I = H (see printSchedule). */
export function shapesOf(config: string): Shape[] {
  const c = CONFIGS[config];
  if (!c) throw new Error(`unknown config ${config}`);
  const { B, T, H } = c;
  const TB = T * B;
  return (["lstm", "gru"] as const).flatMap((cell) => {
    const G = (cell === "lstm" ? 4 : 3) * H;
    const s = (
      what: string,
      M: number,
      N: number,
      K: number,
      fwdBwd: number,
      infer: number,
      packOnce: boolean,
    ): Shape => ({ cell, config, what, M, N, K, fwdBwd, infer, packOnce });
    return [
      s("x_proj", TB, G, H, 1, 1, false),
      s("h_proj", B, G, H, T, T, true),
      s("d_h", B, H, G, T, 0, true),
      s("d_x", TB, H, G, 1, 0, false),
      s("dP", G, H, TB, 2, 0, false),
    ];
  });
}

/** The WebAssembly API this file uses (the bench's TypeScript lib declares none). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: { initial: number }) => WasmMemory;
      Module: new (bytes: Uint8Array) => object;
      Instance: new (m: object, imports: object) => { exports: unknown };
    };
  }
).WebAssembly;

/** Instances of the plain module and (with `fma`) the relaxed-SIMD one, on one fresh memory. */
export function instantiate(fma: boolean): { ex: GemmExports; mem: WasmMemory } {
  const mem = new WA.Memory({ initial: 16 });
  const m = new ModuleBuilder(1);
  addGemm(m, "f32");
  const inst = (bytes: Uint8Array) =>
    new WA.Instance(new WA.Module(bytes), { env: { mem } }).exports as unknown as GemmExports;
  const plain = inst(m.encode());
  const prod = fma ? inst(fmaGemmModule()) : plain;
  return { ex: { pack_f32: plain.pack_f32, gemm_f32: prod.gemm_f32 }, mem };
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export interface GemmTiming {
  /** Median CPU ms of one product (packing apart). */
  readonly ms: number;
  readonly gflops: number;
  /** Median CPU ms of one pack of the second operand. */
  readonly packMs: number;
}

/**
 * Times `gemm_f32` at a shape on random operands: batches of calls of at least `batchMs`,
 * `rounds` batches, the median per call. The memory must hold A, P, Pp and C after the scratch.
 */
export function timeShape(
  ex: GemmExports,
  mem: WasmMemory,
  sh: Pick<Shape, "M" | "N" | "K">,
  rounds = 7,
  batchMs = 25,
): GemmTiming {
  const { M, N, K } = sh;
  const need = SCRATCH_BYTES + 4 * (M * K + N * K + packedSize("f32", N, K) + M * N) + 64;
  if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
  const A = SCRATCH_BYTES;
  const P = A + 4 * M * K;
  const Pp = (P + 4 * N * K + 15) & -16;
  const C = Pp + 4 * packedSize("f32", N, K);
  const f = new Float32Array(mem.buffer);
  let seed = 12345;
  for (let i = A / 4; i < Pp / 4; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    f[i] = seed / 2 ** 31 - 1;
  }
  const batch = (fn: () => void): number => {
    let n = 0;
    const t0 = cpuMs();
    let t = t0;
    while (t - t0 < batchMs || n < 2) {
      fn();
      n++;
      t = cpuMs();
    }
    return (t - t0) / n;
  };
  const pack = () => ex.pack_f32(P, K, N, K, Pp);
  const gemm = () => ex.gemm_f32(M, N, K, A, K, Pp, C, N, 0);
  pack();
  gemm(); // warm
  const ms: number[] = [];
  const packs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ms.push(batch(gemm));
    packs.push(batch(pack));
  }
  const m = median(ms);
  return { ms: m, gflops: (2 * M * N * K) / (m * 1e6), packMs: median(packs) };
}

/** The bench's own exports, as an older bundle of it has them too. */
interface Bench {
  instantiate: typeof instantiate;
  timeShape: typeof timeShape;
}

/** Old and new builds in one process, alternating rounds per shape (see the top). */
async function against(path: string, configs: string[], fma: boolean, rounds: number) {
  // the old bundle runs its main() when process.argv[1] names a wasmGemm bundle: hide it
  const script = process.argv[1]!;
  process.argv[1] = "";
  const old = (await import(pathToFileURL(resolve(path)).href).finally(() => {
    process.argv[1] = script;
  })) as Bench;
  const runs = [old.instantiate(fma), instantiate(fma)] as const;
  const timers = [old.timeShape, timeShape] as const;
  console.log("M×N×K            old GFLOP/s  new GFLOP/s  new/old  [q1, q3]");
  const seen = new Set<string>();
  for (const cfg of configs)
    for (const sh of shapesOf(cfg)) {
      const key = `${sh.M}x${sh.N}x${sh.K}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const g: [number[], number[]] = [[], []];
      const ratio: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const got = [0, 0];
        for (const w of r % 2 ? [1, 0] : [0, 1])
          got[w] = timers[w]!(runs[w]!.ex, runs[w]!.mem, sh, 3, 15).gflops;
        g[0].push(got[0]!);
        g[1].push(got[1]!);
        ratio.push(got[1]! / got[0]!);
      }
      const q = [...ratio].sort((x, y) => x - y);
      console.log(
        `${key.padEnd(16)} ${median(g[0]).toFixed(1).padStart(11)} ${median(g[1]).toFixed(1).padStart(12)} ${median(ratio).toFixed(3).padStart(8)}  [${q[rounds >> 2]!.toFixed(3)}, ${q[(3 * rounds) >> 2]!.toFixed(3)}]`,
      );
    }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const configs = (opt("--configs") ?? "M,L").split(",");
  const old = opt("--against");
  if (old) return against(old, configs, args.includes("--fma"), Number(opt("--rounds") ?? 9));
  const run = instantiate(args.includes("--fma"));
  const seen = new Map<string, GemmTiming>();
  console.log(
    "config cell what      M×N×K            GFLOP/s  ms/call  pack ms  ms/fwd+bwd  ms/infer",
  );
  const total: Record<string, [number, number]> = {};
  for (const cfg of configs)
    for (const sh of shapesOf(cfg)) {
      const key = `${sh.M}x${sh.N}x${sh.K}`;
      const t = seen.get(key) ?? timeShape(run.ex, run.mem, sh);
      seen.set(key, t);
      const pk = sh.packOnce ? t.packMs : t.packMs * sh.fwdBwd;
      const fb = t.ms * sh.fwdBwd + (sh.fwdBwd ? pk : 0);
      const inf = t.ms * sh.infer + (sh.infer ? t.packMs : 0);
      const tk = `${sh.config} ${sh.cell}`;
      const tot = (total[tk] ??= [0, 0]);
      tot[0] += fb;
      tot[1] += inf;
      console.log(
        `${sh.config.padEnd(6)} ${sh.cell.padEnd(4)} ${sh.what.padEnd(9)} ${key.padEnd(16)} ${t.gflops.toFixed(1).padStart(7)} ${t.ms.toFixed(3).padStart(8)} ${t.packMs.toFixed(3).padStart(8)} ${fb.toFixed(1).padStart(11)} ${inf.toFixed(1).padStart(9)}`,
      );
    }
  for (const [k, [fb, inf]] of Object.entries(total))
    console.log(
      `${k}: products ${fb.toFixed(1)} ms per fwd+bwd, ${inf.toFixed(1)} ms per inference`,
    );
}

// run as a script (the bundle above), not when imported
if (/wasmGemm\.(m?js|ts)$/.test(process.argv[1] ?? "")) await main();
