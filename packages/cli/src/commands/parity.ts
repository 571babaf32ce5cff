/**
 * `gated parity FIXTURE.json… [--cell CELLFILE] [--backend wasm|js|reference|compiled]`: runs each
 * oracle fixture (tests/fixtures/torch format) through the model it describes, or through the
 * equation-syntax cell in CELLFILE with its parameters bound by name (see
 * @gated/rnn interop/torchBinding.ts: Wx_k → U_k, Wh_k → W_k, packed torch rows → per gate),
 * and prints the largest absolute and relative error of every output and gradient tensor.
 * Exit code: 0 when every tensor is within float64 tolerance (forward 1e-12 + 1e-10·|ref|,
 * gradients 1e-10 + 1e-8·|ref|), 1 when one is not, 2 for usage or input errors.
 */
import { readFileSync } from "node:fs";
import { compileCell, defaultBackend, type Recurrence, referenceKernel } from "@gated/codegen";
import type { KernelFactory, ParityReport } from "@gated/rnn";
import * as rnn from "@gated/rnn";

export const PARITY_USAGE = `usage: gated parity FIXTURE.json... [--cell CELLFILE] [--backend wasm|js|reference|compiled]

Checks a model against a PyTorch oracle fixture (format gated-rnn-oracle-fixture/1): builds the
model the fixture describes (kind, layers, direction, sizes), loads its parameters, runs forward
and backward with the fixture's loss, and prints the largest error of every tensor.

  --cell FILE        use the cell in FILE (equation syntax) instead of the fixture's kind;
                     its parameters bind by name: Wx_k -> U_k, Wh_k -> W_k, b_k, p_k as is,
                     torch's packed weight_ih/weight_hh/bias_ih/bias_hh rows -> U_k/W_k/bi_k/bh_k
                     per gate (or b_k = bias_ih + bias_hh for a one-bias cell)
  --backend B        compiled (float64 compiled kernels on the default backend: wasm where
                     WebAssembly SIMD runs, else js), wasm or js (that backend), or
                     reference (the interpreter)
`;

export type ParityBackend = "reference" | "compiled" | "wasm" | "js";
const PARITY_BACKENDS: readonly ParityBackend[] = ["wasm", "js", "reference", "compiled"];

export interface ParityOptions {
  readonly cell?: Recurrence;
  readonly backend?: ParityBackend;
}

/** The kernel factory of a backend (default: compiled float64 kernels). */
export function parityKernel(backend: ParityBackend | undefined): {
  kernel: KernelFactory;
  backend: string;
} {
  if (backend === "reference") return { kernel: referenceKernel, backend: "reference" };
  if (backend === "wasm" || backend === "js")
    return { kernel: (rec, o) => compileCell(rec, { ...o, dtype: "float64", backend }), backend };
  return {
    kernel: (rec, o) => compileCell(rec, { ...o, dtype: "float64" }),
    backend: `compiled (${defaultBackend().name})`,
  };
}

/** Runs one fixture file; errors name the file. */
export function parityFile(
  path: string,
  opts: ParityOptions = {},
): ParityReport & { backend: string; header: string } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  try {
    const fx = rnn.parseFixture(json);
    let { kernel, backend } = parityKernel(opts.backend);
    const cell = opts.cell ? { cell: opts.cell } : {};
    let report: ParityReport;
    try {
      report = rnn.checkFixture(fx, { kernel, ...cell });
    } catch (e) {
      // by default, a cell the compiler cannot handle still gets checked, on the interpreter
      if (opts.backend !== undefined || !/^compileCell/.test((e as Error).message)) throw e;
      ({ kernel } = parityKernel("reference"));
      backend = `reference (compiled kernels failed: ${(e as Error).message.split("\n")[0]})`;
      report = rnn.checkFixture(fx, { kernel, ...cell });
    }
    const d = fx.dims;
    const header =
      `${fx.case}: ${opts.cell ? `cell ${opts.cell.name} vs ` : ""}${fx.kind}, ${d.numLayers} layer(s), ` +
      `${d.D === 2 ? "bidirectional" : "unidirectional"}, T=${d.T} B=${d.B} I=${d.I} H=${d.H}, backend ${backend}`;
    return { ...report, backend, header };
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

const e3 = (v: number) => (v === 0 ? "0" : v.toExponential(2));

/** The report as a fixed-width table. */
export function formatParity(r: ParityReport & { header: string }): string {
  const w = Math.max(8, ...r.rows.map((x) => x.tensor.length));
  const lines = [
    r.header,
    `${"tensor".padEnd(w)}  kind      ${"n".padStart(5)}  max abs err  max rel err  err/tol   ok`,
  ];
  for (const x of r.rows) {
    lines.push(
      `${x.tensor.padEnd(w)}  ${x.kind.padEnd(8)}  ${String(x.size).padStart(5)}  ${e3(x.maxAbs).padStart(11)}  ` +
        `${e3(x.maxRel).padStart(11)}  ${e3(x.ratio).padStart(8)}  ${x.ok ? "ok" : "FAIL"}`,
    );
  }
  const bad = r.rows.filter((x) => !x.ok).length;
  lines.push(
    bad === 0
      ? `PASS: all ${r.rows.length} tensors within tolerance (forward 1e-12 + 1e-10·|ref|, gradients 1e-10 + 1e-8·|ref|)`
      : `FAIL: ${bad} of ${r.rows.length} tensors out of tolerance`,
  );
  return lines.join("\n") + "\n";
}

/** Reads an equation-syntax cell file with the syntax helper's `parseCell`. */
function readCell(path: string): Recurrence {
  const parse = (rnn as unknown as Record<string, unknown>)["parseCell"] as
    | ((t: string) => Recurrence)
    | undefined;
  if (!parse)
    throw new Error("--cell: the equation-syntax parser (parseCell) is not in this build");
  const text = readFileSync(path, "utf8");
  try {
    return parse(text);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** `gated parity`: prints one table per fixture; resolves to the exit code. */
export async function parityCommand(args: string[]): Promise<number> {
  const files: string[] = [];
  let cellFile: string | undefined, backend: ParityBackend | undefined;
  const err = (m: string) => (process.stderr.write(`gated parity: ${m}\n`), 2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] =
      a.startsWith("--") && a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
    if (flag === "--help" || flag === "-h") return (process.stdout.write(PARITY_USAGE), 0);
    if (flag === "--cell" || flag === "--backend") {
      const v = inline ?? args[++i];
      if (v === undefined) return err(`${flag} needs a value`);
      if (flag === "--cell") cellFile = v;
      else if ((PARITY_BACKENDS as readonly string[]).includes(v)) backend = v as ParityBackend;
      else
        return err(`--backend must be wasm, js, reference or compiled, got ${JSON.stringify(v)}`);
    } else if (a.startsWith("-")) return err(`unknown flag ${a} (see gated parity --help)`);
    else files.push(a);
  }
  if (files.length === 0)
    return err("no fixture file given (usage: gated parity FIXTURE.json [--cell CELLFILE])");
  let ok = true;
  try {
    const cell = cellFile === undefined ? undefined : readCell(cellFile);
    for (const f of files) {
      const r = parityFile(f, { ...(cell ? { cell } : {}), ...(backend ? { backend } : {}) });
      process.stdout.write(formatParity(r) + (files.length > 1 ? "\n" : ""));
      ok &&= r.ok;
    }
  } catch (e) {
    return err((e as Error).message.split("\n")[0]!);
  }
  return ok ? 0 : 1;
}
