/**
 * gated in a real browser: a page importing `gated` is bundled with esbuild for the browser
 * (any Node built-in in gated's tree fails the bundle) and run in headless Chromium, where it
 * parses a cell, compiles it and runs it forward and backward; the numbers equal Node's.
 */
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  bundleForBrowser,
  launchChromium,
  modulePage,
  skipWithoutChromium,
  withPage,
} from "./browser.js";
import { type CellResult, runCell } from "./fixtures/browserCell.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

test("the core's browser entries bundle for the browser with no Node built-in", async () => {
  for (const entry of ["graph", "ops", "codegen", "rnn", "cli"]) {
    const code = await bundleForBrowser(here(`../packages/${entry}/src/index.ts`));
    expect(code.length).toBeGreaterThan(1000);
  }
});

test("the Node entries do not bundle for the browser (the check bites)", async () => {
  await expect(bundleForBrowser(here("../packages/rnn/src/node.ts"))).rejects.toThrow(
    /imports the Node built-in "node:fs"/,
  );
});

describe.skipIf(skipWithoutChromium("browser.test.ts (gated in headless Chromium)"))(
  "gated in headless Chromium",
  () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    test("parse, compile, forward and backward in a page equal Node's", async () => {
      const main = await bundleForBrowser(here("fixtures/browserPage.ts"));
      const got = await withPage(
        browser,
        { "index.html": modulePage("main.js"), "main.js": main },
        async (page, log) => {
          await page.waitForFunction(() => "gatedResult" in globalThis, null, { timeout: 30_000 });
          expect(log.errors).toEqual([]);
          return (await page.evaluate(
            () => (globalThis as { gatedResult?: unknown }).gatedResult,
          )) as CellResult;
        },
      );
      const want = runCell();
      for (const key of ["output", "final", "dW", "dx"] as const) {
        expect(got[key].length).toBe(want[key].length);
        got[key].forEach((v, i) => expect(v).toBeCloseTo(want[key][i]!, 12));
      }
      expect(want.dW.some((v) => v !== 0)).toBe(true);
    });
  },
);
