/**
 * KaTeX, server-side: equations become HTML in the report, and the report carries KaTeX's
 * stylesheet inline with its WOFF2 fonts as data URLs, so it renders offline. When the font
 * files cannot be found next to the installed package, the stylesheet is linked from the CDN
 * of the same KaTeX version instead (and the report says so in a comment).
 */

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import katex from "katex";

export function renderTex(tex: string, display = true): string {
  return katex.renderToString(tex, {
    displayMode: display,
    throwOnError: false,
    output: "html",
    strict: "ignore",
  });
}

function katexDir(): string | undefined {
  const bases = [import.meta.url];
  const here = dirname(fileURLToPath(import.meta.url));
  // the bundle lives in dist/; the package (and its katex) in packages/cli
  for (const up of [".", "..", "../.."])
    bases.push(join(resolve(here, up), "packages/cli/package.json"));
  for (const base of bases) {
    try {
      const pkg = createRequire(base).resolve("katex/package.json");
      const dir = dirname(pkg);
      if (existsSync(join(dir, "dist/katex.min.css"))) return dir;
    } catch {
      // try the next base
    }
  }
  return undefined;
}

let cached: string | undefined;

/** A `<style>` (inline, fonts embedded) or `<link>` element for KaTeX's CSS. */
export function katexCss(): string {
  if (cached !== undefined) return cached;
  const dir = katexDir();
  if (!dir) {
    cached = `<!-- KaTeX fonts not found locally: stylesheet linked from the CDN -->\n<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/katex@${katex.version}/dist/katex.min.css">`;
    return cached;
  }
  const css = readFileSync(join(dir, "dist/katex.min.css"), "utf8").replace(
    /src:([^;}]*)/g,
    (_all, srcs: string) => {
      const woff2 = /url\(([^)]+\.woff2)\)/.exec(srcs);
      if (!woff2) return `src:${srcs}`;
      const file = join(dir, "dist", woff2[1]!.replace(/^["']|["']$/g, ""));
      if (!existsSync(file)) return `src:${srcs}`;
      return `src:url(data:font/woff2;base64,${readFileSync(file).toString("base64")}) format("woff2")`;
    },
  );
  cached = `<style>/* KaTeX ${katex.version} (MIT), fonts embedded */\n${css}</style>`;
  return cached;
}
