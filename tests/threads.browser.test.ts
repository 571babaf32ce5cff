/**
 * Kernel threads in a real browser (Debian's Chromium through playwright-core): inside a Web
 * Worker of a cross-origin isolated page (COOP/COEP headers from a local http server; localhost
 * is a secure context), `threads > 1` spawns nested Web Workers from Blob URLs and gives one
 * thread's numbers; on a page's main thread, and without the headers, it is a one-line error
 * saying what to do.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { compileCell, emitModule } from "@gated/codegen";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bundleForBrowser, launchChromium, modulePage, skipWithoutChromium } from "./browser.js";
import { lstm } from "./codegenCells.js";
import { maxRel } from "./codegenCompare.js";
import type { ThreadCase } from "./fixtures/threadsCase.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/** Serves `files` at /iso/ with the COOP/COEP headers and at /plain/ without them. */
function serve(files: Record<string, string>): Promise<Server> {
  const server = createServer((req, res) => {
    const [, where, name] = /^\/(iso|plain)\/(.*)$/.exec(req.url ?? "") ?? [];
    const body = name === undefined ? undefined : files[name];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const type = name!.endsWith(".html") ? "text/html" : "text/javascript";
    res.writeHead(200, { "Content-Type": type, ...(where === "iso" ? ISOLATION : {}) });
    res.end(body);
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

const MODULE_OPTS = { inputSize: 3, hiddenSize: 4, dtype: "float32", backend: "wasm" } as const;
/** The page: starts modworker.js and leaves its message on the window. */
const MODULE_PAGE = `const w = new Worker("modworker.js", { type: "module" });
w.onmessage = (e) => { globalThis.gatedWorker = e.data; };
w.onerror = (e) => { globalThis.gatedWorker = { error: "worker failed: " + e.message }; };`;
/** A module worker: the emitted module's forward/backward with one thread and with threads(2). */
const MODULE_WORKER = `import * as k from "./kernel.mjs";
const T = 4, B = 6, I = 3, H = 4;
const x = Float32Array.from({ length: T * B * I }, (_, i) => Math.sin(i));
const cot = { output: Float32Array.from({ length: T * B * H }, (_, i) => Math.cos(i)) };
const p = k.params(Float32Array.from({ length: k.params().data.length }, (_, i) => Math.sin(i / 3) / 2));
const run = (m) => { const r = m.forward(p, x, { batch: B }); const g = m.backward(r, cot);
  return { output: Array.from(r.output), dx: Array.from(g.input), dParams: Array.from(g.params.data) }; };
try {
  const t = k.threads(2);
  await t.ready();
  postMessage({ isolated: crossOriginIsolated, one: run(k), many: run(t) });
  await t.close();
} catch (e) { postMessage({ isolated: crossOriginIsolated, error: e.message }); }`;

interface WorkerResult {
  isolated: boolean;
  error?: string;
  runs?: {
    backend: string;
    dtype: string;
    threads: number;
    one: ThreadCase;
    many: ThreadCase;
    early: ThreadCase;
    local: number;
  }[];
}

describe.skipIf(skipWithoutChromium("threads.browser.test.ts (kernel threads in Chromium)"))(
  "kernel threads in headless Chromium",
  () => {
    let browser: Browser;
    let server: Server;
    let origin: string;
    beforeAll(async () => {
      const files = {
        "index.html": modulePage("main.js"),
        "main.js": await bundleForBrowser(here("fixtures/threadsPage.ts")),
        "worker.js": await bundleForBrowser(here("fixtures/threadsWorker.ts")),
        // an emitted module with threads, and a module worker that uses it
        "kernel.mjs": emitModule(compileCell(lstm(), MODULE_OPTS), { threads: true }),
        "module.html": `<!doctype html><meta charset="utf-8"><script type="module">${MODULE_PAGE}</script>`,
        "modworker.js": MODULE_WORKER,
      };
      server = await serve(files);
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await new Promise((ok) => server?.close(ok));
    });

    const open = async (where: "iso" | "plain", file = "index.html") => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      try {
        await page.goto(`${origin}/${where}/${file}`);
        await page.waitForFunction(() => "gatedWorker" in globalThis, null, { timeout: 60_000 });
        return {
          errors,
          ...(await page.evaluate(() => {
            const g = globalThis as { gatedMain?: string; gatedWorker?: WorkerResult };
            return { main: g.gatedMain!, worker: g.gatedWorker! };
          })),
        };
      } finally {
        await page.close();
      }
    };

    test("in a cross-origin isolated worker, threads give one thread's numbers", async () => {
      const { errors, main, worker } = await open("iso");
      expect(errors).toEqual([]);
      expect(main).toMatch(
        /^compileCell "lstm": threads > 1 cannot run on a page's main thread .*run the kernel in a Web Worker/,
      );
      expect(worker.error).toBeUndefined();
      expect(worker.isolated).toBe(true);
      expect(worker.runs!.map((r) => r.backend)).toContain("wasm");
      for (const { dtype, one, many, early, threads, local } of worker.runs!) {
        // the first call came before the nested workers had loaded the kernel: it ran here
        expect(local).toBeGreaterThan(0);
        for (const got of [many, early]) {
          // rows are computed by the same code on the same values: bitwise
          for (const key of ["output", "finalH", "finalC", "dx", "dh0"] as const)
            expect(got[key]).toEqual(one[key]);
          // parameter gradients: the slices' sums, within (N + 1)·u relative
          const u = dtype === "float64" ? 2 ** -53 : 2 ** -24;
          expect(maxRel(got.dParams, one.dParams)).toBeLessThanOrEqual(8 * (threads + 1) * u);
        }
        // deterministic for a given N, whether a slice ran in its worker or here
        expect(early).toEqual(many);
      }
    }, 120_000);

    test("an emitted module's threads(2) in a module worker gives its one-thread numbers", async () => {
      const { errors, worker } = await open("iso", "module.html");
      expect(errors).toEqual([]);
      const w = worker as unknown as {
        isolated: boolean;
        error?: string;
        one: Record<string, number[]>;
        many: Record<string, number[]>;
      };
      expect(w.error).toBeUndefined();
      expect(w.isolated).toBe(true);
      expect(w.many["output"]).toEqual(w.one["output"]);
      expect(w.many["dx"]).toEqual(w.one["dx"]);
      expect(maxRel(w.many["dParams"]!, w.one["dParams"]!)).toBeLessThanOrEqual(8 * 3 * 2 ** -24);
    }, 120_000);

    test("without COOP/COEP headers, threads > 1 says which headers it needs", async () => {
      const { worker } = await open("plain");
      expect(worker.isolated).toBe(false);
      expect(worker.error).toMatch(
        /^compileCell "lstm": threads > 1 needs SharedArrayBuffer, .*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp$/,
      );
    }, 120_000);

    // Chromium's V8 and Node's may differ in the last bit of Math.exp/tanh: close, not bitwise
    test("Node's one-thread kernel gives the browser's numbers", async () => {
      const { worker } = await open("iso");
      const { threadCase } = await import("./fixtures/threadsCase.js");
      for (const r of worker.runs!) {
        const k = compileCell(lstm(), {
          inputSize: 3,
          hiddenSize: 4,
          backend: r.backend as "js" | "wasm",
          dtype: r.dtype as "float32",
        });
        const want = threadCase(k);
        const tol = r.dtype === "float64" ? 1e-12 : 1e-5;
        for (const key of Object.keys(want) as (keyof ThreadCase)[])
          expect(maxRel(r.one[key], want[key])).toBeLessThanOrEqual(tol);
      }
    }, 120_000);
  },
);
