/** `--checkpoint K|auto` (checkpointed BPTT) reaches the model; a bad value is a usage error. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli } from "./capture.js";

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "gated-bptt-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tiny = (): string[] => [
  ...["--task", "adding", "--steps", "4", "--eval-every", "2", "--seq-len", "6"],
  ...["--eval-size", "4", "--batch", "2", "--hidden", "3", "--quiet", "--no-checkpoint"],
  ...["-o", join(work, "r.html")],
];

describe("gated train --checkpoint", () => {
  test.each(["2", "auto"])("--checkpoint %s trains", async (k) => {
    const r = await cli("train", "--cell", "lstm", ...tiny(), "--checkpoint", k);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });
  test.each(["0", "-3", "1.5", "abc", ""])("--checkpoint %j is a usage error", async (k) => {
    const r = await cli("train", "--cell", "lstm", ...tiny(), "--checkpoint", k);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(
      /^(gated: )?--checkpoint: expected a positive integer K or "auto", got /,
    );
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });
});
