/**
 * A reshape between dims ([K] to [H, H]) is checked once `--dim` and `--hidden` give the sizes:
 * sizes that disagree are a usage error at the call's line:col naming both shapes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli } from "./capture.js";

let work: string;
let hyper: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "gated-reshape-"));
  hyper = join(work, "hyper.cell");
  writeFileSync(
    hyper,
    "cell hyper(x[I]; h[H]) {\n  param A[K, I]\n  M  = reshape(tanh(A x); shape=[H, H])\n  h' = tanh(M h + W h + b)\n}\n",
  );
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("gated compile: reshape [K] → [H, H]", () => {
  test("sizes that agree compile", async () => {
    const out = join(work, "hyper.mjs");
    const r = await cli("compile", hyper, "-o", out, "--hidden", "3", "--dim", "K=9");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });
  test("sizes that disagree: exit 2, one line at the call's line:col", async () => {
    const r = await cli(
      "compile",
      hyper,
      "-o",
      join(work, "bad.mjs"),
      "--hidden",
      "3",
      "--dim",
      "K=10",
    );
    expect(r.err).toBe(
      "gated compile: cell hyper: 3:8: reshape(tanh(A x), [H,H]): cannot reshape [K] = [10] (10 values) to [H,H] = [3,3] (9 values): the sizes must agree\n",
    );
    expect(r.code).toBe(2);
  });
});
