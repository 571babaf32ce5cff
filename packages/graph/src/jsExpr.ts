/**
 * A JavaScript expression with holes, built with the `js` tag. Ops return these from `emit`;
 * only the codegen emitter turns them into text, so no op concatenates code strings and no
 * user-provided string can reach emitted source through an op.
 */
export interface JsExpr {
  readonly parts: readonly string[];
  readonly holes: readonly JsHole[];
}
/** A hole is an operand (another expression) or a number literal. */
export type JsHole = JsExpr | number;

export function js(parts: TemplateStringsArray, ...holes: JsHole[]): JsExpr {
  return { parts: [...parts], holes };
}

/** A leaf expression: a reference the emitter has already named (a local, a load). */
export function jsRef(text: string): JsExpr {
  if (!/^[A-Za-z_$][\w$]*(\[[\w$+*\s-]+\])?$/.test(text)) {
    throw new Error(`jsRef: "${text}" is not a plain identifier or indexed load`);
  }
  return { parts: [text], holes: [] };
}

/**
 * Renders an expression. Holes that are not plain references are parenthesized, so templates
 * never need to think about precedence.
 */
export function renderJs(e: JsExpr): string {
  let s = e.parts[0] ?? "";
  e.holes.forEach((h, i) => {
    s += renderHole(h) + (e.parts[i + 1] ?? "");
  });
  return s;
}

function renderHole(h: JsHole): string {
  if (typeof h === "number") {
    if (Number.isNaN(h)) return "NaN";
    if (h === Infinity) return "Infinity";
    if (h === -Infinity) return "(-Infinity)";
    const t = Object.is(h, -0) ? "-0" : String(h);
    return h < 0 || Object.is(h, -0) ? `(${t})` : t;
  }
  const inner = renderJs(h);
  return h.holes.length === 0 && /^[A-Za-z_$][\w$]*(\[[^\]]*\])?$/.test(inner)
    ? inner
    : `(${inner})`;
}
