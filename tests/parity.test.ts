// Every oracle fixture (the public PyTorch ones and the generated ones) passes `gated parity`
// on the reference kernel; the command's exit codes and errors; `--cell` binds by name.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test, vi } from "vitest";
import { formatParity, parityCommand, parityFile } from "gated";

const dir = fileURLToPath(new URL("./fixtures/torch/", import.meta.url));
const list = (d: string) => readdirSync(d).filter((f) => f.endsWith(".json") && f !== "manifest.json").map((f) => d + f);
const FIXTURES = [...list(dir), ...list(dir + "generated/")];

describe("gated parity on every fixture", () => {
  test("there are public and generated fixtures", () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(16);
  });
  test.each(FIXTURES.map((f) => [f.slice(dir.length), f]))("%s", (_, f) => {
    const r = parityFile(f, { backend: "reference" });
    if (!r.ok) console.log(formatParity(r));
    expect(r.ok).toBe(true);
    expect(r.rows.length).toBeGreaterThan(5);
  });
});
