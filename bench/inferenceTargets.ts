/**
 * Issue 15's targets (forward, float32, one thread), from the inference rows: ratios of medians
 * of one run, gated's default backend (wasm) against each runtime.
 */
import type { InferenceRow } from "./inference.js";

export interface InferenceTarget {
  readonly what: string;
  readonly met: boolean;
  readonly value: string;
}

const fmt = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** contender ms / gated-wasm ms (how many times faster gated is), or null when either is missing. */
function speedup(r: InferenceRow, contender: string, gated = "gated-wasm"): number | null {
  const a = r.ms[contender];
  const g = r.ms[gated];
  return typeof a === "number" && typeof g === "number" ? a / g : null;
}

export function inferenceTargets(rows: readonly InferenceRow[]): InferenceTarget[] {
  const out: InferenceTarget[] = [];
  for (const r of rows) {
    if (r.model === undefined && r.cell === "lstm") {
      const web = speedup(r, "ort-web");
      if (web !== null)
        out.push({
          what: `lstm ${r.config} ≥ onnxruntime-web`,
          met: web >= 1,
          value: `ort-web/gated = ${fmt(web)}`,
        });
      const node = speedup(r, "ort-node");
      if (node !== null && r.config !== "S")
        out.push({
          what: `lstm ${r.config} within 3× of onnxruntime-node`,
          met: 1 / node <= 3,
          value: `gated/ort-node = ${fmt(1 / node)}`,
        });
    }
    if (r.model !== undefined) {
      const web = speedup(r, "ort-web");
      const js = speedup(r, "ort-web", "gated-js");
      out.push({
        what: `${r.cell} ${r.config} ≥ 5× onnxruntime-web on our best export (${r.model})`,
        met: web !== null && web >= 5,
        value:
          web === null
            ? `missing (${[r.ms["ort-web"], r.ms["gated-wasm"]].filter((v) => typeof v === "string").join("; ") || "not run"})`
            : `${fmt(web)}× (gated-js ${js === null ? "—" : `${fmt(js)}×`})`,
      });
    }
  }
  return out;
}
