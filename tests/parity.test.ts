// Every oracle fixture (the public PyTorch ones and the generated ones) passes `gated parity`
// on the reference kernel; the command's table, exit codes and errors; `--cell` binds by name.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultBackend } from "@gated/codegen";
import { formatParity, parityCommand, parityFile } from "gated/node";
import { afterEach, describe, expect, test, vi } from "vitest";

const dir = fileURLToPath(new URL("./fixtures/torch/", import.meta.url));
const list = (d: string) =>
  readdirSync(d)
    .filter((f) => f.endsWith(".json") && f !== "manifest.json")
    .map((f) => d + f);
const FIXTURES = [...list(dir), ...list(dir + "generated/")];
const tmp = mkdtempSync(join(tmpdir(), "gated-parity-"));

describe("gated parity on every fixture", () => {
  test("there are public and generated fixtures", () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(18);
    expect(FIXTURES.filter((f) => f.includes("packed"))).toHaveLength(2);
  });
  const cases = FIXTURES.flatMap((f) =>
    (["reference", "compiled", "wasm", "js"] as const).map(
      (b) => [f.slice(dir.length), b, f] as const,
    ),
  );
  test.each(cases)("%s (%s)", (_, backend, f) => {
    const r = parityFile(f, { backend });
    // the default backend says which it is: "compiled (wasm)" or "compiled (js)"
    expect(r.backend).toBe(
      backend === "compiled" ? `compiled (${defaultBackend().name})` : backend,
    );
    if (!r.ok) console.log(formatParity(r));
    expect(r.ok).toBe(true);
    expect(r.rows.length).toBeGreaterThan(5);
  });
});

/** Runs the command, capturing what it prints. */
async function cli(...args: string[]) {
  const out: string[] = [],
    err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  const code = await parityCommand(args);
  vi.restoreAllMocks();
  return { code, out: out.join(""), err: err.join("") };
}

const cellFile = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe("the gated parity command", () => {
  afterEach(() => vi.restoreAllMocks());

  test("prints every tensor's errors and exits 0", async () => {
    const r = await cli(
      dir + "lstm_i3_h4_t5_b2.json",
      dir + "generated/gru_bi_i3_h4_t5_b2.json",
      "--backend",
      "reference",
    );
    expect(r.code).toBe(0);
    for (const t of [
      "output",
      "h_n",
      "c_n",
      "loss",
      "d weight_ih_l0",
      "d bias_hh_l0_reverse",
      "d x",
      "d h0",
      "d c0",
    ])
      expect(r.out).toContain(t);
    expect(r.out).toMatch(
      /^lstm_i3_h4_t5_b2: lstm, 1 layer\(s\), unidirectional, T=5 B=2 I=3 H=4, backend reference$/m,
    );
    expect(r.out.match(/^PASS/gm)).toHaveLength(2);
  });

  test("exits 1 when one gradient entry is off by 1e-6", async () => {
    const f = JSON.parse(readFileSync(dir + "gru_i3_h4_t5_b2.json", "utf8"));
    f.grads.params.weight_hh_l0.data[2][1] += 1e-6;
    writeFileSync(join(tmp, "bad.json"), JSON.stringify(f));
    const r = await cli(join(tmp, "bad.json"));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^d weight_hh_l0 +gradient .* FAIL$/m);
    expect(r.out).toMatch(/^FAIL: 1 of 9 tensors out of tolerance$/m);
  });

  test("--cell: an equation-syntax one-bias LSTM matches torch.nn.LSTM (b_k = bias_ih + bias_hh)", async () => {
    const lstm = cellFile(
      "lstm1.cell",
      `cell lstm1(x[I]; h[H], c[H]) {
  i  = sigmoid(U_i x + W_i h + b_i)
  f  = sigmoid(U_f x + W_f h + b_f)
  g  = tanh(U_g x + W_g h + b_g)
  o  = sigmoid(U_o x + W_o h + b_o)
  c' = f * c + i * g
  h' = o * tanh(c')
}`,
    );
    const r = await cli(dir + "generated/lstm_l2_i3_h4_t5_b2.json", "--cell", lstm);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("cell lstm1 vs lstm, 2 layer(s)");
  });

  test("--cell: a peephole LSTM binds Wx_k → U_k, Wh_k → W_k, p_k; a Cho-style GRU does not match torch's GRU", async () => {
    const peep = cellFile(
      "peep.cell",
      `cell peep(x[I]; h[H], c[H]) {
  i  = sigmoid(U_i x + W_i h + p_i * c + b_i)
  f  = sigmoid(U_f x + W_f h + p_f * c + b_f)
  g  = tanh(U_c x + W_c h + b_c)
  c' = f * c + i * g
  o  = sigmoid(U_o x + W_o h + p_o * c' + b_o)
  h' = o * tanh(c')
}`,
    );
    expect((await cli(dir + "peephole_lstm_i3_h4_t5_b2.json", "--cell", peep)).code).toBe(0);
    const cho = cellFile(
      "cho.cell",
      `cell cho(x[I]; h[H]) {
  r  = sigmoid(U_r x + W_r h + b_r)
  z  = sigmoid(U_z x + W_z h + b_z)
  n  = tanh(U_n x + W_n (r * h) + b_n)
  h' = z * h + (1 - z) * n
}`,
    );
    const r = await cli(dir + "gru_i3_h4_t5_b2.json", "--cell", cho);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^output +forward .* FAIL$/m);
    const choH = cellFile("choh.cell", readFileSync(cho, "utf8").replaceAll("_n", "_h"));
    expect(await cli(dir + "gru_i3_h4_t5_b2.json", "--cell", choH)).toMatchObject({
      code: 2,
      err: expect.stringMatching(
        /gru_i3_h4_t5_b2\.json: cell parameter U_h: gate "h" is not one of weight_ih_l0's gates \(r, z, n\)/,
      ),
    });
  });

  test("usage and input errors exit 2 with one line naming the problem", async () => {
    expect(await cli()).toMatchObject({
      code: 2,
      err: expect.stringMatching(/no fixture file given/),
    });
    expect(await cli("x.json", "--backend", "gpu")).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--backend must be wasm, js, reference or compiled, got "gpu"/),
    });
    expect(await cli("x.json", "--frobnicate")).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown flag --frobnicate/),
    });
    expect(await cli(join(tmp, "none.json"))).toMatchObject({
      code: 2,
      err: expect.stringMatching(/none\.json: ENOENT/),
    });
    writeFileSync(join(tmp, "notfx.json"), JSON.stringify({ format: "other" }));
    expect(await cli(join(tmp, "notfx.json"))).toMatchObject({
      code: 2,
      err: expect.stringMatching(
        /notfx\.json: fixture: format is "other", expected "gated-rnn-oracle-fixture\/1"/,
      ),
    });
    const bad = cellFile("bad.cell", "cell bad(x[I]; h[H]) {\n  h' = tanh(U x +)\n}");
    expect(await cli(dir + "gru_i3_h4_t5_b2.json", "--cell", bad)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/bad\.cell: 2:\d+/),
    });
    expect((await cli("--help")).out).toMatch(/^usage: gated parity FIXTURE\.json/);
  });

  test("compiled float64 kernels are the default backend", async () => {
    const r = await cli(dir + "generated/lstm_l2_bi_i3_h3_t4_b2.json");
    expect(r.code).toBe(0);
    expect(r.out).toContain("backend compiled");
  });
});
