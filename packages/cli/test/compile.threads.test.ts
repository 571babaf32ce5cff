/** `gated compile --threads`: the module also exports threads(n), whose workers load the file. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, test } from "vitest";
import { compileToFile } from "../src/commands/compile.js";

const dir = mkdtempSync(join(tmpdir(), "gated-compile-threads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Mod {
  params(d?: ArrayLike<number>): { data: Float32Array };
  forward(p: unknown, x: ArrayLike<number>, o: unknown): { output: Float32Array };
  threads(n: number): Pick<Mod, "forward"> & { close(): Promise<void> };
}

test("compile --threads writes a module whose threads(2) gives its one-thread outputs", async () => {
  const out = join(dir, "lstm.mjs");
  const opts = { dtype: "float32", input: 3, hidden: 4, minify: false } as const;
  await compileToFile("lstm", join(dir, "plain.mjs"), opts);
  expect(readFileSync(join(dir, "plain.mjs"), "utf8")).not.toMatch(/threads/);
  await compileToFile("lstm", out, { ...opts, threads: true });
  expect(readFileSync(join(dir, "lstm.d.ts"), "utf8")).toContain(
    "export declare function threads(",
  );
  const mod = (await import(pathToFileURL(out).href)) as Mod;
  const p = mod.params(
    Float32Array.from({ length: mod.params().data.length }, (_, i) => Math.sin(i)),
  );
  const x = Float32Array.from({ length: 4 * 6 * 3 }, (_, i) => Math.cos(i));
  const t = mod.threads(2);
  try {
    expect(t.forward(p, x, { batch: 6 }).output).toEqual(mod.forward(p, x, { batch: 6 }).output);
  } finally {
    await t.close();
  }
});
