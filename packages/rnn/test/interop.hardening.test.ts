/**
 * Hostile JSON tensors and fixtures: nested arrays are walked in linear time with a depth limit,
 * and a fixture whose dims disagree with its data, or whose loss is not a number, is refused.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { safetensorsFile } from "../../../tests/helpers/safetensorsFile.js";
import {
  FileFormatError,
  parseFixture,
  parseStateDict,
  parseTensor,
  readSafetensors,
} from "../src/index.js";
import { MAX_TENSOR_RANK } from "../src/interop/stateDict.js";

const deep = (depth: number, leaf: string) =>
  JSON.parse("[".repeat(depth) + leaf + "]".repeat(depth));

describe("nested JSON arrays", () => {
  test("40 levels deep (about 90 bytes) is a depth error at once, not exponential time", () => {
    const t0 = performance.now();
    expect(() => parseStateDict({ a: deep(40, "1,2") })).toThrow(
      `tensor "a": arrays nest more than ${MAX_TENSOR_RANK} levels deep`,
    );
    expect(performance.now() - t0).toBeLessThan(2000);
  });
  test("5000 levels deep does not overflow the stack", () => {
    expect(() => parseTensor({ shape: [1], data: deep(5000, "1") }, "t")).toThrow(
      "t: arrays nest more than",
    );
  });
  test("30 levels deep is read with its shape (the old walk took 2^30 steps)", () => {
    const t = parseTensor(deep(30, "0.5, 1"), "t");
    expect(t.shape).toEqual([...Array(29).fill(1), 2]);
    expect(Array.from(t.data)).toEqual([0.5, 1]);
    const wide = parseTensor(
      Array.from({ length: 3 }, (_, i) => [i, i + 1]),
      "w",
    );
    expect(wide.shape).toEqual([3, 2]);
    expect(Array.from(wide.data)).toEqual([0, 1, 1, 2, 2, 3]);
  });
  test("ragged arrays name the level", () => {
    expect(() => parseTensor([[1, 2], [3]], "t")).toThrow(
      "t: ragged nested array at depth 1: entry 1 of that level is an array of 1, entry 0 has 2",
    );
    expect(() => parseTensor([[1, 2], 3], "t")).toThrow("t: ragged nested array at depth 1");
  });
});

const dir = fileURLToPath(new URL("../../../tests/fixtures/torch/", import.meta.url));
const fixture = () => JSON.parse(readFileSync(`${dir}lstm_i3_h4_t5_b2.json`, "utf8"));

describe("fixtures are checked against their dims", () => {
  test("the file as written parses", () => {
    expect(parseFixture(fixture()).loss).toBeTypeOf("number");
  });
  test("dims that disagree with the data are an error naming the tensor", () => {
    const f = fixture();
    f.dims.I = 4;
    expect(() => parseFixture(f)).toThrow(
      "fixture: inputs.x has shape [5, 2, 3], but dims give [T, B, I] = [5, 2, 4]",
    );
    const g = fixture();
    g.dims.T = 6;
    expect(() => parseFixture(g)).toThrow("fixture: inputs.x has shape [5, 2, 3]");
  });
  test("a loss whose value is not a number is an error, not a dropped check", () => {
    const f = fixture();
    f.loss.value = "0.43";
    expect(() => parseFixture(f)).toThrow(
      'fixture: loss.value must be a finite number, got "0.43"',
    );
    const g = fixture();
    delete g.loss.value;
    expect(() => parseFixture(g)).toThrow(
      "fixture: loss.value must be a finite number, got nothing",
    );
  });
});

/** A safetensors file whose header is `header` (8 data bytes). */
const safetensors = (header: string) => safetensorsFile(header, new Uint8Array(8));

describe("safetensors headers", () => {
  test("a shape nested 5000 deep is one line, not a stack overflow", () => {
    const deepShape = "[".repeat(5000) + "1" + "]".repeat(5000);
    expect(() =>
      readSafetensors(
        safetensors(`{"a":{"dtype":"F64","shape":${deepShape},"data_offsets":[0,8]}}`),
      ),
    ).toThrow(
      /tensor "a": shape must be an array of non-negative integers, got \[\[\[…\]\]\] \(nested too deep\)/,
    );
  });
  test("a 5000-entry shape of ones is read", () => {
    const shape = JSON.stringify(Array(5000).fill(1));
    const f = readSafetensors(
      safetensors(`{"a":{"dtype":"F64","shape":${shape},"data_offsets":[0,8]}}`),
    );
    expect(f.get("a")!.shape).toHaveLength(5000);
  });
});

test("file format errors are FileFormatErrors naming where", () => {
  let e: unknown;
  try {
    parseTensor([[1, 2], [3]], "weights.json: tensor W");
  } catch (x) {
    e = x;
  }
  expect(e).toBeInstanceOf(FileFormatError);
  expect((e as FileFormatError).where).toBe("weights.json: tensor W");
  expect(() => readSafetensors(new Uint8Array(3))).toThrow(FileFormatError);
});
