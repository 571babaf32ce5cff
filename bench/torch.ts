/**
 * PyTorch CPU as a contender, timed in the same run as the other implementations and interleaved
 * with them: Debian's /usr/bin/python3 with torch runs bench/torch_rnn.py as a server, one
 * thread (OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)). Commands go
 * through two named pipes and are answered synchronously, so a torch sample (k runs back to
 * back, `run MODE K`) is one round-robin sample like any other; its time is the Python process's
 * own CPU time (and wall time) for those k runs.
 *
 * Install (Debian): `apt-get install python3-torch libopenblas0-pthread`. Without
 * libopenblas0-pthread torch's products fall back to the reference BLAS (~2.5 GFLOP/s) and the
 * comparison is meaningless: the probe says which BLAS is mapped in and the bench warns loudly.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PYTHON = process.env["GATED_PYTHON"] ?? "/usr/bin/python3";
// beside this file (bench/torch.ts), or one folder up from the bundle (bench/dist/bench.mjs)
const SCRIPT =
  ["./torch_rnn.py", "../torch_rnn.py", "../bench/torch_rnn.py"]
    .map((p) => fileURLToPath(new URL(p, import.meta.url)))
    .find((p) => existsSync(p)) ?? "torch_rnn.py";
const ENV = {
  ...process.env,
  OMP_NUM_THREADS: "1",
  OPENBLAS_NUM_THREADS: "1",
  MKL_NUM_THREADS: "1",
};

export interface TorchProbe {
  readonly version: string;
  readonly threads: number;
  readonly openblas: boolean;
  readonly libraries: readonly string[];
  readonly sgemmGflops: number;
}

/** torch's version and BLAS, or why it is missing. */
export function probeTorch(): TorchProbe | { readonly missing: string } {
  const r = spawnSync(PYTHON, [SCRIPT, "--probe"], {
    env: ENV,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.error) return { missing: `${PYTHON}: ${r.error.message}` };
  if (r.status !== 0)
    return { missing: `${PYTHON} ${SCRIPT} --probe: ${(r.stderr || "").trim().split("\n").pop()}` };
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as TorchProbe;
}

export interface TorchSample {
  readonly cpu: number;
  readonly wall: number;
}

/** A running torch server: set up one job, then time runs of it. */
export class TorchServer {
  private readonly dir = mkdtempSync(path.join(tmpdir(), "gated-torch-"));
  private readonly child: ChildProcess;
  private readonly req: number;
  private readonly res: number;
  private pending = "";
  constructor() {
    const [req, res] = ["req", "res"].map((n) => path.join(this.dir, n)) as [string, string];
    execFileSync("mkfifo", [req, res]);
    this.child = spawn(PYTHON, [SCRIPT, "--serve", req, res], {
      env: ENV,
      stdio: ["ignore", "inherit", "inherit"],
    });
    // the server opens req for reading, then res for writing; until it does, opening req
    // without blocking fails (ENXIO): poll, so a server that dies on start cannot hang us
    const t0 = Date.now();
    let fd = -1;
    while (fd < 0) {
      try {
        fd = openSync(req, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENXIO" || Date.now() - t0 > 120_000)
          throw new Error(`torch server did not start: ${(e as Error).message}`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
    }
    this.req = fd;
    this.res = openSync(res, "r");
  }
  private call(line: string): Record<string, unknown> {
    writeSync(this.req, `${line}\n`);
    const buf = Buffer.alloc(4096);
    while (!this.pending.includes("\n")) {
      const n = readSync(this.res, buf, 0, buf.length, null);
      if (n === 0) throw new Error(`torch server closed its pipe (after ${JSON.stringify(line)})`);
      this.pending += buf.toString("utf8", 0, n);
    }
    const i = this.pending.indexOf("\n");
    const out = JSON.parse(this.pending.slice(0, i)) as Record<string, unknown>;
    this.pending = this.pending.slice(i + 1);
    if (out["error"]) throw new Error(`torch: ${String(out["error"])}`);
    return out;
  }
  setup(cell: string, B: number, T: number, I: number, H: number, dtype: string): void {
    this.call(`setup ${cell} ${B} ${T} ${I} ${H} ${dtype}`);
  }
  /** k runs back to back, timed as one sample by the server: its total CPU and wall ms. */
  run(mode: "fwd" | "fwd+bwd", k = 1): TorchSample {
    const r = this.call(`run ${mode} ${k}`);
    if (r["runs"] !== k) throw new Error(`torch: asked for ${k} runs, it did ${String(r["runs"])}`);
    return { cpu: r["cpu"] as number, wall: r["wall"] as number };
  }
  close(): void {
    try {
      writeSync(this.req, "quit\n");
    } catch {
      // already gone
    }
    closeSync(this.req);
    closeSync(this.res);
    this.child.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
