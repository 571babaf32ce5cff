// Builds the playground (packages/playground) to dist/playground/index.html: one static page with
// everything inlined (the page script, the training worker's script, KaTeX's CSS with its fonts),
// bundled with esbuild for the browser from the browser-safe core.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "packages/playground/src");

/** Shared esbuild options: the browser, workspace packages from their sources, KaTeX from the CLI's dependencies. */
function browserOptions(entry, extra = {}) {
  return {
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: "browser",
    format: "esm",
    target: "es2022",
    conditions: ["source"],
    alias: { gated: join(root, "packages/cli/src/index.ts") },
    nodePaths: [join(root, "packages/cli/node_modules")],
    // minifyModule's dynamic import of esbuild is never reached in the page
    external: ["esbuild"],
    minify: true,
    legalComments: "none",
    logLevel: "error",
    ...extra,
  };
}

/** KaTeX's stylesheet with its WOFF2 fonts as data URLs (the report's own `katexCss`). */
async function katexStyle(tmp) {
  const out = join(tmp, "katex.mjs");
  await build({
    entryPoints: [join(root, "packages/cli/src/report/katex.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: out,
    conditions: ["source"],
    logLevel: "error",
  });
  const { katexCss } = await import(pathToFileURL(out).href);
  return katexCss();
}

/** Builds the page; returns its path and size. */
export async function buildPlayground(outDir = join(root, "dist/playground")) {
  const tmp = join(root, "dist", `.playground-build-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const worker = await build(browserOptions(join(src, "worker.ts"), { format: "iife" }));
    const main = await build(
      browserOptions(join(src, "main.ts"), {
        define: { WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text) },
      }),
    );
    const page = await build({
      ...browserOptions(join(src, "page.ts")),
      platform: "node",
      minify: false,
    });
    const pageUrl = `data:text/javascript;base64,${Buffer.from(page.outputFiles[0].text).toString("base64")}`;
    const { pageHtml } = await import(pageUrl);
    const html = pageHtml(await katexStyle(tmp), main.outputFiles[0].text);
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, "index.html");
    writeFileSync(file, html);
    return { file, bytes: Buffer.byteLength(html) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { file, bytes } = await buildPlayground();
  process.stdout.write(`wrote ${file} (${(bytes / 1024).toFixed(0)} KiB)\n`);
}
