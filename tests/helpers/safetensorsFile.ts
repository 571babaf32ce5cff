/** Hand-made safetensors bytes, for the readers' hardening tests (no writer's checks in the way). */

/**
 * A file from its header and data bytes: the header's byte length (u64, little-endian), the
 * header (a string as it is, anything else as JSON followed by `pad` spaces), then `data`.
 */
export function safetensorsFile(
  header: unknown,
  data: ArrayLike<number> = [],
  pad = 0,
): Uint8Array {
  const h = new TextEncoder().encode(
    typeof header === "string" ? header : JSON.stringify(header) + " ".repeat(pad),
  );
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
