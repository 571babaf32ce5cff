/**
 * Learning curves as a standalone SVG: x = training step, y = a metric (linear or log scale),
 * one line per cell (mean over seeds) with a band (mean ± std, clipped to the observed range),
 * axes with "nice" ticks, a legend, and an optional horizontal threshold line.
 */
export interface Series {
  readonly label: string;
  /** One curve per seed: points [step, value]; seeds share their steps. */
  readonly runs: readonly (readonly (readonly [number, number])[])[];
}

export interface PlotOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly yScale?: "linear" | "log";
  readonly threshold?: number;
  /** A trivial predictor's score, drawn as a dotted reference line. */
  readonly baseline?: number;
  readonly width?: number;
  readonly height?: number;
}

const PALETTE = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
];

export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Mean, and mean ± std, across runs at each step shared by all runs. */
export function aggregate(
  runs: Series["runs"],
): { step: number; mean: number; lo: number; hi: number }[] {
  if (runs.length === 0) return [];
  const n = Math.min(...runs.map((r) => r.length));
  const out = [];
  for (let i = 0; i < n; i++) {
    const vals = runs.map((r) => r[i]![1]).filter(Number.isFinite);
    if (vals.length === 0) continue;
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
    out.push({
      step: runs[0]![i]![0],
      mean,
      lo: Math.max(Math.min(...vals), mean - sd),
      hi: Math.min(Math.max(...vals), mean + sd),
    });
  }
  return out;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

function linearTicks(lo: number, hi: number, count: number): number[] {
  if (hi <= lo) return [lo];
  const s = niceStep(hi - lo, count);
  const ticks = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + s * 1e-9; v += s)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function fmtTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace("e+", "e");
  return String(Number(v.toPrecision(4)));
}

export function plotSvg(series: readonly Series[], opts: PlotOptions): string {
  const W = opts.width ?? 720;
  const H = opts.height ?? 400;
  const m = { left: 64, right: 150, top: 36, bottom: 48 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const log = opts.yScale === "log";
  const aggs = series.map((s) => aggregate(s.runs));
  const pts = aggs.flat();
  const xs = pts.map((p) => p.step);
  let ys = pts
    .flatMap((p) => [p.lo, p.hi, p.mean])
    .filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (opts.threshold !== undefined) ys = ys.concat(opts.threshold);
  if (opts.baseline !== undefined) ys = ys.concat(opts.baseline);
  const xMin = 0;
  const xMax = Math.max(1, ...xs);
  let yMin = ys.length ? Math.min(...ys) : 0;
  let yMax = ys.length ? Math.max(...ys) : 1;
  if (log) {
    yMin = 10 ** Math.floor(Math.log10(yMin || 1e-6));
    yMax = 10 ** Math.ceil(Math.log10(yMax || 1));
    if (yMax <= yMin) yMax = yMin * 10;
  } else {
    const pad = (yMax - yMin || 1) * 0.05;
    yMin = yMin >= 0 && yMin - pad < 0 ? 0 : yMin - pad;
    yMax += pad;
  }
  const sx = (x: number) => m.left + ((x - xMin) / (xMax - xMin)) * pw;
  const ty = (y: number) => (log ? Math.log10(Math.max(y, yMin)) : y);
  const sy = (y: number) => m.top + ph - ((ty(y) - ty(yMin)) / (ty(yMax) - ty(yMin))) * ph;
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="${esc(opts.title)}">`,
  );
  out.push(`<text x="${m.left}" y="20" font-size="13" font-weight="600">${esc(opts.title)}</text>`);
  // grid and ticks
  const yTicks = log
    ? Array.from({ length: Math.round(Math.log10(yMax / yMin)) + 1 }, (_, i) => yMin * 10 ** i)
    : linearTicks(yMin, yMax, 6);
  for (const t of yTicks) {
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e5e5e5"/>`,
    );
    out.push(`<text x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${fmtTick(t)}</text>`);
  }
  for (const t of linearTicks(xMin, xMax, 8)) {
    out.push(
      `<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${m.top + ph}" y2="${m.top + ph + 5}" stroke="#333"/>`,
    );
    out.push(
      `<text x="${f(sx(t))}" y="${m.top + ph + 18}" text-anchor="middle">${fmtTick(t)}</text>`,
    );
  }
  out.push(
    `<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}" stroke="#333"/>`,
  );
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}" stroke="#333"/>`);
  out.push(
    `<text x="${m.left + pw / 2}" y="${H - 8}" text-anchor="middle">${esc(opts.xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}${log ? " (log scale)" : ""}</text>`,
  );
  if (opts.threshold !== undefined) {
    const y = f(sy(opts.threshold));
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="#888" stroke-dasharray="4 3"/>`,
    );
    out.push(
      `<text x="${m.left + pw - 2}" y="${Number(y) - 4}" text-anchor="end" fill="#666">threshold ${fmtTick(opts.threshold)}</text>`,
    );
  }
  if (opts.baseline !== undefined) {
    const y = f(sy(opts.baseline));
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="#888" stroke-dasharray="1 3"/>`,
    );
    out.push(
      `<text x="${m.left + 4}" y="${Number(y) - 4}" fill="#666">trivial baseline ${fmtTick(opts.baseline)}</text>`,
    );
  }
  aggs.forEach((agg, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    if (agg.length === 0) return;
    if (series[i]!.runs.length > 1) {
      const upper = agg.map((p) => `${f(sx(p.step))},${f(sy(p.hi))}`);
      const lower = agg.map((p) => `${f(sx(p.step))},${f(sy(p.lo))}`).reverse();
      out.push(
        `<polygon points="${upper.concat(lower).join(" ")}" fill="${color}" fill-opacity="0.18" stroke="none"/>`,
      );
    }
    out.push(
      `<polyline points="${agg.map((p) => `${f(sx(p.step))},${f(sy(p.mean))}`).join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
  });
  series.forEach((s, i) => {
    const y = m.top + 10 + i * 18;
    const x = m.left + pw + 14;
    out.push(
      `<line x1="${x}" x2="${x + 18}" y1="${y}" y2="${y}" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="3"/>`,
    );
    out.push(`<text x="${x + 24}" y="${y + 4}">${esc(s.label)}</text>`);
  });
  if (series.some((s) => s.runs.length > 1)) {
    out.push(
      `<text x="${m.left + pw + 14}" y="${m.top + 14 + series.length * 18}" fill="#666">band: mean ± std</text>`,
    );
  }
  out.push(`</svg>`);
  return out.join("\n");
}
