/**
 * Minifying an emitted module (the kernel text itself is assembled in kernel/module.ts).
 */
/** The package minifyModule imports; a variable, so that bundlers leave the Node-only import alone. */
const ESBUILD = "esbuild";

/**
 * The module minified with esbuild, an optional dependency imported only when asked for; without
 * it, a one-line error saying how to install it.
 */
export async function minifyModule(source: string): Promise<string> {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import(/* @vite-ignore */ ESBUILD);
  } catch {
    throw new Error("minifying needs esbuild, which is not installed: npm install esbuild");
  }
  const r = await esbuild.transform(source, { minify: true, format: "esm", target: "es2020" });
  return r.code;
}
