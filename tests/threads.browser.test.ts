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
import { compileCell } from "@gated/codegen";
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
      };
      server = await serve(files);
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await new Promise((ok) => server?.close(ok));
    });

    const open = async (where: "iso" | "plain") => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      try {
        await page.goto(`${origin}/${where}/index.html`);
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
      for (const { dtype, one, many, early, threads } of worker.runs!) {
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
