/** Runs the CLI in-process with stdout and stderr captured (nothing reaches the terminal). */
import { run } from "../src/main.js";

export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const w = process.stderr.write;
  const o = process.stdout.write;
  let err = "";
  let out = "";
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof w;
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof o;
  try {
    return { code: await run(args), out, err };
  } finally {
    process.stderr.write = w;
    process.stdout.write = o;
  }
}
