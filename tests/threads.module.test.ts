/**
 * Threads of an emitted module (`emitModule(k, { threads: true })` exports `threads(n)`): its
 * workers load the module itself from its file and serve slices with its own sweeps, so the
 * numbers are the module's one-thread ones (rows bitwise, parameter gradients the slices' sums).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compileCell, type DType, emitModule, emitTypes } from "@gated/codegen";
import { afterAll, describe, expect, test } from "vitest";
import { lstm } from "./codegenCells.js";
import { BACKENDS, expectSameRun, maxRel, rand } from "./codegenCompare.js";

const dir = mkdtempSync(join(tmpdir(), "gated-threads-module-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Mod {
  params(d?: ArrayLike<number>): { data: Float64Array | Float32Array };
  forward(
    p: unknown,
    x: ArrayLike<number>,
    o: unknown,
  ): { output: ArrayLike<number>; final: Record<string, ArrayLike<number>> };
  backward(
    r: unknown,
    c: unknown,
  ): {
    params: { data: ArrayLike<number> };
    input: ArrayLike<number>;
    initial: Record<string, ArrayLike<number>>;
  };
  threads(n: number): Pick<Mod, "forward" | "backward"> & {
    threads: number;
    ready(): Promise<void>;
    close(): Promise<void>;
  };
}

describe("emitModule(k, { threads: true }): threads(n) in Node", () => {
  test.each(
    BACKENDS.flatMap((backend) =>
      (["float64", "float32"] as DType[]).map((dtype) => ({ backend, dtype })),
    ),
  )(
    "$backend $dtype: threads(3) gives the module's one-thread numbers",
    async ({ backend, dtype }) => {
      const k = compileCell(lstm(), { inputSize: 3, hiddenSize: 4, backend, dtype });
      const file = join(dir, `lstm-${backend}-${dtype}.mjs`);
      writeFileSync(file, emitModule(k, { threads: true }));
      const mod = (await import(pathToFileURL(file).href)) as Mod;
      const t = mod.threads(3);
      try {
        await t.ready();
        expect(t.threads).toBe(3);
        const T = 5,
          B = 8;
        const p = mod.params(k.initParams({ seed: 3 }).data);
        const x = rand(T * B * 3, 1);
        const o = {
          batch: B,
          lengths: Array.from({ length: B }, (_, b) => b % (T + 1)),
          initial: { c: rand(B * 4, 2) },
        };
        const cot = { output: rand(T * B * 4, 3), final: { h: rand(B * 4, 4) } };
        const { a, ga, gb } = expectSameRun(mod, t, p, x, o, cot);
        const u = dtype === "float64" ? 2 ** -53 : 2 ** -24;
        expect(maxRel(gb.params.data, ga.params.data)).toBeLessThanOrEqual(8 * 4 * u);
        // the same as compileCell's threads (one text serves both)
        const kt = compileCell(lstm(), { inputSize: 3, hiddenSize: 4, backend, dtype, threads: 3 });
        try {
          const gk = kt.backward(kt.forward(p as never, x, o), cot);
          expect(Array.from(gk.params.data)).toEqual(Array.from(gb.params.data));
        } finally {
          await kt.close();
        }
        // a worker's error is the caller's, and the next call is clean
        expect(() => t.forward(p, x, { ...o, lengths: o.lengths.map(() => 99) })).toThrow(
          /lengths\[0\] = 99/,
        );
        expect(t.forward(p, x, o).output).toEqual(a.output);
      } finally {
        await t.close();
      }
    },
  );

  test("without the option the module has no threads; its types follow the option", () => {
    const k = compileCell(lstm(), { inputSize: 3, hiddenSize: 4 });
    expect(emitModule(k)).not.toMatch(/threads/);
    expect(emitModule(k, { threads: true })).toMatch(/export \{[^}]*, threads \};\n$/);
    expect(emitTypes(k)).not.toMatch(/threads/);
    expect(emitTypes(k, { threads: true })).toContain(
      "export declare function threads(n: number): Threaded;",
    );
  });

  test("threads(n) says in one line why it cannot run: a module not loaded from a file, a bad n", async () => {
    const k = compileCell(lstm(), { inputSize: 3, hiddenSize: 4 });
    const text = emitModule(k, { threads: true });
    const mod = (await import(
      `data:text/javascript;base64,${Buffer.from(text).toString("base64")}`
    )) as Mod;
    expect(() => mod.threads(2)).toThrow(
      /^threads\(2\) of kernel "lstm": its workers load this module from its file, but it was loaded from data:text\/javascript;base64,[^\n]*; write it to a \.mjs file and import that$/,
    );
    expect(() => mod.threads(0)).toThrow(/threads must be a positive integer/);
    expect(mod.threads(1).threads).toBe(1);
  });
});
