/** The README's ```ts blocks, in order: run by tests/readme.test.ts and tests/install.test.ts. */
import { readFileSync } from "node:fs";

export const README = new URL("../README.md", import.meta.url);

export function tsBlocks(text: string = readFileSync(README, "utf8")): string[] {
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}
