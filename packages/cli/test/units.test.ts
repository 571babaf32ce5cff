import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { type FlagSpecs, parseArgs } from "../src/args.js";
import {
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from "../src/checkpoint.js";
import { UsageError } from "../src/errors.js";
import { renderTex } from "../src/report/katex.js";
import { aggregate, plotSvg } from "../src/report/svg.js";
import { stat, textTable } from "../src/summary.js";

const SPECS: FlagSpecs = {
  steps: { kind: "int", min: 1, help: "" },
  lr: { kind: "number", help: "" },
  cells: { kind: "list", help: "" },
  out: { kind: "string", short: "o", help: "" },
  quick: { kind: "boolean", help: "" },
  dtype: { kind: "string", choices: ["float32", "float64"], help: "" },
};

describe("flag parser", () => {
  test("values, aliases, = syntax, lists and positionals", () => {
    const p = parseArgs(
      "t",
      ["CELL", "--steps", "5", "--lr=1e-3", "-o", "a.mjs", "--cells", "a, b,c", "--quick"],
      SPECS,
    );
    expect(p.positional).toEqual(["CELL"]);
    expect(p.flags).toEqual({
      steps: 5,
      lr: 0.001,
      out: "a.mjs",
      cells: ["a", "b", "c"],
      quick: true,
    });
    expect(parseArgs("t", ["--lr", "-0.5"], SPECS).flags["lr"]).toBe(-0.5);
  });
  test.each([
    [["--nope"], "gated t: unknown flag --nope (see gated t --help)"],
    [["-x"], "gated t: unknown flag -x (see gated t --help)"],
    [["--steps"], "gated t: --steps needs a value"],
    [["--steps", "--lr", "1"], "gated t: --steps needs a value"],
    [["--steps", "2.5"], 'gated t: --steps expects an integer, got "2.5"'],
    [["--steps", "0"], "gated t: --steps must be at least 1, got 0"],
    [["--lr", "fast"], 'gated t: --lr expects a number, got "fast"'],
    [["--cells", ","], 'gated t: --cells expects a comma-separated list, got ","'],
    [["--dtype", "int8"], 'gated t: --dtype must be one of float32, float64, got "int8"'],
    [["--quick=yes"], "gated t: --quick takes no value"],
  ])("%j -> %s", (argv, msg) => {
    expect(() => parseArgs("t", argv, SPECS)).toThrow(new UsageError(msg));
  });
});

describe("checkpoints", () => {
  test("round-trip, deterministic bytes, atomic write leaves no temp file", () => {
    const ck = {
      tensors: { b: Float64Array.of(1.5, -2), a: Float64Array.of(Math.PI) },
      metadata: { step: "3" },
    };
    const bytes = encodeCheckpoint(ck);
    expect(encodeCheckpoint(ck)).toEqual(bytes);
    const back = decodeCheckpoint(bytes);
    expect(back.metadata).toEqual({ step: "3" });
    expect(Array.from(back.tensors["a"]!)).toEqual([Math.PI]);
    expect(Array.from(back.tensors["b"]!)).toEqual([1.5, -2]);
    const d = mkdtempSync(join(tmpdir(), "gated-ck-"));
    try {
      saveCheckpoint(join(d, "c.safetensors"), ck);
      saveCheckpoint(join(d, "c.safetensors"), ck);
      expect(readdirSync(d)).toEqual(["c.safetensors"]);
      expect(Array.from(loadCheckpoint(join(d, "c.safetensors")).tensors["b"]!)).toEqual([1.5, -2]);
      writeFileSync(join(d, "bad.safetensors"), Buffer.from([255, 0, 0, 0, 0, 0, 0, 0, 1]));
      expect(() => loadCheckpoint(join(d, "bad.safetensors"))).toThrow(
        new RegExp(`^${join(d, "bad.safetensors")}: not a valid checkpoint \\(.*header.*\\)$`),
      );
      expect(() => loadCheckpoint(join(d, "none.safetensors"))).toThrow(
        `cannot read checkpoint ${join(d, "none.safetensors")}: ENOENT`,
      );
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
  test("offsets past the data are rejected, never read", () => {
    const bytes = encodeCheckpoint({ tensors: { a: Float64Array.of(1, 2) }, metadata: {} });
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 8), "f")).toThrow(
      /^f: not a valid checkpoint \(.+\)$/,
    );
  });
});

describe("report pieces", () => {
  test("aggregate gives mean and a band within the observed range", () => {
    const a = aggregate([
      [
        [0, 1],
        [10, 3],
      ],
      [
        [0, 3],
        [10, 3],
      ],
    ]);
    expect(a).toEqual([
      { step: 0, mean: 2, lo: 1, hi: 3 },
      { step: 10, mean: 3, lo: 3, hi: 3 },
    ]);
  });
  test("plot has axes, one line and band per multi-seed series, legend, escaped labels", () => {
    const svg = plotSvg(
      [
        {
          label: "lstm",
          runs: [
            [
              [0, 0.2],
              [50, 0.01],
            ],
            [
              [0, 0.18],
              [50, 0.02],
            ],
          ],
        },
        {
          label: "<rnn>",
          runs: [
            [
              [0, 0.2],
              [50, 0.17],
            ],
          ],
        },
      ],
      { title: "t", xLabel: "step", yLabel: "mse", yScale: "log", threshold: 0.01 },
    );
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<polygon/g)).toHaveLength(1);
    expect(svg).toContain("&lt;rnn&gt;");
    expect(svg).toContain("threshold 0.01");
    expect(svg).toContain("(log scale)");
  });
  test("KaTeX renders server-side", () => {
    expect(renderTex("h^{(t)} = \\tanh(W h^{(t-1)})")).toContain('class="katex-display"');
  });
  test("stat and table", () => {
    expect(stat([1, 3])).toEqual({ mean: 2, std: 1 });
    expect(
      textTable([
        ["cell", "mse"],
        ["lstm", "0.01"],
      ]),
    ).toBe("cell   mse\n----  ----\nlstm  0.01");
  });
});
