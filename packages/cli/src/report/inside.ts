/**
 * The report's "look inside" a trained cell (see ../inspect.ts for the numbers): a table of
 * per-gate statistics, Karpathy et al.'s saturation scatter for σ gates (one point per unit),
 * heat maps of the cell state over time, attention strips over the input characters, and for
 * classification the confusion matrix with per-class accuracy.
 */
import type { AttentionMap, Confusion, GateStat, Inspection, StateMap } from "../inspect.js";
import { sig } from "../summary.js";
import { esc, fmtTick, PALETTE, textWidth } from "./svg.js";

const pct = (v: number | undefined) => (v === undefined ? "–" : `${(100 * v).toFixed(1)}%`);

function gateTable(gates: readonly GateStat[]): string {
  const head = ["value", "kind", "mean", "std", "min", "max", "< 0.1", "> 0.9", "|v| > 0.9"];
  const rows = gates.map((g) => [
    g.name,
    g.kind === "sigmoid" ? "σ gate" : g.kind === "tanh" ? "tanh" : "other",
    sig(g.mean, 3),
    sig(g.std, 2),
    sig(g.min, 3),
    sig(g.max, 3),
    pct(g.below01),
    pct(g.above09),
    pct(g.saturated),
  ]);
  return `<div class="table-wrap"><table class="gates"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table></div>`;
}

/** Per-unit saturation of the σ gates: x = fraction > 0.9, y = fraction < 0.1. */
export function saturationSvg(gates: readonly GateStat[], title: string): string {
  const sg = gates.filter((g) => g.units);
  if (sg.length === 0) return "";
  const legendW = Math.max(...sg.map((g) => textWidth(`${g.name} gate`)));
  const m = { left: 56, right: Math.ceil(legendW) + 48, top: 34, bottom: 46 };
  const S = 260;
  const W = Math.ceil(Math.max(m.left + S + m.right, m.left + textWidth(title, 13) + 8));
  const H = m.top + S + m.bottom;
  const sx = (v: number) => m.left + v * S;
  const sy = (v: number) => m.top + S - v * S;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="${esc(title)}">`,
    `<text x="${m.left}" y="18" font-size="13" font-weight="600">${esc(title)}</text>`,
    `<rect class="plot-area" x="${m.left}" y="${m.top}" width="${S}" height="${S}" fill="none" stroke="#333"/>`,
  ];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(
      `<line x1="${sx(t)}" x2="${sx(t)}" y1="${m.top}" y2="${m.top + S}" stroke="#eee"/>`,
      `<line x1="${m.left}" x2="${m.left + S}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`,
      `<text x="${sx(t)}" y="${m.top + S + 16}" text-anchor="middle">${fmtTick(t)}</text>`,
      `<text x="${m.left - 6}" y="${sy(t) + 4}" text-anchor="end">${fmtTick(t)}</text>`,
    );
  }
  out.push(
    `<text x="${m.left + S / 2}" y="${H - 8}" text-anchor="middle">fraction of steps &gt; 0.9 (right-saturated)</text>`,
    `<text transform="translate(14 ${m.top + S / 2}) rotate(-90)" text-anchor="middle">fraction &lt; 0.1 (left-saturated)</text>`,
  );
  sg.forEach((g, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    g.units!.above09.forEach((x, u) => {
      out.push(
        `<circle cx="${sx(x).toFixed(1)}" cy="${sy(g.units!.below01[u]!).toFixed(1)}" r="3" fill="${color}" fill-opacity="0.75"><title>${esc(g.name)} unit ${u}</title></circle>`,
      );
    });
    const y = m.top + 10 + i * 18;
    const x = m.left + S + 14;
    out.push(
      `<circle cx="${x + 6}" cy="${y}" r="4" fill="${color}"/>`,
      `<text class="legend" x="${x + 16}" y="${y + 4}">${esc(g.name)} gate</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}

/** Diverging colour for v in [−1, 1]: blue (negative), white (0), red (positive). */
function diverging(v: number): string {
  const a = Math.max(-1, Math.min(1, v));
  const [r, g, b] = a >= 0 ? [214, 39, 40] : [31, 119, 180];
  const t = Math.abs(a);
  const mix = (c: number) => Math.round(255 + (c - 255) * t);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

/** A heat map of one state over time: columns are steps (labelled by input character), rows units. */
export function stateHeatmapSvg(map: StateMap, title: string): string {
  const T = map.values.length;
  const U = map.values[0]?.length ?? 0;
  const cw = Math.max(4, Math.min(22, Math.floor(560 / Math.max(1, T))));
  const ch = Math.max(3, Math.min(14, Math.floor(220 / Math.max(1, U))));
  const every = cw >= 10 ? 1 : Math.ceil(24 / cw);
  const uEvery = ch >= 12 ? 1 : Math.ceil(12 / ch);
  const m = { left: 52, right: 92, top: 34, bottom: 44 };
  const W = m.left + T * cw + m.right;
  const H = m.top + U * ch + m.bottom;
  const absMax = Math.max(1e-12, ...map.values.flat().map(Math.abs));
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot heatmap" viewBox="0 0 ${Math.max(W, textWidth(title, 13) + m.left)} ${H}" width="${Math.max(W, textWidth(title, 13) + m.left)}" height="${H}" font-family="system-ui, sans-serif" font-size="10" role="img" aria-label="${esc(title)}">`,
    `<text x="${m.left}" y="18" font-size="13" font-weight="600">${esc(title)}</text>`,
    `<rect class="plot-area" x="${m.left}" y="${m.top}" width="${T * cw}" height="${U * ch}" fill="none" stroke="none"/>`,
  ];
  map.values.forEach((row, t) =>
    row.forEach((v, u) =>
      out.push(
        `<rect x="${m.left + t * cw}" y="${m.top + u * ch}" width="${cw}" height="${ch}" fill="${diverging(v / absMax)}"><title>step ${t + 1} (${esc(map.tokens[t] ?? "")}), unit ${u}: ${sig(v, 3)}</title></rect>`,
      ),
    ),
  );
  for (let t = 0; t < T; t += every) {
    const tok = map.tokens[t] ?? String(t + 1);
    out.push(
      `<text x="${m.left + t * cw + cw / 2}" y="${m.top + U * ch + 13}" text-anchor="middle">${esc(tok === " " ? "␣" : tok)}</text>`,
    );
  }
  for (let u = 0; u < U; u += uEvery)
    out.push(
      `<text x="${m.left - 5}" y="${m.top + u * ch + ch / 2 + 3.5}" text-anchor="end">${u}</text>`,
    );
  out.push(
    `<text x="${m.left + (T * cw) / 2}" y="${H - 8}" text-anchor="middle">input step${every === 1 && map.tokens.some((k) => !/^\d+$/.test(k)) ? " (character)" : ""}</text>`,
    `<text transform="translate(12 ${m.top + (U * ch) / 2}) rotate(-90)" text-anchor="middle">unit</text>`,
  );
  // colour bar
  const bx = m.left + T * cw + 18;
  const bh = Math.max(60, Math.min(U * ch, 160));
  for (let k = 0; k < 20; k++)
    out.push(
      `<rect x="${bx}" y="${(m.top + (k * bh) / 20).toFixed(1)}" width="12" height="${(bh / 20 + 0.5).toFixed(1)}" fill="${diverging(1 - (2 * k) / 19)}"/>`,
    );
  out.push(
    `<text class="legend" x="${bx + 16}" y="${m.top + 8}">${sig(absMax, 2)}</text>`,
    `<text class="legend" x="${bx + 16}" y="${m.top + bh / 2 + 3}">0</text>`,
    `<text class="legend" x="${bx + 16}" y="${m.top + bh}">${sig(-absMax, 2)}</text>`,
  );
  out.push("</svg>");
  return out.join("\n");
}

function attentionHtml(maps: readonly AttentionMap[]): string {
  const rows = maps.map((a) => {
    const top = a.weights.indexOf(Math.max(...a.weights));
    const toks = a.tokens
      .map((t, i) => {
        const w = a.weights[i]!;
        const alpha = 0.85 * Math.min(1, w / Math.max(...a.weights));
        const ink = alpha > 0.5 ? "#fff" : "#222";
        return `<span class="tok${i === top ? " top" : ""}" style="background: rgba(66,105,208,${alpha.toFixed(3)}); color: ${ink}" title="weight ${sig(w, 3)}">${esc(t === " " ? "␣" : t)}</span>`;
      })
      .join("");
    const label = [
      a.target !== undefined ? `true ${esc(a.target)}` : "",
      a.predicted !== undefined ? `predicted ${esc(a.predicted)}` : "",
    ]
      .filter(Boolean)
      .join(", ");
    return `<div class="attn-row"><span class="attn">${toks}</span> <small>max weight ${sig(a.weights[top]!, 2)} on “${esc(a.tokens[top]!)}” (uniform: ${sig(1 / a.weights.length, 2)})${label ? `; ${label}` : ""}</small></div>`;
  });
  return `<div class="attention">${rows.join("\n")}</div>`;
}

export function confusionHtml(c: Confusion): string {
  const max = Math.max(1, ...c.counts.flat());
  const head = `<tr><th>true \\ predicted</th>${c.classes.map((k) => `<th>${esc(k)}</th>`).join("")}<th>examples</th><th>accuracy</th></tr>`;
  const body = c.counts
    .map((row, i) => {
      const cells = row
        .map((n, j) => {
          const a = (0.08 + (0.6 * n) / max).toFixed(3);
          const color =
            i === j ? `rgba(60,169,81,${a})` : n > 0 ? `rgba(255,114,92,${a})` : "transparent";
          return `<td style="background: ${color}">${n}</td>`;
        })
        .join("");
      const p = c.perClass[i]!;
      return `<tr><th>${esc(c.classes[i]!)}</th>${cells}<td>${p.count}</td><td>${Number.isNaN(p.accuracy) ? "–" : sig(p.accuracy, 3)}</td></tr>`;
    })
    .join("");
  return `<div class="table-wrap"><table class="confusion"><thead>${head}</thead><tbody>${body}</tbody></table></div>
<p class="note">Rows: true class; columns: predicted class; ${c.examples} validation examples, accuracy ${sig(c.accuracy, 3)}. Per-class accuracy is the recall of that class.</p>`;
}

/** The whole section for one inspected run. */
export function insideHtml(ins: Inspection): string {
  const parts = [
    `<section class="inside"><h3>${esc(ins.cell)} <small>seed ${ins.seed}, ${ins.examples} validation examples</small></h3>`,
    `<h4>Gate activations</h4>`,
    gateTable(ins.gates),
    `<p class="note">Every named value of the step, over all valid steps and units of the examples. A σ gate is left-saturated below 0.1 and right-saturated above 0.9 (Karpathy, Johnson &amp; Fei-Fei 2015, “Visualizing and understanding recurrent networks”).</p>`,
    saturationSvg(ins.gates, `${ins.cell}: saturation of the σ gates, one point per unit`),
    `<h4>Cell state over time</h4>`,
    ...ins.states.map((s) => {
      // character inputs: the example's text in the title
      const text = s.tokens.some((t) => !/^\d+$/.test(t)) ? ` “${s.tokens.join("")}”` : "";
      return stateHeatmapSvg(
        s,
        `${ins.cell}: ${s.state} over time, example ${s.example + 1}${text}`,
      );
    }),
  ];
  if (ins.attention?.length)
    parts.push(
      `<h4>Attention over the input</h4>`,
      `<p class="note">Each character shaded by its attention weight relative to the largest (outlined: the step that weighed most in the pooled state).</p>`,
      attentionHtml(ins.attention),
    );
  if (ins.confusion) parts.push(`<h4>Confusion matrix</h4>`, confusionHtml(ins.confusion));
  parts.push("</section>");
  return parts.join("\n");
}
