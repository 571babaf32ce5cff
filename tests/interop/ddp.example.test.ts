/**
 * The scale-out example (examples/torch-ddp/run.sh) end to end with a tiny budget: gated exports
 * a GRU to PyTorch, torchrun trains it with DistributedDataParallel on two gloo workers, and
 * `gated import --check` reads the trained parameters back and recomputes PyTorch's test loss
 * in gated (exit 1 if output or loss differ by more than 1e-6 relative).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { cliBundle } from "../cliBundle.js";
import { hasTorch, warnSkip } from "./tools.js";

const root = resolve(import.meta.dirname, "../..");
const torchrun =
  hasTorch() &&
  spawnSync("torchrun", ["--help"], { encoding: "utf8", timeout: 60_000 }).status === 0;
if (!torchrun)
  warnSkip(
    "the torch.distributed example (tests/interop/ddp.example.test.ts)",
    "torch with torchrun",
  );

describe.skipIf(!torchrun)("examples/torch-ddp: train with DDP in PyTorch, check in gated", () => {
  const { bundle, work } = cliBundle("ddp");

  test("run.sh with a tiny budget", () => {
    const out = join(work, "out");
    const r = spawnSync("bash", [join(root, "examples/torch-ddp/run.sh")], {
      encoding: "utf8",
      timeout: 240_000,
      env: {
        ...process.env,
        GATED: `${process.execPath} ${bundle}`,
        OUT: out,
        STEPS: "10",
        SEQ_LEN: "8",
        HIDDEN: "6",
      },
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/\(2 ranks\)/);
    expect(r.stdout).toMatch(/test MSE \(PyTorch\) /);
    expect(r.stdout).toMatch(/loss \(MSE of the read-out, in gated\): .*relative difference/);
    expect(existsSync(join(out, "imported.safetensors"))).toBe(true);
  }, 300_000);
});
