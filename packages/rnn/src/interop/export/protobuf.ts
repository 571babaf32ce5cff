/**
 * A small protobuf encoder (proto3 wire format): varints, length-delimited fields, packed
 * repeated numbers, fixed 32/64-bit floats. Enough to write ONNX models.
 *
 * Why our own instead of protobufjs: ONNX needs six messages and four wire types; this is about
 * a hundred lines with no dependency, no runtime schema parsing and no code generation step, it
 * runs in the browser as it is, and the field numbers sit next to the ONNX builders
 * (onnxProto.ts) where a reader checks them against onnx.proto.
 */

/** One message under construction: fields are appended in the order written. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  private varint(v: bigint | number): void {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wire);
  }

  /** int32 / int64 / enum / bool (wire type 0); negative numbers as 64-bit two's complement. */
  int(field: number, v: number | bigint | boolean): this {
    this.tag(field, 0);
    this.varint(typeof v === "boolean" ? (v ? 1 : 0) : v);
    return this;
  }

  /** float (wire type 5). */
  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  /** bytes (wire type 2). */
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  /** string (UTF-8, wire type 2). */
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** An embedded message (wire type 2). */
  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** Packed repeated int64/int32 (wire type 2). */
  packedInts(field: number, vs: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of vs) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated float (wire type 2). */
  packedFloats(field: number, vs: readonly number[]): this {
    const b = new Uint8Array(vs.length * 4);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  /** The encoded message. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}
