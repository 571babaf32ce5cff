/** The playground's HTML shell; the build fills in the styles and the script. */
export const MGU_EXAMPLE = `cell mgu(x[I]; h[H]) {
  f  = sigmoid(U_f x + W_f h + b_f)
  n  = tanh(U_n x + W_n (f * h) + b_n)
  h' = (1 - f) * h + f * n
}`;

const CSS = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1180px; padding: 16px; color: #1d1d1f; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 18px 0 6px; }
.cols { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(320px, 1.3fr); gap: 20px; }
textarea { width: 100%; height: 230px; font: 14px/1.4 ui-monospace, monospace; box-sizing: border-box; }
#error { color: #b00020; font-family: ui-monospace, monospace; white-space: pre-wrap; }
.math { overflow-x: auto; }
label { margin-right: 10px; white-space: nowrap; } input[type=number] { width: 72px; }
button { margin-right: 6px; } a[download] { margin-right: 12px; }
svg { border: 1px solid #ddd; background: #fff; }
svg .axis { stroke: #888; } svg .curve { fill: none; stroke: #1565c0; stroke-width: 1.5; }
svg text { font-size: 11px; fill: #444; }
.muted { color: #666; }
`;

export function pageHtml(style: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>gated playground</title>
<style>${CSS}</style>
${style}
</head><body>
<h1>gated playground</h1>
<p class="muted">Write a recurrent cell in the equation syntax; gated derives its gradients, compiles it to a standalone module, and trains it here, in your browser.</p>
<div class="cols">
<section>
<h2>Cell <span id="cell-name" class="muted"></span></h2>
<textarea id="cell" spellcheck="false">${MGU_EXAMPLE}</textarea>
<div id="error" role="alert" hidden></div>
<h2>Compile</h2>
<label>input I <input id="input-size" type="number" min="1" value="8"></label>
<label>hidden H <input id="hidden-size" type="number" min="1" value="16"></label>
<label>dtype <select id="dtype"><option>float32</option><option>float64</option></select></label>
<button id="compile">Compile</button>
<p><a id="download-js" hidden>module (.mjs)</a><a id="download-dts" hidden>types (.d.ts)</a><span id="compile-info" class="muted"></span></p>
<h2>Train</h2>
<label>task <select id="task"><option value="adding">adding problem</option><option value="names-gender">names → gender</option></select></label>
<label>T <input id="seq-len" type="number" min="2" value="20"></label>
<label>steps <input id="steps" type="number" min="1" value="300"></label>
<label>hidden <input id="train-hidden" type="number" min="1" value="16"></label>
<label>lr <input id="lr" type="number" step="0.001" value="0.01"></label>
<p><button id="train">Train</button><button id="stop" disabled>Stop</button> <span id="train-status" class="muted"></span></p>
<svg id="plot" width="560" height="220" viewBox="0 0 560 220" role="img" aria-label="learning curve"></svg>
<p><a id="download-model" hidden>trained model (.mjs, predict())</a></p>
</section>
<section>
<h2>Equations</h2><div id="equations" class="math"></div>
<h2>Gradient equations (one BPTT step)</h2><div id="gradients" class="math"></div>
</section>
</div>
<script type="module">${script.replace(/<\/script/gi, "<\\/script")}</script>
</body></html>
`;
}
