/**
 * Headless Chromium for tests, shared by the suites that run gated in a browser: Debian's
 * /usr/bin/chromium (installed by .ci/run with apt-get) driven by playwright-core, pages served
 * from memory at http://gated.test/ (no server, no network), and an esbuild bundle for the
 * browser that fails on any Node built-in. Nothing is installed at run time: where Chromium is
 * absent, `HAS_CHROMIUM` is false and the suites skip themselves, loudly (`skipWithoutChromium`).
 */
import { existsSync } from "node:fs";
import { build, type Plugin } from "esbuild";
import type { Browser, Page } from "playwright-core";

export const CHROMIUM = process.env.GATED_CHROMIUM ?? "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** The origin pages are served from (intercepted: nothing leaves the browser). */
export const ORIGIN = "http://gated.test";

/** True where the suite must skip; says so on stderr, naming what is missing. */
export function skipWithoutChromium(suite: string): boolean {
  if (!HAS_CHROMIUM)
    console.warn(`SKIPPED ${suite}: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return !HAS_CHROMIUM;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

const NODE_BUILTIN =
  /^(node:|(assert|buffer|child_process|crypto|fs|module|os|path|perf_hooks|process|stream|url|util|v8|vm|worker_threads|zlib)(\/.*)?$)/;

/** Fails the build, naming the importer, when anything imports a Node built-in. */
const noNodeBuiltins: Plugin = {
  name: "no-node-builtins",
  setup(b) {
    b.onResolve({ filter: NODE_BUILTIN }, (args) => ({
      errors: [{ text: `${args.importer} imports the Node built-in "${args.path}"` }],
    }));
  },
};

/**
 * Bundles `entry` for the browser (ES module, workspace packages from their sources); rejects
 * with esbuild's errors, e.g. a Node built-in or an unresolvable import in gated's tree.
 */
export async function bundleForBrowser(entry: string): Promise<string> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: "browser",
    format: "esm",
    target: "es2022",
    conditions: ["source"],
    plugins: [noNodeBuiltins],
    logLevel: "silent",
  });
  return r.outputFiles[0]!.text;
}

/** What a page threw or logged as an error, to fail the test with. */
export interface PageErrors {
  readonly errors: string[];
}

/**
 * Opens `path` (default index.html) of `files`, served from memory at ORIGIN, runs `fn` on the
 * page and closes it. Uncaught page errors and console errors are collected in `errors`.
 */
export async function withPage<T>(
  browser: Browser,
  files: Readonly<Record<string, string | Uint8Array>>,
  fn: (page: Page, log: PageErrors) => Promise<T>,
  path = "index.html",
): Promise<T> {
  const page = await browser.newPage();
  const log: PageErrors = { errors: [] };
  page.on("pageerror", (e) => log.errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") log.errors.push(m.text());
  });
  await page.route(`${ORIGIN}/**`, (route) => {
    const name = new URL(route.request().url()).pathname.slice(1);
    const body = files[name];
    if (body === undefined) return route.fulfill({ status: 404, body: `no ${name}` });
    return route.fulfill({ status: 200, contentType: contentType(name), body: Buffer.from(body) });
  });
  try {
    await page.goto(`${ORIGIN}/${path}`);
    return await fn(page, log);
  } finally {
    await page.close();
  }
}

function contentType(name: string): string {
  if (/\.m?js$/.test(name)) return "text/javascript";
  if (name.endsWith(".html")) return "text/html";
  if (name.endsWith(".json")) return "application/json";
  if (name.endsWith(".wasm")) return "application/wasm";
  if (name.endsWith(".css")) return "text/css";
  return "application/octet-stream";
}

/** A page that runs one ES module script. */
export function modulePage(script = "main.js"): string {
  return `<!doctype html><meta charset="utf-8"><title>gated</title><script type="module" src="${script}"></script>`;
}
