/**
 * The ORIGINAL STUDY'S "rhyming accuracy", kept apart from the phoneme metric of `rhyme.ts`: it
 * compares the letters from each line's last vowel, over line pairs (1,2), (3,4) … (13,14) and
 * (1,3), (2,4) within each quatrain. It is not a rhyme check: `cat`/`heat` agree on `at`, the
 * eye rhyme `love`/`prove` agrees on `e`, while the true rhyme `through`/`blue` fails.
 *
 * The study's text reports only the numbers; this reading of its method (see SEED.md) resolves
 * the open points as follows:
 * - the pair sets are scored together: 13 pairs per sonnet, the couplet (13,14) once;
 * - "last vowel" is the last single vowel letter of the line's LAST WORD (`sweet` → `et`), vowels
 *   `aeiou` by default (`y` is not one; see {@linkcode StudyLetterRhymeOptions});
 * - the word is lowercased with everything but letters removed (`ow'st` → `owst`); a word with no
 *   vowel letter is compared whole;
 * - the same word twice DOES count (its letters agree);
 * - sonnet lines are prepared as in `rhyme.ts` (blank lines dropped, first 14 used, a pair with a
 *   missing line is a miss), so accuracies pool over 13 pairs per sonnet.
 *
 * @module
 */
import { normalizeWord } from "./cmu.ts";
import { type CorpusRhymeResult, schemeRhymeAccuracy } from "./rhyme.ts";

// deno-fmt-ignore
/**
 * The study's pairs, 0-based: consecutive lines (1,2) (3,4) … (13,14), then per quatrain
 * (1,3) (2,4), (5,7) (6,8), (9,11) (10,12). 13 pairs.
 *
 * @example
 * ```ts
 * STUDY_RHYME_PAIRS.length; // 13
 * ```
 */
export const STUDY_RHYME_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11], [12, 13],
  [0, 2], [1, 3], [4, 6], [5, 7], [8, 10], [9, 11],
];

/**
 * The study's letter rhyme part of a word: lowercase letters only (apostrophes and other
 * non-letters removed), from the LAST single vowel letter to the end (`day` → `ay`,
 * `sweet` → `et`). Vowels are `aeiou` by default (the study names no set; `y` is not one).
 * A word with no vowel letter is returned whole (rather than reaching into the previous word).
 *
 * @example
 * ```ts
 * studyLetterRhymePart("Temperate:"); // "e"
 * studyLetterRhymePart("ow'st"); // "owst"
 * ```
 */
export function studyLetterRhymePart(word: string, vowels = "aeiou"): string {
  const letters = normalizeWord(word).replace(/[^\p{L}]/gu, "");
  for (let i = letters.length - 1; i >= 0; i--) {
    if (vowels.includes(letters[i])) return letters.slice(i);
  }
  return letters;
}

/**
 * Options of the study's letter rhyme rule.
 *
 * @example
 * ```ts
 * studyLetterRhymeAccuracy(["birds fly", "babes cry"], { vowels: "aeiouy" }); // 1/13: "y" = "y"
 * ```
 */
export interface StudyLetterRhymeOptions {
  /** Letters that count as vowels (default "aeiou"). */
  vowels?: string;
}

/**
 * The ORIGINAL STUDY'S "rhyming accuracy" of one sonnet (not a phoneme rhyme check): the share
 * of the 13 {@linkcode STUDY_RHYME_PAIRS} whose last words have equal
 * {@linkcode studyLetterRhymePart} (see the module doc for the ambiguities resolved). The same
 * word twice counts.
 *
 * @example
 * ```ts
 * studyLetterRhymeAccuracy(["my day", "the night", "in May", "the light"]); // 2/13: (1,3), (2,4)
 * ```
 */
export function studyLetterRhymeAccuracy(
  sonnetLines: string[],
  opts: StudyLetterRhymeOptions = {},
): number {
  if (!Array.isArray(sonnetLines)) {
    throw new TypeError(
      `studyLetterRhymeAccuracy: sonnetLines must be an array of strings, got ${typeof sonnetLines}`,
    );
  }
  const bad = sonnetLines.findIndex((line) => typeof line !== "string");
  if (bad >= 0) {
    throw new TypeError(
      `studyLetterRhymeAccuracy: sonnetLines[${bad}] must be a string, got ${typeof sonnetLines[
        bad
      ]}`,
    );
  }
  return studyLetterCorpusRhymeAccuracy([sonnetLines], opts).accuracy;
}

/**
 * {@linkcode studyLetterRhymeAccuracy} over several sonnets: pooled pairs plus per-sonnet values.
 *
 * @example
 * ```ts
 * studyLetterCorpusRhymeAccuracy([["my day", "the night", "in May", "the light"]]).accuracy; // 2/13
 * ```
 */
export function studyLetterCorpusRhymeAccuracy(
  sonnets: string[][],
  opts: StudyLetterRhymeOptions = {},
): CorpusRhymeResult {
  const vowels = opts.vowels ?? "aeiou";
  const rhyme = (a: string, b: string) =>
    studyLetterRhymePart(a, vowels) === studyLetterRhymePart(b, vowels);
  return schemeRhymeAccuracy(sonnets, STUDY_RHYME_PAIRS, rhyme, "studyLetterCorpusRhymeAccuracy");
}
