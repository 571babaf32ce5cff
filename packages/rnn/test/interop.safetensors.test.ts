// safetensors: round trips (property), a corpus of malformed files with their messages, random
// corruptions (parse or throw a safetensors Error, never crash or read out of bounds), files.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test as ftest } from "@fast-check/vitest";
import { readSafetensors, type SafeTensor, type TensorInput, writeSafetensors } from "@gated/rnn";
import { readSafetensorsFile, writeSafetensorsFile } from "@gated/rnn/node";
import { describe, expect, test } from "vitest";
import { safetensorsFile } from "../../../tests/helpers/safetensorsFile.js";

const RUNS = Number(process.env["FC_RUNS"] ?? 60);

/** A file from a header object and raw data bytes (header not padded unless `pad`). */
const file = safetensorsFile;

const f64 = (...v: number[]) => new Uint8Array(Float64Array.from(v).buffer);

const tensorArb = fc
  .oneof(
    fc.tuple(
      fc.constant("F64" as const),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
    ),
    fc.tuple(
      fc.constant("F32" as const),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
    ),
    fc.tuple(
      fc.constant("I32" as const),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
    ),
    fc.tuple(
      fc.constant("U8" as const),
      fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
    ),
  )
  .chain(([dtype, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const vals =
      dtype === "F64"
        ? fc.array(fc.double(), { minLength: n, maxLength: n })
        : dtype === "F32"
          ? fc.array(fc.float(), { minLength: n, maxLength: n })
          : dtype === "I32"
            ? fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), {
                minLength: n,
                maxLength: n,
              })
            : fc.array(fc.integer({ min: 0, max: 255 }), { minLength: n, maxLength: n });
    return vals.map(
      (v): TensorInput => ({
        dtype,
        shape,
        data:
          dtype === "F64"
            ? Float64Array.from(v)
            : dtype === "F32"
              ? Float32Array.from(v)
              : dtype === "I32"
                ? Int32Array.from(v)
                : Uint8Array.from(v),
      }),
    );
  });
const dictArb = fc.dictionary(
  fc
    .string({ minLength: 1, maxLength: 8 })
    .filter((s) => s !== "__metadata__" && s !== "__proto__"),
  tensorArb,
  { maxKeys: 5 },
);
const metaArb = fc.option(
  fc.dictionary(
    fc.string({ maxLength: 6 }).filter((s) => s !== "__proto__"),
    fc.string({ maxLength: 10 }),
    { maxKeys: 3 },
  ),
  { nil: undefined },
);

const same = (a: SafeTensor, b: TensorInput) => {
  expect(a.dtype).toBe(b.dtype);
  expect([...a.shape]).toEqual([...b.shape]);
  expect(a.data.constructor).toBe(b.data.constructor);
  expect(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength)).toEqual(
    new Uint8Array(
      (b.data as Float64Array).buffer,
      (b.data as Float64Array).byteOffset,
      (b.data as Float64Array).byteLength,
    ),
  );
};

describe("safetensors round trips", () => {
  ftest.prop([dictArb, metaArb], { numRuns: RUNS, seed: 20261127 })(
    "random tensors and metadata survive write → read bit for bit",
    (dict, meta) => {
      const bytes = writeSafetensors(dict, meta);
      expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
      const r = readSafetensors(bytes);
      expect(r).toBeInstanceOf(Map);
      expect([...r.keys()]).toEqual([...r.tensors.keys()]);
      expect([...r.keys()].sort()).toEqual(Object.keys(dict).sort());
      for (const [k, t] of Object.entries(dict)) same(r.tensors.get(k)!, t);
      expect(r.metadata).toEqual(meta ?? {});
    },
  );

  test("little-endian layout, known bytes, F16 / BF16 / I64 / BOOL decoding", () => {
    const b = writeSafetensors({ a: { shape: [2], data: Float32Array.of(1, -2) } });
    const n = Number(new DataView(b.buffer).getBigUint64(0, true));
    expect([...b.subarray(8 + n)]).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
    const r = readSafetensors(
      file(
        {
          h: { dtype: "F16", shape: [3], data_offsets: [0, 6] },
          bf: { dtype: "BF16", shape: [1], data_offsets: [6, 8] },
          i: { dtype: "I64", shape: [1], data_offsets: [8, 16] },
          z: { dtype: "BOOL", shape: [2], data_offsets: [16, 18] },
        },
        [
          0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x80, 0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0xff, 0, 7,
        ],
      ),
    );
    expect([...r.tensors.get("h")!.data]).toEqual([1, -2, 65504]);
    expect([...r.tensors.get("bf")!.data]).toEqual([1]);
    expect([...(r.tensors.get("i")!.data as BigInt64Array)]).toEqual([-1n]);
    expect([...r.tensors.get("z")!.data]).toEqual([0, 1]);
  });

  test("files: atomic write leaves no temp file, overwrites, reads back; errors name the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "gated-st-"));
    const path = join(dir, "ckpt.safetensors");
    writeSafetensorsFile(
      path,
      { w: { shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) } },
      { step: "1" },
    );
    writeSafetensorsFile(
      path,
      { w: { shape: [2, 2], data: Float64Array.of(5, 6, 7, 8) } },
      { step: "2" },
    );
    expect(readdirSync(dir)).toEqual(["ckpt.safetensors"]);
    const r = readSafetensorsFile(path);
    expect([...r.tensors.get("w")!.data]).toEqual([5, 6, 7, 8]);
    expect(r.metadata).toEqual({ step: "2" });
    writeFileSync(join(dir, "bad.safetensors"), readFileSync(path).subarray(0, 20));
    expect(() => readSafetensorsFile(join(dir, "bad.safetensors"))).toThrow(
      /bad\.safetensors: safetensors: header length \d+ exceeds/,
    );
    expect(() => writeSafetensorsFile(join(dir, "no/such/dir/x.safetensors"), {})).toThrow(
      /cannot write .*x\.safetensors/,
    );
  });
});

const OK = { a: { dtype: "F64", shape: [2], data_offsets: [0, 16] } };
const CORPUS: [string, Uint8Array, RegExp][] = [
  ["too short", Uint8Array.of(1, 0, 0), /file is 3 bytes, too short/],
  [
    "header length beyond the file",
    file(OK, f64(1, 2)).map((v, i) => (i === 0 ? 200 : v)),
    /header length 200 exceeds the \d+ bytes after the length field/,
  ],
  [
    "header length 2^64 − 1",
    file(OK, f64(1, 2)).map((v, i) => (i < 8 ? 255 : v)),
    /header length 18446744073709551615 exceeds/,
  ],
  [
    "invalid UTF-8",
    file('{"a\xff":1}').map((v, i, a) => (i === a.length - 4 ? 0xff : v)),
    /header is not valid UTF-8/,
  ],
  ["not an object", file("[1, 2]"), /header must start with "\{"/],
  ["invalid JSON", file('{"a": }'), /header is not valid JSON/],
  [
    "unsupported dtype",
    file({ a: { dtype: "Q8", shape: [1], data_offsets: [0, 1] } }, [0]),
    /tensor "a": unsupported dtype "Q8"/,
  ],
  [
    "negative dim",
    file({ a: { dtype: "U8", shape: [-1], data_offsets: [0, 1] } }, [0]),
    /tensor "a": shape must be an array of non-negative integers/,
  ],
  [
    "fractional offset",
    file({ a: { dtype: "U8", shape: [1], data_offsets: [0, 0.5] } }, [0]),
    /tensor "a": data_offsets must be \[begin, end\]/,
  ],
  [
    "begin > end",
    file({ a: { dtype: "U8", shape: [0], data_offsets: [1, 0] } }, [0]),
    /begin > end/,
  ],
  [
    "offsets out of range",
    file({ a: { dtype: "F64", shape: [2], data_offsets: [0, 16] } }, f64(1)),
    /tensor "a": data_offsets \[0, 16\] out of range \(the data buffer has 8 bytes\)/,
  ],
  [
    "size does not match shape",
    file({ a: { dtype: "F64", shape: [3], data_offsets: [0, 16] } }, f64(1, 2)),
    /hold 16 bytes, but F64 \[3\] needs 24/,
  ],
  [
    "overlapping tensors",
    file(
      {
        a: { dtype: "F64", shape: [2], data_offsets: [0, 16] },
        b: { dtype: "F64", shape: [1], data_offsets: [8, 16] },
      },
      f64(1, 2),
    ),
    /tensor "b": data_offsets \[8, 16\] overlap another tensor/,
  ],
  [
    "hole in the buffer",
    file({ a: { dtype: "F64", shape: [1], data_offsets: [8, 16] } }, f64(1, 2)),
    /bytes 0\.\.8 of the data buffer belong to no tensor/,
  ],
  [
    "trailing bytes",
    file(OK, f64(1, 2, 3)),
    /the data buffer has 24 bytes but the tensors cover 16/,
  ],
  [
    "misaligned F64",
    file(
      {
        u: { dtype: "U8", shape: [4], data_offsets: [0, 4] },
        a: { dtype: "F64", shape: [1], data_offsets: [4, 12] },
      },
      new Uint8Array(12),
    ),
    /tensor "a": data_offsets begin 4 is not aligned to the 8-byte F64/,
  ],
  [
    "metadata value not a string",
    file({ __metadata__: { k: 1 } }),
    /__metadata__\.k must be a string/,
  ],
  [
    "unknown entry key",
    file({ a: { dtype: "U8", shape: [1], data_offsets: [0, 1], extra: 1 } }, [0]),
    /tensor "a": unexpected key "extra"/,
  ],
  ["entry not an object", file({ a: 3 }), /tensor "a": entry must be an object/],
  [
    "element count overflow",
    file({ a: { dtype: "U8", shape: [2 ** 40, 2 ** 40], data_offsets: [0, 1] } }, [0]),
    /has too many elements/,
  ],
];

describe("malformed files", () => {
  test.each(CORPUS)("%s", (_, bytes, msg) => {
    expect(() => readSafetensors(bytes)).toThrow(msg);
    expect(() => readSafetensors(bytes)).toThrow(/^safetensors: /);
  });

  test("the writer rejects inconsistent tensors", () => {
    expect(() => writeSafetensors({ a: { shape: [3], data: [1, 2] } })).toThrow(
      /tensor "a": shape \[3\] needs 3 values, got 2/,
    );
    expect(() => writeSafetensors({ __metadata__: { shape: [0], data: [] } })).toThrow(/reserved/);
    expect(() => writeSafetensors({ a: { dtype: "F16", shape: [0], data: [] } })).toThrow(
      /cannot write dtype "F16"/,
    );
  });

  const valid = writeSafetensors(
    {
      w: { shape: [2, 3], data: Float64Array.from({ length: 6 }, (_, i) => i / 7) },
      b: { shape: [3], data: Float32Array.of(1, 2, 3) },
      n: { shape: [2], data: Int32Array.of(-1, 5) },
    },
    { note: "x" },
  );
  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant("flip" as const),
      at: fc.nat(valid.length - 1),
      v: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(valid.length) }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(valid.length),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }),
    }),
    fc.record({
      kind: fc.constant("length" as const),
      v: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    }),
  );
  ftest.prop([fc.array(mutation, { minLength: 1, maxLength: 3 })], { numRuns: RUNS * 5, seed: 7 })(
    "random corruptions parse to well-formed tensors or throw a safetensors Error",
    (muts) => {
      let b = Uint8Array.from(valid);
      for (const m of muts) {
        if (m.kind === "flip") b[Math.min(m.at, b.length - 1)] = m.v;
        else if (m.kind === "truncate") b = b.subarray(0, m.at);
        else if (m.kind === "insert")
          b = Uint8Array.from([...b.subarray(0, m.at), ...m.bytes, ...b.subarray(m.at)]);
        else if (b.length >= 8) new DataView(b.buffer, b.byteOffset).setBigUint64(0, m.v, true);
      }
      let r;
      try {
        r = readSafetensors(b);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toMatch(/^safetensors: /);
        return;
      }
      for (const t of r.tensors.values())
        expect(t.data.length).toBe(t.shape.reduce((x, y) => x * y, 1));
    },
  );

  test("a flipped data byte parses with the same structure; a flipped padding space too", () => {
    const n = Number(new DataView(valid.buffer).getBigUint64(0, true));
    const b = Uint8Array.from(valid);
    b[b.length - 1] ^= 1;
    const r = readSafetensors(b);
    expect([...r.tensors.keys()]).toEqual(["w", "b", "n"]);
    const p = Uint8Array.from(valid);
    const text = new TextDecoder().decode(p.subarray(8, 8 + n));
    if (text.endsWith(" ")) {
      p[8 + n - 1] = 0x0a; // newline is JSON whitespace too
      expect(readSafetensors(p)).toEqual(readSafetensors(valid));
    }
  });
});
