/**
 * gated's WebAssembly kernel with relaxed SIMD, as an inference contender (issue 15). A wasm
 * kernel compiled with `fma: true` carries a second product module whose tiles multiply and add
 * in one `relaxed_madd` (fused multiply-add), used where the engine validates it; Node 20 runs
 * relaxed SIMD only behind `--experimental-wasm-relaxed-simd` (Chromium has it on). So this
 * contender is that kernel — its emitted module — in a child node started with the flag; the
 * child times each forward itself (wall and CPU time), so the IPC round trip is not counted;
 * a timed sample of k forwards (bench/inference.ts `timeInterleaved`) is k back-to-back
 * forwards in the child, one message each way.
 *
 * The child's runs follow bench/timing.ts's rule, with this process doing the /proc parts for
 * it: before each run the child does a full gc() (it runs with --expose-gc) and this process
 * waits until the child's helper threads are idle (timing.ts `settle(pid)`), both untimed; the
 * child times the forward (process.cpuUsage of all its threads, and wall clock); then this
 * process waits again for the child's helpers and adds their CPU from the reply's arrival until
 * they are idle (the run's tail) to the run's CPU time. Their CPU between the child's clock
 * stop and the reply's arrival (one IPC message) is the one part of a tail not charged.
 * `helper` is the child's helper-thread CPU from before the run to the end of its tail,
 * `leftMB` the child's heap + ArrayBuffer growth over the forward.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type CompiledKernel, emitModule } from "@gated/codegen";
import type { Contender } from "./inference.js";
import { helperCpuMs, settle, settling } from "./timing.js";

const CHILD = `
const k = await import(process.env.GATED_MODULE);
const fma = Uint8Array.from(atob(process.env.GATED_FMA), (c) => c.charCodeAt(0));
const v8 = await import("node:v8");
const held = () => v8.getHeapStatistics().used_heap_size + process.memoryUsage().arrayBuffers;
let p, x, B, y;
process.on("message", (m) => {
  if (m.setup) {
    p = k.params(m.params);
    x = Float32Array.from(m.x);
    B = m.B;
    process.send({ relaxed: WebAssembly.validate(fma) });
    return;
  }
  if (m.gc) {
    gc();
    process.send({});
    return;
  }
  const m0 = held();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < m.k; i++) y = k.forward(p, x, { batch: B, tape: false }).output;
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const leftMB = Math.max(0, held() - m0) / 2 ** 20;
  process.send({ ms, cpu: (c.user + c.system) / 1000, leftMB, y: m.want ? Array.from(y) : null });
});
process.on("disconnect", () => process.exit(0));
`;

function ask<T>(child: ChildProcess, msg: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`relaxed-SIMD child exited (${code})`));
    child.once("exit", onExit);
    child.once("message", (m) => {
      child.off("exit", onExit);
      resolve(m as T);
    });
    child.send(msg as object);
  });
}

/**
 * The contender `gated-wasm-fma`: the wasm kernel `k` (compiled with `fma: true`) in a child node
 * with relaxed SIMD on, or
 * null (with the reason) where that node has no relaxed SIMD. `close()` ends the child.
 */
export async function relaxedContender(
  k: CompiledKernel,
  params: ArrayLike<number>,
  x: Float32Array,
  B: number,
): Promise<{ contender: Contender; close(): void } | { why: string }> {
  const src = emitModule(k);
  const fma = /const \$fmaBytes = Uint8Array\.from\(atob\("([^"]+)"\)/.exec(src)?.[1];
  if (!fma) return { why: "the kernel has no FMA product module (compile it with fma: true)" };
  const dir = mkdtempSync(path.join(tmpdir(), "gated-fma-"));
  const file = path.join(dir, "kernel.mjs");
  writeFileSync(file, src);
  const child = spawn(
    process.execPath,
    ["--experimental-wasm-relaxed-simd", "--expose-gc", "--input-type=module", "-e", CHILD],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, GATED_MODULE: pathToFileURL(file).href, GATED_FMA: fma },
    },
  );
  const close = () => {
    if (child.connected) child.disconnect();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { relaxed } = await ask<{ relaxed: boolean }>(child, {
      setup: true,
      params: Array.from(params),
      x: Array.from(x),
      B,
    });
    if (!relaxed) {
      close();
      return { why: `node ${process.version} has no relaxed SIMD, even with the flag` };
    }
  } catch (e) {
    close();
    return { why: (e as Error).message };
  }
  type Reply = { ms: number; cpu: number; leftMB: number; y: number[] | null };
  const pid = child.pid!;
  const contender: Contender = {
    name: "gated-wasm-fma",
    run: async () => (await ask<Reply>(child, { k: 1, want: true })).y!,
    timeRuns: async (k) => {
      await ask(child, { gc: true });
      settle(pid);
      const h0 = helperCpuMs(pid);
      const r = await ask<Reply>(child, { k, want: false });
      const h1 = helperCpuMs(pid);
      settle(pid);
      const h2 = settling() ? helperCpuMs(pid) : h1;
      const tail = h1 === null || h2 === null ? 0 : h2 - h1;
      return {
        cpu: r.cpu + tail,
        wall: r.ms,
        helper: h0 === null || h2 === null ? null : h2 - h0,
        leftMB: r.leftMB,
      };
    },
  };
  return { contender, close };
}
