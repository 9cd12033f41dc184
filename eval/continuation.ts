/**
 * The generated part of a sonnet that continues a given prompt, for metrics that must score only
 * what the model wrote.
 *
 * A sonnet's verse lines are its non-blank lines, the first 14 of them (as the rhyme metrics take
 * them). Its generated lines are verse lines `promptLines + 1` … 14 (1-based): with CS224N's
 * 3 prompt lines, lines 4–14. The file keeps the prompt lines (CS224N's format); nothing checks
 * here that they equal the prompt.
 *
 * @module
 */

/** Lines of a sonnet under the Shakespearean form. */
export const SONNET_LINES = 14;

function checkArgs(fn: string, sonnets: string[][], promptLines: number): void {
  if (!Number.isInteger(promptLines) || promptLines < 0 || promptLines >= SONNET_LINES) {
    throw new RangeError(`${fn}: promptLines must be an integer in 0..13, got ${promptLines}`);
  }
  if (!Array.isArray(sonnets)) {
    throw new TypeError(`${fn}: sonnets must be an array of line arrays, got ${typeof sonnets}`);
  }
  sonnets.forEach((lines, k) => {
    if (!Array.isArray(lines) || lines.some((l) => typeof l !== "string")) {
      throw new TypeError(`${fn}: sonnets[${k}] must be an array of strings`);
    }
  });
}

/**
 * The generated lines of each sonnet (see the module doc); a sonnet that stops early has fewer.
 *
 * @example
 * ```ts
 * generatedLines([["a", "", "b", "c", "d", "e"]], 3); // [["d", "e"]]
 * ```
 */
export function generatedLines(sonnets: string[][], promptLines: number): string[][] {
  checkArgs("generatedLines", sonnets, promptLines);
  return sonnets.map((lines) =>
    lines.filter((l) => l.trim() !== "").slice(0, SONNET_LINES).slice(promptLines)
  );
}

/**
 * Each sonnet's generated lines joined with newlines: the text that distinct-n and chrF score
 * for the continuation ("" for a sonnet that is its prompt alone).
 *
 * @example
 * ```ts
 * generatedTexts([["a b", "c", "d", "e f"]], 3); // ["e f"]
 * ```
 */
export function generatedTexts(sonnets: string[][], promptLines: number): string[] {
  return generatedLines(sonnets, promptLines).map((lines) => lines.join("\n"));
}

/**
 * Share of the generated line slots (14 − promptLines per sonnet) filled by a line that passes
 * `fits`. A line the sonnet lacks counts as failing, so a sonnet that is its prompt alone scores
 * 0 and one that stops early cannot score higher by writing less.
 *
 * @example
 * ```ts
 * const tenish = (l: string) => l.split(" ").length >= 2;
 * generatedLineShare([["p", "p", "p", "two words", "one"]], 3, tenish); // 1/11
 * ```
 */
export function generatedLineShare(
  sonnets: string[][],
  promptLines: number,
  fits: (line: string) => boolean,
): number {
  if (sonnets.length === 0) throw new RangeError("generatedLineShare: sonnets is empty");
  const slots = (SONNET_LINES - promptLines) * sonnets.length;
  let passing = 0;
  for (const lines of generatedLines(sonnets, promptLines)) {
    for (const line of lines) if (fits(line)) passing++;
  }
  return passing / slots;
}

/**
 * Splits a sonnet's text after its first `lines` non-blank lines: the head ends with that line's
 * newline, and head + tail is the text. Used to score a gold sonnet's lines 4–14 given lines 1–3.
 * Throws when the text has no non-blank line after them.
 *
 * @example
 * ```ts
 * splitAfterLines("a\n\nb\nc\nd", 2); // ["a\n\nb\n", "c\nd"]
 * ```
 */
export function splitAfterLines(text: string, lines: number): [string, string] {
  if (!Number.isInteger(lines) || lines < 1) {
    throw new RangeError(`splitAfterLines: lines must be an integer >= 1, got ${lines}`);
  }
  let seen = 0;
  let at = 0;
  while (seen < lines) {
    const end = text.indexOf("\n", at);
    const line = text.slice(at, end < 0 ? text.length : end);
    if (line.trim() !== "") seen++;
    if (end < 0) {
      at = text.length;
      break;
    }
    at = end + 1;
  }
  if (seen < lines || text.slice(at).trim() === "") {
    throw new RangeError(
      `splitAfterLines: the text has ${seen} non-blank lines, none after the first ${lines}`,
    );
  }
  return [text.slice(0, at), text.slice(at)];
}
