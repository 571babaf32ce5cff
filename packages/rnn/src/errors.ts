/**
 * Typed errors, so programs can catch each kind and read its fields (the message stays one line
 * naming the culprit). Syntax and shape errors of cell texts are in ./syntax/lexer.ts
 * (`CellSyntaxError`, `CellShapeError`, both with `pos`).
 */

/** A file or parsed JSON that is not in the expected format; `where` names the file or field. */
export class FileFormatError extends Error {
  override readonly name = "FileFormatError";
  constructor(
    readonly where: string,
    readonly detail: string,
  ) {
    super(`${where}: ${detail}`);
  }
}

/** Parameters or states that do not bind (missing, extra, wrong size); `target` names it. */
export class BindingError extends Error {
  override readonly name = "BindingError";
  constructor(
    readonly target: string,
    message: string,
  ) {
    super(message);
  }
}
