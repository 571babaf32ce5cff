/**
 * Tokens of the equation syntax, each with its line and column (1-based). Comments run from `#`
 * to the end of the line; newlines are tokens, since they end statements.
 */

export interface Pos {
  readonly line: number;
  readonly col: number;
  /** Offset into the source text. */
  readonly offset: number;
}

export type TokenKind = "ident" | "number" | "punct" | "newline" | "eof";

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: Pos;
  /** Offset just past the token. */
  readonly end: number;
  /** Whitespace (or a comment) separates it from the previous token. */
  readonly spaced: boolean;
}

/** An error at a position in the cell text; the message starts with `line:col`. */
export class CellSyntaxError extends Error {
  constructor(
    readonly pos: Pos,
    readonly detail: string,
  ) {
    super(`${pos.line}:${pos.col}: ${detail}`);
    this.name = "CellSyntaxError";
  }
}

/** A shape that conflicts or cannot be inferred (a `CellSyntaxError`, at the position at fault). */
export class CellShapeError extends CellSyntaxError {
  constructor(pos: Pos, detail: string) {
    super(pos, detail);
    this.name = "CellShapeError";
  }
}

const PUNCT = "()[]{},;=+-*/:~";
const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}_]/u;
const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;

/** Splits the text into tokens; throws a `CellSyntaxError` at the first bad character. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  let spaced = true;
  const pos = (at: number): Pos => ({ line, col: at - lineStart + 1, offset: at });
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      out.push({ kind: "newline", text: "\n", pos: pos(i), end: i + 1, spaced });
      i++;
      line++;
      lineStart = i;
      spaced = true;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      spaced = true;
      continue;
    }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      spaced = true;
      continue;
    }
    const start = i;
    if (IDENT_START.test(c)) {
      i += c.length;
      while (i < text.length && IDENT_PART.test(text[i]!)) i++;
      while (text[i] === "'") i++;
      out.push({ kind: "ident", text: text.slice(start, i), pos: pos(start), end: i, spaced });
    } else if (/[\d.]/.test(c)) {
      const m = NUMBER.exec(text.slice(i));
      if (!m) throw new CellSyntaxError(pos(i), `unexpected character "."`);
      i += m[0].length;
      if (i < text.length && /[\p{L}_\d.]/u.test(text[i]!)) {
        let j = i;
        while (j < text.length && /[\p{L}\p{N}_.]/u.test(text[j]!)) j++;
        throw new CellSyntaxError(pos(start), `malformed number "${text.slice(start, j)}"`);
      }
      out.push({ kind: "number", text: m[0], pos: pos(start), end: i, spaced });
    } else if (PUNCT.includes(c)) {
      i++;
      out.push({ kind: "punct", text: c, pos: pos(start), end: i, spaced });
    } else {
      const ch = String.fromCodePoint(text.codePointAt(i)!);
      throw new CellSyntaxError(pos(i), `unexpected character ${JSON.stringify(ch)}`);
    }
    spaced = false;
  }
  out.push({ kind: "eof", text: "", pos: pos(i), end: i, spaced: true });
  return out;
}

/** How a token is named in "expected …, found …" messages. */
export function describeToken(t: Token): string {
  if (t.kind === "eof") return "end of input";
  if (t.kind === "newline") return "end of line";
  return `"${t.text}"`;
}
