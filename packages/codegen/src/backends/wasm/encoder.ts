/**
 * A small WebAssembly binary encoder: LEB128, value and function types, one imported memory,
 * functions with locals, exports, and the code of MVP and SIMD (0xfd-prefixed) instructions by
 * their text-format names. Enough for the kernels this backend generates; no dependency.
 */

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";
const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Unsigned LEB128. */
export function uleb(n: number, out: number[] = []): number[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`uleb: ${n} is not a non-negative integer`);
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** Signed LEB128 (integers up to ±2^53). */
export function sleb(n: number, out: number[] = []): number[] {
  if (!Number.isInteger(n)) throw new Error(`sleb: ${n} is not an integer`);
  for (;;) {
    const b = ((n % 128) + 128) % 128;
    n = Math.floor(n / 128);
    const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];
const name = (s: string): number[] => {
  const b = utf8(s);
  return [...uleb(b.length), ...b];
};
/** Appends bytes (no spread: code sections are long). */
function append(out: number[], bytes: readonly number[]): number[] {
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i]!);
  return out;
}
const vec = (items: readonly number[][]): number[] => {
  const out = uleb(items.length);
  for (const it of items) append(out, it);
  return out;
};

/** Immediates of an instruction, after its opcode. */
type Imm =
  | "none"
  | "mem"
  | "local"
  | "label"
  | "block"
  | "memarg"
  | "lane"
  | "i32"
  | "f32"
  | "f64"
  | "v128";

// [opcode bytes (a 0xfd prefix is followed by the LEB128 of the SIMD opcode), immediate, natural
// alignment log2 for memory instructions]
type OpDef = readonly [number, number | null, Imm, number | undefined];
const mvp = (code: number, imm: Imm = "none", align?: number): OpDef => [code, null, imm, align];
const simd = (code: number, imm: Imm = "none", align?: number): OpDef => [0xfd, code, imm, align];

const OPS: Record<string, OpDef> = {
  unreachable: mvp(0x00),
  nop: mvp(0x01),
  block: mvp(0x02, "block"),
  loop: mvp(0x03, "block"),
  if: mvp(0x04, "block"),
  else: mvp(0x05),
  end: mvp(0x0b),
  br: mvp(0x0c, "label"),
  br_if: mvp(0x0d, "label"),
  return: mvp(0x0f),
  call: mvp(0x10, "label"), // immediate: the function index
  drop: mvp(0x1a),
  select: mvp(0x1b),
  "local.get": mvp(0x20, "local"),
  "local.set": mvp(0x21, "local"),
  "local.tee": mvp(0x22, "local"),
  "i32.load": mvp(0x28, "memarg", 2),
  "f32.load": mvp(0x2a, "memarg", 2),
  "f64.load": mvp(0x2b, "memarg", 3),
  "i32.store": mvp(0x36, "memarg", 2),
  "f32.store": mvp(0x38, "memarg", 2),
  "f64.store": mvp(0x39, "memarg", 3),
  "i32.const": mvp(0x41, "i32"),
  "f32.const": mvp(0x43, "f32"),
  "f64.const": mvp(0x44, "f64"),
  "i32.eqz": mvp(0x45),
  "i32.eq": mvp(0x46),
  "i32.ne": mvp(0x47),
  "i32.lt_s": mvp(0x48),
  "i32.lt_u": mvp(0x49),
  "i32.gt_s": mvp(0x4a),
  "i32.gt_u": mvp(0x4b),
  "i32.le_s": mvp(0x4c),
  "i32.le_u": mvp(0x4d),
  "i32.ge_s": mvp(0x4e),
  "i32.ge_u": mvp(0x4f),
  "f32.eq": mvp(0x5b),
  "f32.ne": mvp(0x5c),
  "f32.lt": mvp(0x5d),
  "f32.gt": mvp(0x5e),
  "f32.le": mvp(0x5f),
  "f32.ge": mvp(0x60),
  "f64.eq": mvp(0x61),
  "f64.ne": mvp(0x62),
  "f64.lt": mvp(0x63),
  "f64.gt": mvp(0x64),
  "f64.le": mvp(0x65),
  "f64.ge": mvp(0x66),
  "i32.add": mvp(0x6a),
  "i32.sub": mvp(0x6b),
  "i32.mul": mvp(0x6c),
  "i32.div_s": mvp(0x6d),
  "i32.div_u": mvp(0x6e),
  "i32.rem_u": mvp(0x70),
  "i32.and": mvp(0x71),
  "i32.or": mvp(0x72),
  "i32.xor": mvp(0x73),
  "i32.shl": mvp(0x74),
  "i32.shr_s": mvp(0x75),
  "i32.shr_u": mvp(0x76),
  "f32.abs": mvp(0x8b),
  "f32.neg": mvp(0x8c),
  "f32.floor": mvp(0x8e),
  "f32.sqrt": mvp(0x91),
  "f32.add": mvp(0x92),
  "f32.sub": mvp(0x93),
  "f32.mul": mvp(0x94),
  "f32.div": mvp(0x95),
  "f32.min": mvp(0x96),
  "f32.max": mvp(0x97),
  "f64.abs": mvp(0x99),
  "f64.neg": mvp(0x9a),
  "f64.floor": mvp(0x9c),
  "f64.sqrt": mvp(0x9f),
  "f64.add": mvp(0xa0),
  "f64.sub": mvp(0xa1),
  "f64.mul": mvp(0xa2),
  "f64.div": mvp(0xa3),
  "f64.min": mvp(0xa4),
  "f64.max": mvp(0xa5),
  "i32.trunc_f32_s": mvp(0xa8),
  "f32.convert_i32_s": mvp(0xb2),
  "f32.demote_f64": mvp(0xb6),
  "f64.convert_i32_s": mvp(0xb7),
  "f64.promote_f32": mvp(0xbb),
  "i32.reinterpret_f32": mvp(0xbc),
  "f32.reinterpret_i32": mvp(0xbe),
  "memory.size": mvp(0x3f, "mem"),
  "memory.grow": mvp(0x40, "mem"),
  // SIMD
  "v128.load": simd(0x00, "memarg", 4),
  "i8x16.shuffle": simd(0x0d, "v128"), // immediate: 16 byte-lane indices into (a, b)
  "v128.load32_splat": simd(0x09, "memarg", 2),
  "v128.load64_splat": simd(0x0a, "memarg", 3),
  "v128.store": simd(0x0b, "memarg", 4),
  "v128.const": simd(0x0c, "v128"),
  "i32x4.splat": simd(0x11),
  "f32x4.splat": simd(0x13),
  "f64x2.splat": simd(0x14),
  "i32x4.extract_lane": simd(0x1b, "lane"),
  "f32x4.extract_lane": simd(0x1f, "lane"),
  "f32x4.replace_lane": simd(0x20, "lane"),
  "f64x2.extract_lane": simd(0x21, "lane"),
  "f64x2.replace_lane": simd(0x22, "lane"),
  "i32x4.eq": simd(0x37),
  "i32x4.ne": simd(0x38),
  "i32x4.lt_s": simd(0x39),
  "i32x4.gt_s": simd(0x3b),
  "f32x4.eq": simd(0x41),
  "f32x4.ne": simd(0x42),
  "f32x4.lt": simd(0x43),
  "f32x4.gt": simd(0x44),
  "f32x4.le": simd(0x45),
  "f32x4.ge": simd(0x46),
  "f64x2.eq": simd(0x47),
  "f64x2.ne": simd(0x48),
  "f64x2.lt": simd(0x49),
  "f64x2.gt": simd(0x4a),
  "f64x2.le": simd(0x4b),
  "f64x2.ge": simd(0x4c),
  "v128.not": simd(0x4d),
  "v128.and": simd(0x4e),
  "v128.andnot": simd(0x4f),
  "v128.or": simd(0x50),
  "v128.xor": simd(0x51),
  "v128.bitselect": simd(0x52),
  "v128.any_true": simd(0x53),
  "f32x4.ceil": simd(0x67),
  "f32x4.floor": simd(0x68),
  "f32x4.trunc": simd(0x69),
  "f32x4.nearest": simd(0x6a),
  "f64x2.ceil": simd(0x74),
  "f64x2.floor": simd(0x75),
  "f64x2.trunc": simd(0x7a),
  "f64x2.nearest": simd(0x94),
  "i32x4.abs": simd(0xa0),
  "i32x4.neg": simd(0xa1),
  "i32x4.shl": simd(0xab),
  "i32x4.shr_s": simd(0xac),
  "i32x4.shr_u": simd(0xad),
  "i32x4.add": simd(0xae),
  "i32x4.sub": simd(0xb1),
  "i32x4.mul": simd(0xb5),
  "i32x4.min_s": simd(0xb6),
  "i32x4.max_s": simd(0xb8),
  "f32x4.abs": simd(0xe0),
  "f32x4.neg": simd(0xe1),
  "f32x4.sqrt": simd(0xe3),
  "f32x4.add": simd(0xe4),
  "f32x4.sub": simd(0xe5),
  "f32x4.mul": simd(0xe6),
  "f32x4.div": simd(0xe7),
  "f32x4.min": simd(0xe8),
  "f32x4.max": simd(0xe9),
  "f32x4.pmin": simd(0xea),
  "f32x4.pmax": simd(0xeb),
  "f64x2.abs": simd(0xec),
  "f64x2.neg": simd(0xed),
  "f64x2.sqrt": simd(0xef),
  "f64x2.add": simd(0xf0),
  "f64x2.sub": simd(0xf1),
  "f64x2.mul": simd(0xf2),
  // relaxed SIMD: a·b + c, fused where the hardware has FMA
  "f32x4.relaxed_madd": simd(0x105),
  "f64x2.relaxed_madd": simd(0x107),
  "f64x2.div": simd(0xf3),
  "f64x2.min": simd(0xf4),
  "f64x2.max": simd(0xf5),
  "f64x2.pmin": simd(0xf6),
  "f64x2.pmax": simd(0xf7),
  "i32x4.trunc_sat_f32x4_s": simd(0xf8),
  "f32x4.convert_i32x4_s": simd(0xfa),
};

/** The opcode names this encoder knows (the text format's). */
export const OPCODES: readonly string[] = Object.keys(OPS);

/** A local variable or parameter of a function: its index. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** One function's code, written as a sequence of instructions (`op`) with named locals. */
export class Func {
  private readonly body: number[] = [];
  private readonly localTypes: ValType[] = [];
  readonly params: readonly Local[];
  constructor(
    readonly paramTypes: readonly ValType[],
    readonly resultTypes: readonly ValType[] = [],
  ) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }
  /** A fresh local of `type`. */
  local(type: ValType): Local {
    this.localTypes.push(type);
    return { index: this.paramTypes.length + this.localTypes.length - 1, type };
  }
  /** Appends one instruction with its immediates (a Local for local.*, numbers otherwise). */
  op(mnemonic: string, ...imm: (number | Local | ValType | readonly number[])[]): this {
    this.encoded = undefined;
    const def = OPS[mnemonic];
    if (!def) throw new Error(`wasm encoder: unknown instruction ${JSON.stringify(mnemonic)}`);
    const [code, sub, kind, align] = def;
    const b = this.body;
    b.push(code);
    if (sub !== null) uleb(sub, b);
    const n = (k: number): number => {
      const v = imm[k];
      if (typeof v !== "number")
        throw new Error(`wasm encoder: ${mnemonic} needs a number immediate`);
      return v;
    };
    switch (kind) {
      case "none":
        break;
      case "mem":
        b.push(0); // memory index 0
        break;
      case "local": {
        const l = imm[0];
        uleb(typeof l === "number" ? l : (l as Local).index, b);
        break;
      }
      case "label":
        uleb(n(0), b);
        break;
      case "block": {
        const t = imm[0] as unknown;
        b.push(t === undefined ? 0x40 : VALTYPE[t as ValType]);
        break;
      }
      case "memarg":
        // memarg: alignment hint (log2) then offset
        uleb(align ?? 0, b);
        uleb(imm.length > 0 ? n(0) : 0, b);
        break;
      case "lane":
        b.push(n(0));
        break;
      case "i32":
        sleb(n(0) | 0, b);
        break;
      case "f32": {
        const d = new DataView(new ArrayBuffer(4));
        d.setFloat32(0, n(0), true);
        for (let i = 0; i < 4; i++) b.push(d.getUint8(i));
        break;
      }
      case "f64": {
        const d = new DataView(new ArrayBuffer(8));
        d.setFloat64(0, n(0), true);
        for (let i = 0; i < 8; i++) b.push(d.getUint8(i));
        break;
      }
      case "v128": {
        const bytes = imm[0] as readonly number[];
        if (!Array.isArray(bytes) || bytes.length !== 16)
          throw new Error("wasm encoder: v128.const needs 16 bytes");
        b.push(...bytes);
        break;
      }
    }
    return this;
  }
  /** Shorthands. */
  get(l: Local): this {
    return this.op("local.get", l);
  }
  set(l: Local): this {
    return this.op("local.set", l);
  }
  tee(l: Local): this {
    return this.op("local.tee", l);
  }
  i32(v: number): this {
    return this.op("i32.const", v);
  }
  /** A v128 constant with four equal f32 lanes, or two f64 lanes. */
  f32x4(v: number): this {
    const d = new DataView(new ArrayBuffer(16));
    for (let i = 0; i < 4; i++) d.setFloat32(4 * i, v, true);
    return this.op("v128.const", [...new Uint8Array(d.buffer)]);
  }
  f64x2(v: number): this {
    const d = new DataView(new ArrayBuffer(16));
    for (let i = 0; i < 2; i++) d.setFloat64(8 * i, v, true);
    return this.op("v128.const", [...new Uint8Array(d.buffer)]);
  }
  i32x4(v: number): this {
    const d = new DataView(new ArrayBuffer(16));
    for (let i = 0; i < 4; i++) d.setInt32(4 * i, v, true);
    return this.op("v128.const", [...new Uint8Array(d.buffer)]);
  }
  private encoded: number[] | undefined;
  /** The function's code entry: locals (run-length by type) then the body and `end` (kept once built). */
  code(): number[] {
    this.encoded ??= this.encodeCode();
    return this.encoded;
  }
  private encodeCode(): number[] {
    const groups: number[][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === VALTYPE[t]) last[0]!++;
      else groups.push([1, VALTYPE[t]]);
    }
    const body = uleb(groups.length);
    for (const [n, t] of groups) uleb(n!, body).push(t!);
    append(body, this.body).push(0x0b);
    return append(uleb(body.length), body);
  }
}

/** A module: one memory imported as `env.mem`, functions, exports. */
export class ModuleBuilder {
  private readonly funcs: { f: Func; export?: string }[] = [];
  constructor(private readonly memoryMin = 1) {}
  /** Adds a function; returns its index (for `call`). */
  add(f: Func, exportName?: string): number {
    this.funcs.push(exportName === undefined ? { f } : { f, export: exportName });
    return this.funcs.length - 1;
  }
  /** The index of the function exported as `name` (for `call`). */
  exported(name: string): number {
    const i = this.funcs.findIndex((x) => x.export === name);
    if (i < 0) throw new Error(`wasm encoder: no function exported as ${JSON.stringify(name)}`);
    return i;
  }
  /** A builder with the same functions so far (more can be added to either). */
  clone(): ModuleBuilder {
    const m = new ModuleBuilder(this.memoryMin);
    m.funcs.push(...this.funcs);
    return m;
  }
  encode(): Uint8Array {
    const section = (id: number, content: number[]): number[] =>
      append(uleb(content.length, [id]), content);
    // one type per function (duplicates are allowed)
    const types = this.funcs.map(({ f }) => [
      0x60,
      ...vec(f.paramTypes.map((t) => [VALTYPE[t]])),
      ...vec(f.resultTypes.map((t) => [VALTYPE[t]])),
    ]);
    const imports = vec([[...name("env"), ...name("mem"), 0x02, 0x00, ...uleb(this.memoryMin)]]);
    const fsec = vec(this.funcs.map((_, i) => uleb(i)));
    const exps = vec(
      this.funcs.flatMap(({ export: e }, i) => (e ? [[...name(e), 0x00, ...uleb(i)]] : [])),
    );
    const code = vec(this.funcs.map(({ f }) => f.code()));
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    append(out, section(1, vec(types)));
    append(out, section(2, imports));
    append(out, section(3, fsec));
    append(out, section(7, exps));
    append(out, section(10, code));
    return new Uint8Array(out);
  }
}

/** Whether this engine runs WebAssembly SIMD (validates a tiny module using v128). */
export function simdSupported(): boolean {
  try {
    const f = new Func([], ["v128"]);
    f.f32x4(1).f32x4(2).op("f32x4.add");
    const m = new ModuleBuilder(1);
    m.add(f, "f");
    const wa = (globalThis as { WebAssembly?: { validate(b: Uint8Array): boolean } }).WebAssembly;
    return wa !== undefined && wa.validate(m.encode());
  } catch {
    return false;
  }
}
