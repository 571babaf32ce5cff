/**
 * Learning curves as a standalone SVG: x = training step, y = a metric (linear or log scale),
 * one line per cell (mean over seeds) with a band (mean ± std, clipped to the observed range),
 * axes with "nice" ticks (a log axis labels 1-2-5 or every decade with minor ticks), and
 * optional threshold and baseline lines. Every label sits outside the plot area (reference
 * lines are named in the legend), so no text covers a curve.
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

export const PALETTE = [
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

export function linearTicks(lo: number, hi: number, count: number): number[] {
  if (hi <= lo) return [lo];
  const s = niceStep(hi - lo, count);
  const ticks = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + s * 1e-9; v += s)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const clean = (v: number) => Number(v.toPrecision(12));

/**
 * A log axis: its domain (rounded out to 1-2-5 values) and ticks at 1…9 × 10^k. Up to two
 * decades 1, 2 and 5 are labelled (every tick under 0.7 decades); wider spans label every
 * decade, the others are unlabelled minor ticks.
 */
export function logAxis(
  lo: number,
  hi: number,
): { min: number; max: number; ticks: { v: number; label: boolean }[] } {
  const safeLo = lo > 0 && Number.isFinite(lo) ? lo : 1e-6;
  const safeHi = hi > safeLo && Number.isFinite(hi) ? hi : safeLo * 10;
  const steps = [1, 2, 5];
  const floor125 = (v: number) => {
    const d = 10 ** Math.floor(Math.log10(v) + 1e-12);
    const m = [...steps].reverse().find((k) => k * d <= v * (1 + 1e-12)) ?? 1;
    return clean(m * d);
  };
  const ceil125 = (v: number) => {
    const d = 10 ** Math.floor(Math.log10(v) - 1e-12);
    const m = [...steps, 10].find((k) => k * d >= v * (1 - 1e-12)) ?? 10;
    return clean(m * d);
  };
  let min = floor125(safeLo);
  let max = ceil125(safeHi);
  if (max <= min) max = ceil125(min * 1.5);
  const decades = Math.log10(max / min);
  const ticks: { v: number; label: boolean }[] = [];
  const d0 = Math.floor(Math.log10(min) + 1e-12);
  const d1 = Math.ceil(Math.log10(max) - 1e-12);
  if (decades > 2) {
    min = clean(10 ** d0);
    max = clean(10 ** d1);
  }
  for (let d = d0; d <= d1; d++) {
    for (let k = 1; k <= 9; k++) {
      const v = clean(k * 10 ** d);
      if (v < min * (1 - 1e-9) || v > max * (1 + 1e-9)) continue;
      // narrow spans label every value, up to two decades 1-2-5, wider spans the decades
      const label = decades > 2 ? k === 1 : decades < 0.7 || steps.includes(k);
      ticks.push({ v, label });
    }
  }
  return { min, max, ticks };
}

/** A tick label: at most 3 significant digits, exponent form for very large or small values. */
export function fmtTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace("e+", "e").replace("-", "−");
  return String(Number(v.toPrecision(3)));
}

/** Approximate width of SVG text at 11px system-ui (for layout; the visual test checks it). */
export function textWidth(s: string, size = 11): number {
  return [...s].length * size * 0.6;
}

export function plotSvg(series: readonly Series[], opts: PlotOptions): string {
  const W = opts.width ?? 720;
  const H = opts.height ?? 400;
  const log = opts.yScale === "log";
  // reference lines and the band note go in the legend, beside the plot: no label over a curve
  const legend: { label: string; stroke: string; dash?: string; width: number }[] = series.map(
    (s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length]!, width: 3 }),
  );
  if (opts.threshold !== undefined)
    legend.push({
      label: `threshold ${fmtTick(opts.threshold)}`,
      stroke: "#888",
      dash: "4 3",
      width: 1.5,
    });
  if (opts.baseline !== undefined)
    legend.push({
      label: `trivial baseline ${fmtTick(opts.baseline)}`,
      stroke: "#888",
      dash: "1 3",
      width: 1.5,
    });
  const band = series.some((s) => s.runs.length > 1);
  const legendW = Math.max(
    ...legend.map((l) => textWidth(l.label)),
    band ? textWidth("band: mean ± std") : 0,
  );
  const m = { left: 64, right: Math.max(120, Math.ceil(legendW) + 48), top: 36, bottom: 48 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
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
  let yTicks: { v: number; label: boolean }[];
  if (log) {
    const ax = logAxis(yMin, yMax);
    yMin = ax.min;
    yMax = ax.max;
    yTicks = ax.ticks;
  } else {
    const pad = (yMax - yMin || 1) * 0.05;
    yMin = yMin >= 0 && yMin - pad < 0 ? 0 : yMin - pad;
    yMax += pad;
    yTicks = linearTicks(yMin, yMax, 6).map((v) => ({ v, label: true }));
  }
  const sx = (x: number) => m.left + ((x - xMin) / (xMax - xMin)) * pw;
  const ty = (y: number) => (log ? Math.log10(Math.max(y, yMin)) : y);
  const sy = (y: number) => m.top + ph - ((ty(y) - ty(yMin)) / (ty(yMax) - ty(yMin))) * ph;
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="${esc(opts.title)}">`,
  );
  out.push(`<text x="${m.left}" y="20" font-size="13" font-weight="600">${esc(opts.title)}</text>`);
  out.push(
    `<rect class="plot-area" x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="none"/>`,
  );
  for (const t of yTicks) {
    const y = f(sy(t.v));
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="${t.label ? "#e0e0e0" : "#f2f2f2"}"/>`,
    );
    out.push(
      `<line x1="${m.left - (t.label ? 5 : 3)}" x2="${m.left}" y1="${y}" y2="${y}" stroke="#333"/>`,
    );
    if (t.label)
      out.push(
        `<text x="${m.left - 7}" y="${f(sy(t.v) + 4)}" text-anchor="end">${fmtTick(t.v)}</text>`,
      );
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
  for (const [v, dash] of [
    [opts.threshold, "4 3"],
    [opts.baseline, "1 3"],
  ] as const) {
    if (v === undefined) continue;
    const y = f(sy(v));
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="#888" stroke-dasharray="${dash}"/>`,
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
  const lx = m.left + pw + 14;
  legend.forEach((l, i) => {
    const y = m.top + 10 + i * 18;
    out.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${y}" y2="${y}" stroke="${l.stroke}" stroke-width="${l.width}"${l.dash ? ` stroke-dasharray="${l.dash}"` : ""}/>`,
    );
    out.push(`<text class="legend" x="${lx + 24}" y="${y + 4}">${esc(l.label)}</text>`);
  });
  if (band) {
    out.push(
      `<text class="legend" x="${lx}" y="${m.top + 14 + legend.length * 18}" fill="#666">band: mean ± std</text>`,
    );
  }
  out.push(`</svg>`);
  return out.join("\n");
}
