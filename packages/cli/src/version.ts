/**
 * gated's version, read from its package.json: one level above this module in the package
 * (src/ in the workspace, dist/ when installed), or packages/cli/ from the workspace's
 * own bundle (dist/gated.mjs).
 */
import { readFileSync } from "node:fs";

// …or ../../packages/cli/ from a bundle one folder deeper (the CLI tests' dist/.test-cli-PID/)
const CANDIDATES = [
  "../package.json",
  "../packages/cli/package.json",
  "../../packages/cli/package.json",
];

export function gatedVersion(from: string | URL = import.meta.url): string {
  for (const rel of CANDIDATES) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, from), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "gated" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // not there: try the next place
    }
  }
  throw new Error(`gated: no package.json of gated beside ${String(from)}`);
}
