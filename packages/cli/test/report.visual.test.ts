/**
 * The report as a researcher sees it: rendered in headless Chromium, then checked by bounding
 * boxes — no text overlaps other text or the plot area (so no label covers a curve), no text
 * leaves its SVG, no table cell overflows or wraps, and the page never scrolls sideways. A
 * screenshot goes to $TMPDIR/gated-report-visual.png for a look. Skipped, loudly, without
 * Chromium (/usr/bin/chromium or $CHROMIUM) or playwright-core.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getCell, Model, type Sample } from "@gated/rnn";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { resolveCell } from "../src/cells.js";
import type { EvalPoint, RunResult } from "../src/experiment.js";
import { inspectModel } from "../src/inspect.js";
import { reportHtml } from "../src/report/html.js";
import { summarize } from "../src/summary.js";
import { resolveTask } from "../src/tasks.js";

const chromiumPath = process.env["CHROMIUM"] ?? "/usr/bin/chromium";
let playwright: typeof import("playwright-core") | undefined;
try {
  playwright = await import("playwright-core");
} catch {
  playwright = undefined;
}
const missing = !existsSync(chromiumPath)
  ? `Chromium (${chromiumPath})`
  : !playwright
    ? "playwright-core"
    : undefined;
if (missing) console.warn(`report.visual.test: SKIPPED, ${missing} is not available`);

/** Synthetic learning curves: a decaying MSE per seed, down to tiny values (3.9e-4 ± …). */
function runs(cell: string, seeds: number, floor: number, metric: "mse" | "acc"): RunResult[] {
  return Array.from({ length: seeds }, (_, seed) => {
    const history: EvalPoint[] = Array.from({ length: 21 }, (_, k) => {
      const step = k * 50;
      const v =
        metric === "mse"
          ? 0.17 * Math.exp(-k / (3 + seed)) + floor * (1 + 0.1 * seed)
          : 0.5 + 0.4 * (1 - Math.exp(-k / (4 + seed)));
      return {
        step,
        trainLoss: v * 1.1,
        loss: metric === "mse" ? v : 0.7 - 0.3 * (v - 0.5),
        metric: v,
      };
    });
    return {
      cell,
      seed,
      history,
      steps: 1000,
      completed: true,
      stepsToThreshold: metric === "mse" ? 350 + 50 * seed : null,
      seconds: 123.456 + seed,
      test: { loss: history.at(-1)!.loss, metric: history.at(-1)!.metric * 1.01 },
      params: {},
    };
  });
}

function tokenSamples(n: number, vocab: number): Sample[] {
  let s = 7;
  const r = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => {
    const x = Array.from({ length: 4 + Math.floor(r() * 6) }, () => Math.floor(r() * vocab));
    return { x, y: x[0]! % 2 };
  });
}

function reportFile(): string {
  const adding = resolveTask("adding");
  const gender = resolveTask("names-gender");
  const names = ["lstm", "gru", "peephole_lstm"];
  const cells = names.map(resolveCell);
  const all = [
    ...runs("lstm", 3, 3.92e-4, "mse"),
    ...runs("gru", 3, 2e-3, "mse"),
    ...runs("peephole_lstm", 3, 0.02, "mse"),
  ];
  const config = {
    steps: 1000,
    batch: 32,
    hidden: 32,
    lr: 0.01,
    clip: 1,
    evalEvery: 50,
    checkpointEvery: 100,
    threshold: 0.01,
    seqLen: 100,
    evalSize: 512,
    embed: 16,
    dtype: "float64" as const,
  };
  // a look inside untrained models: the layout is what is under test, not the values
  const chars = "abcdefghij";
  const mk = (cell: string, pool: Model["spec"]["pool"]) =>
    new Model({
      cell: getCell(cell),
      hidden: 24,
      embedding: { vocab: chars.length, dim: 6 },
      pool,
      outputs: 2,
      loss: "cross-entropy",
      seed: 1,
    });
  const val = tokenSamples(48, chars.length);
  const inspections = [
    inspectModel(mk("lstm", { attention: 8 }), val, {
      cell: "lstm",
      seed: 0,
      chars,
      classes: ["female", "male"],
    }),
    inspectModel(mk("peephole_lstm", "max"), val, {
      cell: "peephole_lstm",
      seed: 0,
      chars,
      classes: ["female", "male"],
    }),
  ];
  const html = [
    reportHtml({
      title: "gated compare: adding",
      task: adding,
      config,
      seeds: [0, 1, 2],
      cells,
      runs: all,
      summaries: summarize(names, all),
      partial: false,
      wallSeconds: 370.5,
      command: "gated compare --cells lstm,gru,peephole_lstm --task adding --steps 1000",
      backend: "compiled JavaScript kernels (compileCell)",
      baseline: "predict 1 (loss 0.1667)",
      baselineMetric: 0.1667,
      inspections,
    }),
  ];
  const gRuns = [...runs("lstm", 2, 0, "acc"), ...runs("gru", 2, 0, "acc")];
  html.push(
    reportHtml({
      title: "gated compare: names-gender",
      task: gender,
      config: { ...config, threshold: 0.75 },
      seeds: [0, 1],
      cells: cells.slice(0, 2),
      runs: gRuns,
      summaries: summarize(["lstm", "gru"], gRuns),
      partial: true,
      wallSeconds: 12,
      command: "gated compare --cells lstm,gru --task names-gender",
      backend: "compiled JavaScript kernels (compileCell)",
      baseline: 'always "female"',
      baselineMetric: 0.5655,
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), "gated-visual-"));
  return html
    .map((h, i) => {
      const f = join(dir, `report${i}.html`);
      writeFileSync(f, h);
      return f;
    })
    .join("\n");
}

/** Runs in the page (plain JS: the test is not compiled against the DOM's types). */
const LAYOUT_CHECKS = `(() => {
  const problems = [];
  const box = (e, what) => {
    const r = e.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height, what };
  };
  const overlap = (a, b, pad = 0.5) =>
    a.x + pad < b.x + b.w && b.x + pad < a.x + a.w && a.y + pad < b.y + b.h && b.y + pad < a.y + a.h;
  const inside = (a, b, pad = 1) =>
    a.x >= b.x - pad && a.y >= b.y - pad && a.x + a.w <= b.x + b.w + pad && a.y + a.h <= b.y + b.h + pad;
  document.querySelectorAll("svg.plot").forEach((svg, si) => {
    const name = svg.getAttribute("aria-label") ?? "svg " + si;
    const sb = box(svg, name);
    const texts = [...svg.querySelectorAll("text")].map((t) => box(t, "“" + t.textContent + "” in " + name));
    const area = svg.querySelector("rect.plot-area");
    const ab = area ? box(area, "plot area") : undefined;
    texts.forEach((t, i) => {
      if (!inside(t, sb)) problems.push(t.what + " leaves its SVG");
      if (ab && overlap(t, ab)) problems.push(t.what + " is over the plot area");
      for (const u of texts.slice(i + 1)) if (overlap(t, u)) problems.push(t.what + " overlaps " + u.what);
    });
  });
  document.querySelectorAll("td").forEach((td) => {
    const text = td.textContent ?? "";
    if (td.scrollWidth > td.clientWidth) problems.push("cell “" + text + "” overflows");
    const range = document.createRange();
    range.selectNodeContents(td);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    if (lines.size > 1) problems.push("cell “" + text + "” wraps onto " + lines.size + " lines");
  });
  document.querySelectorAll(".table-wrap").forEach((w) => {
    if (w.scrollWidth > w.clientWidth + 1)
      problems.push("a table needs sideways scrolling (" + w.scrollWidth + " > " + w.clientWidth + ")");
  });
  const de = document.documentElement;
  if (de.scrollWidth > window.innerWidth)
    problems.push("the page scrolls sideways (" + de.scrollWidth + " > " + window.innerWidth + ")");
  return {
    problems,
    svgs: document.querySelectorAll("svg.plot").length,
    cells: document.querySelectorAll("td").length,
    logLabels: [...document.querySelectorAll("svg.plot")]
      .filter((s) => s.textContent.includes("(log scale)"))
      .map((s) => s.querySelectorAll("text[text-anchor=end]").length),
  };
})()`;

interface Found {
  readonly problems: string[];
  readonly svgs: number;
  readonly cells: number;
  readonly logLabels: number[];
}

describe.skipIf(missing !== undefined)("report layout in Chromium", () => {
  let browser: import("playwright-core").Browser;
  let files: string[];
  beforeAll(async () => {
    files = reportFile().split("\n");
    browser = await playwright!.chromium.launch({
      executablePath: chromiumPath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const [k, width] of [
    [0, 1024],
    [0, 800],
    [1, 1024],
  ] as const) {
    test(`report ${k} at ${width}px: no overlap, no overflow, no wrapped number`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto(`file://${files[k]}`);
      const found = (await page.evaluate(LAYOUT_CHECKS)) as Found;
      if (k === 0 && width === 1024)
        await page.screenshot({ path: join(tmpdir(), "gated-report-visual.png"), fullPage: true });
      await page.close();
      expect(found.problems).toEqual([]);
      // the checks ran on real content: curves, heat maps, scatter, gate and confusion tables
      expect(found.svgs).toBeGreaterThanOrEqual(k === 0 ? 6 : 2);
      expect(found.cells).toBeGreaterThan(10);
      // every log axis has enough labelled ticks to read values from
      for (const n of found.logLabels) expect(n).toBeGreaterThanOrEqual(4);
    }, 60_000);
  }
});
