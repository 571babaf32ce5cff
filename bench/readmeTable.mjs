// Prints the README's benchmark tables from bench/results.json (a full `pnpm bench` run), so the
// numbers in the README are exactly the recorded ones: `node bench/readmeTable.mjs [results.json]`.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? new URL("./results.json", import.meta.url);
const r = JSON.parse(readFileSync(file, "utf8"));
const fmt = (v) =>
  v === undefined ? "—" : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toPrecision(3);
const ratio = (v, g) => (v === undefined || g === undefined ? "" : ` (${(v / g).toFixed(2)}×)`);
const find = (cell, config, dtype, mode, impl) =>
  r.results.find(
    (x) =>
      x.cell === cell &&
      x.config === config &&
      x.dtype === dtype &&
      x.mode === mode &&
      x.impl === impl,
  )?.medianMs;

const IMPLS = [
  ["gated-js", "gated (js)"],
  ["torch", "PyTorch CPU"],
  ["hand", "hand-fused JS"],
  ["tfjs-wasm", "TF.js wasm"],
  ["tfjs-cpu", "TF.js cpu"],
];
// results.json from a run that timed k runs back to back per sample (bench/timing.ts) says so
const perSample = r.results.some((x) => x.runsPerSample !== undefined)
  ? " per run; runs under 5 ms timed k back to back per sample, the sample ÷ k"
  : "";
const out = [];
for (const [dtype, mode] of [
  ["float32", "fwd+bwd"],
  ["float32", "fwd"],
  ["float64", "fwd+bwd"],
]) {
  out.push(
    `**${dtype}, ${mode === "fwd" ? "forward" : "forward+backward"}** — median ms (CPU time${perSample}); in brackets, that implementation's time ÷ gated's (wasm):`,
    "",
    `| cell | config | gated (wasm) | ${IMPLS.map((i) => i[1]).join(" | ")} |`,
    `| --- | --- | --- | ${IMPLS.map(() => "---").join(" | ")} |`,
  );
  for (const cell of ["lstm", "gru"])
    for (const config of ["S", "M", "L"]) {
      const g = find(cell, config, dtype, mode, "gated");
      if (g === undefined) continue;
      const cols = IMPLS.map(([impl]) => {
        const v = find(cell, config, dtype, mode, impl);
        return `${fmt(v)}${ratio(v, g)}`;
      });
      out.push(`| ${cell} | ${config} | ${fmt(g)} | ${cols.join(" | ")} |`);
    }
  out.push("");
}
out.push("Targets (issue 8, float32 forward+backward unless named):", "");
for (const t of r.targets) out.push(`- ${t.met ? "met" : "**not met**"}: ${t.what}: ${t.value}`);
const m = r.machine;
out.push(
  "",
  `Run: ${m.date}, ${m.cpu}, ${m.cores} cores, Node ${m.node}, torch ${m.torch?.version ?? "missing"}; 1-minute load average ${m.loadAverage1m?.start} at the start, ${m.loadAverage1m?.end} at the end; ${r.totalSeconds?.toFixed?.(0) ?? "?"} s in all.`,
);
console.log(out.join("\n"));
