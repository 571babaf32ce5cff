/**
 * The playground end to end in headless Chromium: the page builds (`scripts/playground.mjs`),
 * renders the default cell and its gradient equations with KaTeX, shows a typing error at its
 * line:column, compiles a typed cell and offers a module that imports and runs, and trains in
 * its Web Worker (adding, then names → gender) with the loss falling and a working stop button.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium, skipWithoutChromium, withPage } from "./browser.js";

const root = resolve(__dirname, "..");
const skip = skipWithoutChromium("the playground (tests/playground.test.ts)");

const GRU = `cell mygru(x[I]; h[H]) {
  z  = sigmoid(U_z x + W_z h + b_z)
  r  = sigmoid(U_r x + W_r h + b_r)
  n  = tanh(U_n x + W_n (r * h) + b_n)
  h' = (1 - z) * n + z * h
}`;

describe.skipIf(skip)("playground", () => {
  let browser: Browser;
  let html: string;
  let file: string;
  beforeAll(async () => {
    // @ts-expect-error: a plain .mjs script without types
    const { buildPlayground } = (await import("../scripts/playground.mjs")) as {
      buildPlayground: (dir: string) => Promise<{ file: string }>;
    };
    ({ file } = await buildPlayground(join(root, "dist", `.test-playground-${process.pid}`)));
    html = readFileSync(file, "utf8");
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    const { rmSync } = await import("node:fs");
    rmSync(join(root, "dist", `.test-playground-${process.pid}`), { recursive: true, force: true });
  });

  const losses = async (page: Page) =>
    JSON.parse((await page.getAttribute("#plot", "data-losses")) ?? "[]") as number[];
  // page functions as strings: the tests compile without the DOM library
  const statusMatches = (re: RegExp) =>
    `${re}.test(document.querySelector("#train-status").textContent)`;

  test("type, see, compile, download, train, stop", async () => {
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/); // all inlined
    await withPage(browser, { "index.html": html }, async (page, log) => {
      // the default cell renders, with its gradient equations
      await page.waitForSelector("#equations .katex");
      expect(await page.$$eval("#gradients .katex", (e) => e.length)).toBeGreaterThan(0);
      // an error as you type, at its line:column
      await page.fill("#cell", "cell bad(x[I]; h[H]) {\n  h' = tanh(U x + )\n}");
      await page.waitForSelector("#error:not([hidden])");
      expect(await page.textContent("#error")).toMatch(/^2:\d+: /);
      expect(await page.isDisabled("#compile")).toBe(true);
      // a typed cell renders and compiles; the module downloads and imports
      await page.fill("#cell", GRU);
      await page.waitForFunction(`document.querySelector("#error").hasAttribute("hidden")`);
      expect(await page.textContent("#cell-name")).toBe("mygru");
      await page.fill("#input-size", "3");
      await page.fill("#hidden-size", "4");
      await page.click("#compile");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click("#download-js"),
      ]);
      expect(download.suggestedFilename()).toBe("mygru.mjs");
      const js = readFileSync((await download.path())!, "utf8");
      const out = await page.evaluate(`(async () => {
        const m = await import(URL.createObjectURL(new Blob([${JSON.stringify(js)}], { type: "text/javascript" })));
        const p = m.params(new Float32Array(m.layout.reduce((a, s) => a + s.size, 0)).fill(0.1));
        return Array.from(m.forward(p, [1, 2, 3, 0, 1, 0], { batch: 1 }).output).length;
      })()`);
      expect(out).toBe(2 * 4); // T = 2 steps × H = 4
      expect(await page.getAttribute("#download-dts", "download")).toBe("mygru.d.ts");
      // training on the adding problem: the loss falls
      await page.fill("#steps", "60");
      await page.fill("#seq-len", "10");
      await page.click("#train");
      await page.waitForFunction(statusMatches(/^done/), null, {
        timeout: 20_000,
      });
      const ls = await losses(page);
      expect(ls).toHaveLength(60);
      const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
      // seeded: the same numbers every run (about 0.28 over the first 10 steps, 0.14 over the last 10)
      expect(mean(ls.slice(-10))).toBeLessThan(0.75 * mean(ls.slice(0, 10)));
      expect(await page.isHidden("#download-model")).toBe(false);
      // names → gender, stopped early
      await page.selectOption("#task", "names-gender");
      await page.fill("#steps", "100000");
      await page.click("#train");
      await page.waitForFunction(statusMatches(/^step \d+/));
      await page.click("#stop");
      await page.waitForFunction(statusMatches(/^stopped/), null, {
        timeout: 20_000,
      });
      const n = (await losses(page)).length;
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThan(100000);
      expect(await page.textContent("#train-status")).toMatch(/accuracy 0\.\d{3}/);
      expect(log.errors).toEqual([]);
    });
  }, 60_000);

  test("offline: opened as a file, it renders and trains", async () => {
    const page = await browser.newPage();
    try {
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector("#equations .katex");
      await page.fill("#steps", "5");
      await page.click("#train");
      await page.waitForFunction(statusMatches(/^done/), null, { timeout: 20_000 });
      expect(await losses(page)).toHaveLength(5);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);
});
