/**
 * The playground page: write a cell in the equation syntax and see it rendered with its derived
 * gradient equations (KaTeX), or the error at its line:column, as you type; compile it and
 * download the standalone module and its .d.ts; train it on the adding problem or names →
 * gender in a Web Worker with a live learning curve and a stop button.
 */

import {
  type Cell,
  cellGradientLatex,
  cellLatex,
  compileCell,
  emitModule,
  emitTypes,
  layoutSize,
  parseCell,
} from "gated";
import katex from "katex";
import type { TrainRequest } from "./worker.js";

/** The worker's bundled source, inlined by the build (a Blob worker also runs from file://). */
declare const WORKER_SOURCE: string;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const cellText = $<HTMLTextAreaElement>("cell");
const error = $("error");
let current: Cell | undefined;

function tex(latex: string): string {
  return katex.renderToString(latex, { displayMode: true, throwOnError: false, output: "html" });
}

/** Parses the text; renders the equations and gradients, or the error with its line:column. */
function update(): void {
  try {
    const cell = parseCell(cellText.value);
    current = cell;
    error.textContent = "";
    error.hidden = true;
    $("equations").innerHTML = tex(cellLatex(cell));
    $("gradients").innerHTML = tex(cellGradientLatex(cell));
    $("cell-name").textContent = cell.name;
  } catch (e) {
    current = undefined;
    error.textContent = (e as Error).message.split("\n")[0]!;
    error.hidden = false;
  }
  for (const id of ["compile", "train"]) $<HTMLButtonElement>(id).disabled = !current;
}

let timer: ReturnType<typeof setTimeout> | undefined;
cellText.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(update, 120);
});

const urls: string[] = [];
function offer(id: string, text: string, name: string, type: string): void {
  const a = $<HTMLAnchorElement>(id);
  const url = URL.createObjectURL(new Blob([text], { type }));
  urls.push(url);
  a.href = url;
  a.download = name;
  a.hidden = false;
}

$("compile").addEventListener("click", () => {
  if (!current) return;
  const num = (id: string) => Number($<HTMLInputElement>(id).value);
  try {
    const k = compileCell(current, {
      inputSize: num("input-size"),
      hiddenSize: num("hidden-size"),
      dtype: $<HTMLSelectElement>("dtype").value as "float32" | "float64",
    });
    const js = emitModule(k);
    offer("download-js", js, `${current.name}.mjs`, "text/javascript");
    offer("download-dts", emitTypes(k), `${current.name}.d.ts`, "text/plain");
    $("compile-info").textContent =
      `${current.name}: ${k.layout.length} parameters (${layoutSize(k.layout)} values), ${js.length} bytes, compiled in ${k.compileMs.toFixed(0)} ms`;
  } catch (e) {
    $("compile-info").textContent = (e as Error).message.split("\n")[0]!;
  }
});

// --- training in a worker, with a live learning curve ---
let worker: Worker | undefined;
let losses: [number, number][] = [];

function plot(): void {
  const svg = $("plot") as unknown as SVGSVGElement;
  const W = 560,
    H = 220,
    L = 56,
    pad = 24;
  svg.dataset["losses"] = JSON.stringify(losses.map((p) => p[1]));
  if (losses.length === 0) {
    svg.innerHTML = "";
    return;
  }
  const maxStep = Math.max(1, losses.at(-1)![0]);
  const ys = losses.map((p) => p[1]);
  const lo = Math.min(...ys),
    hi = Math.max(...ys);
  const span = hi - lo || 1;
  const x = (s: number) => L + ((W - L - pad) * s) / maxStep;
  const y = (v: number) => H - 2 * pad - ((H - 3 * pad) * (v - lo)) / span;
  const pts = losses.map(([s, v]) => `${x(s).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const base = H - 2 * pad;
  svg.innerHTML =
    `<line x1="${L}" y1="${base}" x2="${W - pad}" y2="${base}" class="axis"/>` +
    `<line x1="${L}" y1="${pad}" x2="${L}" y2="${base}" class="axis"/>` +
    `<text x="${L - 4}" y="${pad + 4}" text-anchor="end">${hi.toPrecision(3)}</text>` +
    `<text x="${L - 4}" y="${base}" text-anchor="end">${lo.toPrecision(3)}</text>` +
    `<text x="${L}" y="${pad - 8}">training loss</text>` +
    `<text x="${W - pad}" y="${base + 16}" text-anchor="end">${maxStep}</text>` +
    `<text x="${(L + W - pad) / 2}" y="${H - 8}" text-anchor="middle">training steps</text>` +
    `<polyline points="${pts}" class="curve"/>`;
}

function status(s: string): void {
  $("train-status").textContent = s;
}

function setRunning(running: boolean): void {
  $<HTMLButtonElement>("train").disabled = running || !current;
  $<HTMLButtonElement>("stop").disabled = !running;
}

$("train").addEventListener("click", () => {
  if (!current) return;
  worker ??= new Worker(
    URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" })),
  );
  losses = [];
  plot();
  $("download-model").hidden = true;
  const req: TrainRequest = {
    kind: "train",
    text: cellText.value,
    task: $<HTMLSelectElement>("task").value as TrainRequest["task"],
    steps: Number($<HTMLInputElement>("steps").value),
    hidden: Number($<HTMLInputElement>("train-hidden").value),
    lr: Number($<HTMLInputElement>("lr").value),
    T: Number($<HTMLInputElement>("seq-len").value),
  };
  let last = 0;
  worker.onmessage = (e: MessageEvent) => {
    const m = e.data as Record<string, unknown>;
    if (m["kind"] === "start") status(`training on ${m["task"]} (${m["params"]} parameters)…`);
    if (m["kind"] === "step") {
      losses.push([m["step"] as number, m["loss"] as number]);
      if (performance.now() - last > 100) {
        last = performance.now();
        plot();
        status(`step ${m["step"]}: loss ${(m["loss"] as number).toPrecision(4)}`);
      }
    }
    if (m["kind"] === "done") {
      plot();
      setRunning(false);
      const v = m["validation"] as { loss: number; accuracy?: number };
      status(
        `${m["stopped"] ? "stopped" : "done"} at step ${m["step"]}: validation loss ${v.loss.toPrecision(4)}` +
          (v.accuracy !== undefined ? `, accuracy ${v.accuracy.toFixed(3)}` : ""),
      );
      offer("download-model", m["module"] as string, "model.mjs", "text/javascript");
    }
    if (m["kind"] === "error") {
      setRunning(false);
      status(`error: ${m["message"]}`);
    }
  };
  setRunning(true);
  worker.postMessage(req);
});

$("stop").addEventListener("click", () => worker?.postMessage({ kind: "stop" }));

update();
setRunning(false);
