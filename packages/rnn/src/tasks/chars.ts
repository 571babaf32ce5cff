/** Character-level text: a vocabulary of the characters seen, and names as id sequences. */

export interface CharVocab {
  /** The characters, in id order (sorted by code point, so ids are deterministic). */
  readonly chars: readonly string[];
  /** The id of a character; unknown characters are an error naming the text. */
  encode(text: string): number[];
}

/** A vocabulary of every character (code point) in `texts`. */
export function charVocab(texts: Iterable<string>): CharVocab {
  const set = new Set<string>();
  for (const t of texts) for (const c of t) set.add(c);
  const chars = [...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const id = new Map(chars.map((c, i) => [c, i]));
  return {
    chars,
    encode(text) {
      return Array.from(text, (c) => {
        const i = id.get(c);
        if (i === undefined)
          throw new Error(
            `character ${JSON.stringify(c)} in ${JSON.stringify(text)} is not in the vocabulary`,
          );
        return i;
      });
    },
  };
}

/** The PyTorch tutorial's ASCII folding: NFD, combining marks dropped, only A–Z a–z and " .,;'" kept. */
export function foldAscii(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z .,;']/g, "");
}

/** Raw text as a character task reads it (see `TextInput.normalize`). */
export function normalizeText(s: string, how: "lower" | "fold-ascii" | "none"): string {
  if (how === "lower") return s.trim().toLowerCase();
  if (how === "fold-ascii") return foldAscii(s.trim());
  return s;
}
