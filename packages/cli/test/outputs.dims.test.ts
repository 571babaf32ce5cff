/**
 * `gated show` and `gated export` with a per-step output of its own (`output y = …`) and
 * `--dim NAME=N` (issue 12 §3): the one `--dim` flag of every command (dims.ts), checked against
 * the cell, with the cell's own default (`dim O = 2*H`) when it is absent.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCell, readSafetensors, sequenceModel, writeSafetensors } from "@gated/rnn";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli } from "./capture.js";

let work: string;
let readout: string;
let wide: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "gated-outputs-"));
  readout = join(work, "readout.cell");
  writeFileSync(
    readout,
    "cell readout(x[I]; h[H]) {\n  param W_y[O, H]\n  h' = tanh(W h + U x + b)\n  output y = W_y h' + b_y\n}\n",
  );
  wide = join(work, "wide.cell");
  writeFileSync(
    wide,
    "cell wide(x[I]; h[H]) {\n  dim O = 2*H\n  param W_y[O, H]\n  h' = tanh(W h + U x + b)\n  output y = W_y h'\n}\n",
  );
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function usage(args: string[], message: string) {
  const r = await cli(...args);
  expect(r.err).toBe(`${message}\n`);
  expect(r.code).toBe(2);
}

describe("gated show: an output of its own, --dim", () => {
  test("the header names the output and the extra dims; gradients start from ∂y", async () => {
    const r = await cli("show", readout);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("input x[I], state h[H], output y[O]; dims O\n");
    expect(r.out).toContain("y = W_y h′ + b_y");
    expect(r.out).toMatch(/∂W_y \+= ∂y/);
    expect(r.out).toMatch(/W_y\s+\[O,H\]\s+other/);
  });

  test("--dim O=3 sizes the shapes shown (also --dim=O=3)", async () => {
    for (const args of [["--dim", "O=3"], ["--dim=O=3"]]) {
      const r = await cli("show", readout, ...args);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain("output y[3]; dims O = 3\n");
      expect(r.out).toMatch(/W_y\s+\[3,H\]\s+other/);
      expect(r.out).toMatch(/b_y\s+\[3\]\s+bias/);
    }
    const g = await cli("show", "grouped_gate_lstm", "--params", "--dim", "G=2");
    expect(g.code, g.err).toBe(0);
    expect(g.out).toMatch(/E_f\s+\[H,2\]/);
  });

  test("a --dim the cell does not use, or a malformed one, is a usage error", async () => {
    await usage(
      ["show", readout, "--dim", "Q=3"],
      "gated show: --dim Q: no cell uses a dim Q (dims: O)",
    );
    await usage(["show", "gru", "--dim", "H=3"], "gated show: --dim H: H is set by --hidden");
    await usage(
      ["show", readout, "--dim", "O"],
      'gated show: --dim expects NAME=N with N a whole number in 1..4096 (e.g. --dim G=4), got "O"',
    );
    await usage(
      ["show", readout, "--dim", "O=3", "--dim", "O=4"],
      "gated show: --dim O is given twice",
    );
  });
});

describe("gated export: an output of its own, --dim through dims.ts", () => {
  test("--to pytorch: the module returns y per step; its size from --dim", async () => {
    const py = join(work, "readout.py");
    const r = await cli("export", readout, "--to", "pytorch", "-o", py, "--dim", "O=3");
    expect(r.code, r.err).toBe(0);
    const text = readFileSync(py, "utf8");
    expect(text).toContain('OUTPUT = "y"');
    expect(text).toContain("OUTPUT_STATE: Optional[str] = None");
    expect(text).toContain("OUTPUT_SIZE = 3");
    expect(text).toContain('state = {"h": nxt["h"]}');
  });

  test("the cell's own default (dim O = 2*H) without --dim; --dim wins", async () => {
    const py = join(work, "wide.py");
    expect((await cli("export", wide, "--to", "pytorch", "-o", py, "--hidden", "5")).code).toBe(0);
    expect(readFileSync(py, "utf8")).toContain("OUTPUT_SIZE = 10");
    expect((await cli("export", wide, "--to", "pytorch", "-o", py, "--dim", "O=2")).code).toBe(0);
    expect(readFileSync(py, "utf8")).toContain("OUTPUT_SIZE = 2");
  });

  test("--to onnx with --dim; a catalogue cell's dim G has its default (H/4) as in compile", async () => {
    const r = await cli(
      "export",
      readout,
      "--to",
      "onnx",
      "-o",
      join(work, "r.onnx"),
      "--dim",
      "O=3",
    );
    expect(r.code, r.err).toBe(0);
    const g = await cli("export", "grouped_gate_lstm", "--to", "onnx", "-o", join(work, "g.onnx"));
    expect(g.code, g.err).toBe(0);
  });

  test("usage errors name the dim and the flag", async () => {
    await usage(
      ["export", readout, "--to", "pytorch", "-o", join(work, "x.py")],
      "gated export: cell readout uses the dim O; give its size with --dim O=N",
    );
    await usage(
      ["export", readout, "--to", "pytorch", "-o", join(work, "x.py"), "--dim", "O=3,Q=2"],
      "gated export: --dim Q: no cell uses a dim Q (dims: O)",
    );
  });
});

describe("gated import --from gated: --dim through dims.ts", () => {
  test("a cell's parameters with --dim O=3 come back under gated's names", async () => {
    const model = sequenceModel({
      cell: parseCell(readFileSync(readout, "utf8")),
      inputSize: 8,
      hiddenSize: 16,
      sizes: { O: 3 },
    });
    const p = model.initParams({ seed: 1 });
    const wf = join(work, "readout_w.safetensors");
    writeFileSync(
      wf,
      writeSafetensors(
        new Map(
          model.layout.map((s) => [
            s.name,
            { dtype: "F64" as const, shape: s.shape, data: p.get(s.name) },
          ]),
        ),
      ),
    );
    const out = join(work, "back.safetensors");
    const args = [
      "import",
      wf,
      "--from",
      "gated",
      "--cell",
      readout,
      "--input",
      "8",
      "--hidden",
      "16",
    ];
    const r = await cli(...args, "--dim", "O=3", "-o", out);
    expect(r.code, r.err).toBe(0);
    const back = readSafetensors(new Uint8Array(readFileSync(out)));
    expect(back.get("W_y")!.shape).toEqual([3, 16]);
    expect([...back.get("W_y")!.data]).toEqual([...p.get("W_y_l0")]);
    await usage(
      [...args, "-o", out],
      "gated import: cell readout uses the dim O; give its size with --dim O=N",
    );
    await usage(
      ["import", wf, "--from", "keras", "--kind", "lstm", "--dim", "O=3", "-o", out],
      "gated import: --dim O: no cell uses a dim O (the cells use only their input dim and H)",
    );
  });
});
