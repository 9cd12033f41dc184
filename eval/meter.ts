/**
 * Syllable counts from the CMU Pronouncing Dictionary and {@linkcode tenSyllableShare}, the share
 * of lines with 10 ± 1 syllables. That counts syllables only, not stresses: the stress check is
 * `iambic.ts`.
 *
 * Words are found by {@linkcode lineWords} (see `cmu.ts`: whitespace and hyphens split words,
 * punctuation-only tokens and numerals are dropped). A word's syllables are the vowels (phonemes
 * with a stress digit) of its FIRST dictionary pronunciation; for an unknown word, see
 * {@linkcode heuristicSyllables}.
 *
 * @module
 */
import { isVowelPhoneme, lineWords, normalizeWord, pronunciations } from "./cmu.ts";

/**
 * Options of {@linkcode tenSyllableShare}.
 *
 * @example
 * ```ts
 * tenSyllableShare(["Love is not love"], { target: 4, tolerance: 0 }); // 1: exactly 4 syllables
 * ```
 */
export interface SyllableShareOptions {
  /** Target syllables per line (default 10). */
  target?: number;
  /** Allowed distance from the target (default 1: 9, 10 or 11 syllables pass). */
  tolerance?: number;
}

function isLetterVowel(letters: string, i: number): boolean {
  if ("aeiou".includes(letters[i])) return true;
  // y is a vowel unless it starts the word or precedes a vowel ("yet", "beyond"): rhythm, sky.
  return letters[i] === "y" && i > 0 && !"aeiou".includes(letters[i + 1] ?? "");
}

/**
 * Vowel-group estimate of the syllables of a word missing from the dictionary: letters only
 * (apostrophes removed, so `wander'st` counts as `wanderst`), one syllable per maximal group of
 * vowel letters (a e i o u, and y when neither first nor before a vowel), then one less for a
 * final silent `e` (a lone `e` after a consonant, but not consonant + `le` as in `table`) and
 * for a final `ed` not after `t` or `d`; at least 1 for any word with a letter.
 *
 * @example
 * ```ts
 * heuristicSyllables("wander'st"); // 2
 * heuristicSyllables("grace"); // 1
 * ```
 */
export function heuristicSyllables(word: string): number {
  const letters = normalizeWord(word).replace(/[^\p{L}]/gu, "");
  if (letters === "") return 0;
  let groups = 0;
  for (let i = 0; i < letters.length; i++) {
    if (isLetterVowel(letters, i) && (i === 0 || !isLetterVowel(letters, i - 1))) groups++;
  }
  const n = letters.length;
  const consonantAt = (i: number) => i >= 0 && !isLetterVowel(letters, i);
  if (groups > 1 && letters[n - 1] === "e" && consonantAt(n - 2)) {
    const syllabicLe = letters[n - 2] === "l" && consonantAt(n - 3);
    if (!syllabicLe) groups--;
  } else if (groups > 1 && letters.endsWith("ed") && !"td".includes(letters[n - 3] ?? "t")) {
    groups--;
  }
  return Math.max(1, groups);
}

/**
 * Syllables of one word: vowel count of its first dictionary pronunciation, else
 * {@linkcode heuristicSyllables}. 0 for a token without letters.
 *
 * @example
 * ```ts
 * wordSyllables("heaven"); // 2 (HH EH1 V AH0 N)
 * wordSyllables("lov'd"); // 1 (via "loved")
 * ```
 */
export function wordSyllables(word: string): number {
  const w = normalizeWord(word);
  if (w === "") return 0;
  const prons = pronunciations(w);
  if (prons.length === 0) return heuristicSyllables(w);
  return prons[0].filter(isVowelPhoneme).length;
}

/**
 * Syllables of a line: the sum of {@linkcode wordSyllables} over its words.
 *
 * @example
 * ```ts
 * syllableCount("Shall I compare thee to a summer's day?"); // 10
 * ```
 */
export function syllableCount(line: string): number {
  if (typeof line !== "string") {
    throw new TypeError(`syllableCount: line must be a string, got ${typeof line}`);
  }
  return lineWords(line).reduce((sum, w) => sum + wordSyllables(w), 0);
}

/**
 * Whether a line has 10 ± 1 syllables ({@linkcode syllableCount}): the per-line test of
 * {@linkcode tenSyllableShare} with its defaults.
 *
 * @example
 * ```ts
 * hasTenSyllables("Shall I compare thee to a summer's day?"); // true (10)
 * hasTenSyllables("Love is not love"); // false (4)
 * ```
 */
export function hasTenSyllables(line: string): boolean {
  return Math.abs(syllableCount(line) - 10) <= 1;
}

/**
 * Share of the non-blank lines whose syllable count is within `tolerance` of `target`
 * (default 10 ± 1). Blank lines are skipped; at least one non-blank line is required.
 *
 * @example
 * ```ts
 * tenSyllableShare(["Shall I compare thee to a summer's day?", "Love"]); // 0.5
 * ```
 */
export function tenSyllableShare(lines: string[], opts: SyllableShareOptions = {}): number {
  const target = opts.target ?? 10;
  const tolerance = opts.tolerance ?? 1;
  if (!Number.isFinite(target) || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new RangeError(
      `tenSyllableShare: opts.target must be finite and opts.tolerance finite and >= 0, got ${target} and ${tolerance}`,
    );
  }
  if (!Array.isArray(lines)) {
    throw new TypeError(`tenSyllableShare: lines must be an array of strings, got ${typeof lines}`);
  }
  let counted = 0;
  let inRange = 0;
  lines.forEach((line, i) => {
    if (typeof line !== "string") {
      throw new TypeError(`tenSyllableShare: lines[${i}] must be a string, got ${typeof line}`);
    }
    if (line.trim() === "") return;
    counted++;
    if (Math.abs(syllableCount(line) - target) <= tolerance) inRange++;
  });
  if (counted === 0) {
    throw new RangeError(
      `tenSyllableShare: lines has no non-blank line (got ${lines.length} lines)`,
    );
  }
  return inRange / counted;
}
