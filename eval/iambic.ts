/**
 * A loose iambic pentameter check from the CMU Pronouncing Dictionary's stress digits.
 *
 * A line FITS when some choice of one pronunciation per word (every dictionary variant is tried)
 * lays its syllables on positions 1, 2, 3, … so that:
 * 1. there are exactly 10 syllables, or 11 whose 11th carries stress 0 (a feminine ending);
 * 2. every syllable with primary stress (digit 1) in a word of two or more syllables sits on an
 *    even position (2, 4, 6, 8, 10: the strong beats), or on position 1 (the initial inversion
 *    Shakespeare uses often: "Making a famine where abundance lies").
 * Within positions 1–10, monosyllables may sit anywhere (the dictionary stresses "thee" and
 * "day" alike, and metre promotes or demotes them by context), as may secondary (2) and
 * unstressed (0) syllables; an 11th syllable is held to rule 1 whatever its word. A word
 * missing from the dictionary contributes `heuristicSyllables` free syllables (any position,
 * including an 11th). Words are found as `lineWords` finds them (see `cmu.ts`).
 *
 * The check is loose on purpose: it rejects lines of the wrong length and polysyllables stressed
 * off the beat ("beautiful" starting on position 5), not every metrical irregularity.
 *
 * @module
 */
import { isVowelPhoneme, lineWords, pronunciations } from "./cmu.ts";
import { heuristicSyllables } from "./meter.ts";

/** A word's syllables as stress digits (0, 1, 2), or `null` for each free syllable. */
type StressPattern = (number | null)[];

const MAX_POSITION = 11;

function stressPatterns(word: string): StressPattern[] {
  const prons = pronunciations(word);
  if (prons.length === 0) return [new Array(heuristicSyllables(word)).fill(null)];
  const seen = new Set<string>();
  const out: StressPattern[] = [];
  for (const phones of prons) {
    const digits = phones.filter(isVowelPhoneme).map((p) => Number(p[p.length - 1]));
    const key = digits.join("");
    if (!seen.has(key)) {
      seen.add(key);
      out.push(digits);
    }
  }
  return out;
}

/** Whether a syllable of `stress` in a word of `size` syllables may sit on 1-based `position`. */
function allowedAt(stress: number | null, size: number, position: number): boolean {
  if (position > MAX_POSITION) return false;
  if (stress === null) return true;
  if (position === MAX_POSITION && stress !== 0) return false;
  if (size >= 2 && stress === 1) return position % 2 === 0 || position === 1;
  return true;
}

/**
 * Whether a line fits loose iambic pentameter as the module doc defines it.
 *
 * @example
 * ```ts
 * fitsLooseIambicPentameter("Shall I compare thee to a summer's day?"); // true: comPARE on 4
 * fitsLooseIambicPentameter("Remember the beautiful flowers today"); // false: BEAU- on 5
 * ```
 */
export function fitsLooseIambicPentameter(line: string): boolean {
  if (typeof line !== "string") {
    throw new TypeError(`fitsLooseIambicPentameter: line must be a string, got ${typeof line}`);
  }
  // reachable[p]: some choice of pronunciations for the words so far ends on position p.
  let reachable = new Set<number>([0]);
  for (const word of lineWords(line)) {
    const next = new Set<number>();
    for (const pattern of stressPatterns(word)) {
      for (const start of reachable) {
        if (pattern.every((s, j) => allowedAt(s, pattern.length, start + j + 1))) {
          next.add(start + pattern.length);
        }
      }
    }
    if (next.size === 0) return false;
    reachable = next;
  }
  return reachable.has(10) || reachable.has(11);
}

/**
 * Share of the non-blank lines that {@linkcode fitsLooseIambicPentameter}; at least one non-blank
 * line is required.
 *
 * @example
 * ```ts
 * looseIambicShare(["Shall I compare thee to a summer's day?", "", "Love is not love"]); // 0.5
 * ```
 */
export function looseIambicShare(lines: string[]): number {
  if (!Array.isArray(lines)) {
    throw new TypeError(`looseIambicShare: lines must be an array of strings, got ${typeof lines}`);
  }
  let counted = 0;
  let fitting = 0;
  lines.forEach((line, i) => {
    if (typeof line !== "string") {
      throw new TypeError(`looseIambicShare: lines[${i}] must be a string, got ${typeof line}`);
    }
    if (line.trim() === "") return;
    counted++;
    if (fitsLooseIambicPentameter(line)) fitting++;
  });
  if (counted === 0) {
    throw new RangeError(
      `looseIambicShare: lines has no non-blank line (got ${lines.length} lines)`,
    );
  }
  return fitting / counted;
}
