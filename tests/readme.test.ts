// The README's promises, checked: every ```ts block runs (imports resolve to this checkout),
// and the catalogue section is exactly what the catalogue prints. UPDATE_README=1 rewrites
// the generated section instead of failing.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CATALOGUE_NAMES, getCell, printCell } from "gated";
import { describe, expect, test } from "vitest";
import { README, tsBlocks } from "./readmeBlocks.js";
import { CELL_NOTES } from "./readmeCatalogue.js";

const text = readFileSync(README, "utf8");
const blocks = tsBlocks(text);

describe("README code examples run", () => {
  const dir = join(new URL(".", import.meta.url).pathname, ".readme-out");
  test("there are examples", () => expect(blocks.length).toBeGreaterThanOrEqual(3));
  blocks.forEach((src, i) => {
    test(`example ${i + 1}: ${src.split("\n")[0]}`, async () => {
      rmSync(join(dir, `ex${i}`), { recursive: true, force: true });
      mkdirSync(join(dir, `ex${i}`), { recursive: true });
      const file = join(dir, `ex${i}`, "example.ts");
      // examples write files relative to the working directory: give each its own
      writeFileSync(file, `process.chdir(${JSON.stringify(join(dir, `ex${i}`))});\n${src}`);
      const cwd = process.cwd();
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        process.chdir(cwd);
      }
    }, 60_000);
  });
});

/** The catalogue section: one entry per cell, its equations as the equation syntax prints them. */
export function catalogueSection(): string {
  const out: string[] = [];
  for (const name of CATALOGUE_NAMES) {
    const note = CELL_NOTES[name];
    const eqs = printCell(getCell(name))
      .split("\n")
      .filter((l) => !/^\s*param /.test(l))
      .join("\n");
    out.push(`**\`${name}\`** — ${note}\n\n\`\`\`text\n${eqs}\n\`\`\`\n`);
  }
  return out.join("\n");
}

describe("README catalogue section", () => {
  test("lists every catalogue cell with the equations it compiles", () => {
    const start = "<!-- catalogue:start -->\n";
    const end = "<!-- catalogue:end -->";
    const a = text.indexOf(start);
    const b = text.indexOf(end);
    expect(a).toBeGreaterThan(0);
    const want = catalogueSection();
    if (process.env["UPDATE_README"]) {
      writeFileSync(README, text.slice(0, a + start.length) + want + "\n" + text.slice(b));
      return;
    }
    expect(text.slice(a + start.length, b).trim()).toBe(want.trim());
    for (const n of CATALOGUE_NAMES) expect(CELL_NOTES[n], `a README note for ${n}`).toBeTruthy();
  });
});
