/**
 * Training throughput, the number a researcher feels: steps per second of `Trainer` (forward,
 * loss, backward, Adam; float32) on (a) the adding problem (T=100, H=32, B=32, LSTM) and (b)
 * names → gender (2-layer bidirectional LSTM, H=32, embedding 16, B=32, mean pooling), beside the
 * same models in PyTorch CPU at 1 and 2 threads (bench/torch_train.py, run by Debian's
 * /usr/bin/python3), trained on the very same samples in the same run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  adam,
  addingProblem,
  fromArray,
  getCell,
  type Sample,
  type Task,
  Trainer,
  taskModel,
} from "@gated/rnn";
import { namesGender } from "@gated/rnn/node";

export interface ThroughputRow {
  readonly job: string;
  readonly impl: string;
  readonly threads: number;
  readonly stepsPerS: number | null;
  readonly steps: number;
  readonly note?: string;
}

interface Job {
  readonly name: string;
  readonly task: () => Task;
  readonly layers: number;
  readonly bidirectional: boolean;
  readonly pool: "last" | "mean";
}

const B = 32,
  H = 32,
  EMBED = 16,
  LR = 1e-3;
const JOBS: readonly Job[] = [
  {
    name: "adding T=100",
    task: () => addingProblem({ T: 100, seed: 1 }),
    layers: 1,
    bidirectional: false,
    pool: "last",
  },
  {
    name: "names-gender 2×bi-LSTM",
    task: () => namesGender({ seed: 1 }),
    layers: 2,
    bidirectional: true,
    pool: "mean",
  },
];

const PYTHON = "/usr/bin/python3";
// beside this file (bench/*.ts under vitest) or one folder up (the bundle, bench/dist/bench.mjs)
const SCRIPT =
  [new URL("./torch_train.py", import.meta.url), new URL("../torch_train.py", import.meta.url)]
    .map((u) => fileURLToPath(u))
    .find((f) => existsSync(f)) ?? "torch_train.py";

let backendName = "?";

/** Steps/s of gated's Trainer over `samples` (warm-up steps first, then until the budget). */
function gatedRate(
  job: Job,
  task: Task,
  samples: Sample[],
  budgetMs: number,
): { rate: number; steps: number } {
  const model = taskModel(task, {
    cell: getCell("lstm"),
    hidden: H,
    layers: job.layers,
    bidirectional: job.bidirectional,
    embed: EMBED,
    pool: job.pool,
    dtype: "float32",
    seed: 1,
  });
  const trainer = new Trainer(model, {
    optimizer: adam({ lr: LR }),
    batchSize: B,
    seed: 1,
    steps: Number.MAX_SAFE_INTEGER,
  });
  const it = trainer.iterate(fromArray(samples));
  backendName = model.rnn.kernels[0]?.backend ?? "?";
  for (let i = 0; i < 3; i++) it.next();
  let steps = 0;
  const t0 = performance.now();
  while (steps < 5 || performance.now() - t0 < budgetMs) {
    it.next();
    steps++;
  }
  return { rate: (steps * 1000) / (performance.now() - t0), steps };
}

/** Why torch cannot run here, or null. */
function torchMissing(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (r.error) return `${PYTHON} not found`;
  return r.status === 0 ? null : `torch is not installed for ${PYTHON} (import torch failed)`;
}

export function throughputRows(opts: { quick?: boolean } = {}): ThroughputRow[] {
  const budgetMs = opts.quick ? 1000 : 4000;
  const rows: ThroughputRow[] = [];
  const missing = torchMissing();
  const dir = mkdtempSync(join(tmpdir(), "gated-throughput-"));
  try {
    for (const job of JOBS) {
      const task = job.task();
      const n = Math.min(task.train.size, 64 * B);
      const samples = Array.from({ length: n }, (_, i) => task.train.get(i));
      const g = gatedRate(job, task, samples, budgetMs);
      rows.push({
        job: job.name,
        impl: `gated (${backendName}, float32)`,
        threads: 1,
        stepsPerS: g.rate,
        steps: g.steps,
      });
      const spec = {
        job: job.name,
        dense: task.input.kind === "dense" ? task.input.size : 0,
        vocab: task.input.kind === "tokens" ? task.input.vocab : 0,
        embed: EMBED,
        hidden: H,
        layers: job.layers,
        bidirectional: job.bidirectional,
        pool: job.pool,
        outputs: task.outputs,
        loss: task.loss,
        lr: LR,
        batch: B,
        budget_s: budgetMs / 1000,
        samples: samples.map((s) => ({
          x: Array.from(s.x),
          y: typeof s.y === "number" ? s.y : Array.from(s.y),
        })),
      };
      const file = join(dir, "job.json");
      writeFileSync(file, JSON.stringify(spec));
      for (const threads of [1, 2]) {
        const impl = "PyTorch CPU";
        if (missing) {
          rows.push({ job: job.name, impl, threads, stepsPerS: null, steps: 0, note: missing });
          continue;
        }
        const r = spawnSync(PYTHON, [SCRIPT, file, String(threads)], {
          encoding: "utf8",
          maxBuffer: 1 << 20,
        });
        const line = r.stdout?.trim().split("\n").pop() ?? "";
        if (r.status !== 0 || !line.startsWith("{")) {
          const why = (r.stderr || String(r.status)).trim().split("\n").pop() ?? "";
          rows.push({ job: job.name, impl, threads, stepsPerS: null, steps: 0, note: why });
          continue;
        }
        const o = JSON.parse(line) as { steps_per_s: number; steps: number; torch: string };
        rows.push({
          job: job.name,
          impl,
          threads,
          stepsPerS: o.steps_per_s,
          steps: o.steps,
          note: `torch ${o.torch}`,
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
