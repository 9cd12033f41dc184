/**
 * Rhyme metrics for sonnets: a phoneme rhyme check (CMU Pronouncing Dictionary) along the
 * Shakespearean scheme. The original study's letter-based "rhyming accuracy" is kept apart in
 * `study_rhyme.ts`.
 *
 * Lines of a sonnet: blank (whitespace-only) lines are dropped first, then the first 14 lines are
 * used. A scheme pair that names a line the sonnet lacks, or a line without any word, counts as
 * not rhyming, so every sonnet has the same number of pairs (7 for the Shakespearean scheme) and
 * the pooled (micro) accuracy equals the mean of the per-sonnet ones.
 *
 * The last word of a line is found and normalised by {@linkcode lastWord} (see `cmu.ts`).
 *
 * @module
 */
import { isVowelPhoneme, lastWord, normalizeWord, pronunciations } from "./cmu.ts";

// deno-fmt-ignore
/**
 * Shakespearean scheme ABAB CDCD EFEF GG as 0-based line pairs: lines (1,3) (2,4) (5,7) (6,8)
 * (9,11) (10,12) (13,14).
 *
 * @example
 * ```ts
 * const [a, b] = SHAKESPEAREAN_RHYME_PAIRS[6]; // [12, 13]: the closing couplet
 * ```
 */
export const SHAKESPEAREAN_RHYME_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [0, 2], [1, 3], [4, 6], [5, 7], [8, 10], [9, 11], [12, 13],
];

/**
 * Rhyme accuracy of a set of sonnets.
 *
 * @example
 * ```ts
 * const r: CorpusRhymeResult = corpusRhymeAccuracy([["my day", "the night", "in May"]]);
 * r.perSonnet; // [1/7]: only day/May
 * ```
 */
export interface CorpusRhymeResult {
  /** Rhyming pairs / all pairs, pooled over sonnets (micro average). */
  accuracy: number;
  /** Mean of the per-sonnet accuracies (macro average; equal to `accuracy`, see module doc). */
  meanPerSonnet: number;
  /** Accuracy of each sonnet, in input order. */
  perSonnet: number[];
  /** Number of rhyming pairs over all sonnets. */
  rhymingPairs: number;
  /** Number of pairs over all sonnets. */
  totalPairs: number;
}

const STRESS_DIGITS = /[012]$/;

/**
 * The rhyming part of a pronunciation: the phonemes from the last vowel with stress 1 or 2
 * (or, when no vowel is stressed, from the last vowel) to the end, stress digits removed,
 * space-joined. A pronunciation without vowels is returned whole.
 *
 * @example
 * ```ts
 * phonemeRhymePart(["D", "IH0", "K", "L", "AY1", "N", "Z"]); // "AY N Z"
 * ```
 */
export function phonemeRhymePart(phones: string[]): string {
  let start = -1;
  for (let i = phones.length - 1; i >= 0; i--) {
    if (/[12]$/.test(phones[i])) {
      start = i;
      break;
    }
  }
  if (start < 0) start = phones.findLastIndex(isVowelPhoneme);
  if (start < 0) start = 0;
  return phones.slice(start).map((p) => p.replace(STRESS_DIGITS, "")).join(" ");
}

function isSpellingVowel(letters: string, i: number): boolean {
  return "aeiou".includes(letters[i]) || (letters[i] === "y" && i > 0);
}

/**
 * Spelling fallback for words the dictionary lacks: the letters from the start of the last vowel
 * group to the end (vowels a e i o u, and y except as first letter). A final silent `e` after a
 * consonant does not count as the last group when an earlier group exists (`grace` → `ace`, not
 * `e`). Apostrophes are removed first; a word without vowels is returned whole.
 *
 * @example
 * ```ts
 * spellingRhymePart("untrimm'd"); // "immd"
 * spellingRhymePart("grace"); // "ace"
 * ```
 */
export function spellingRhymePart(word: string): string {
  const letters = normalizeWord(word).replace(/'/g, "");
  const groupStart = (end: number): number => {
    let i = end;
    while (i >= 0 && !isSpellingVowel(letters, i)) i--;
    if (i < 0) return -1;
    while (i > 0 && isSpellingVowel(letters, i - 1)) i--;
    return i;
  };
  let start = groupStart(letters.length - 1);
  if (start < 0) return letters;
  const n = letters.length;
  if (start === n - 1 && letters[n - 1] === "e" && n >= 2) {
    const earlier = groupStart(n - 2);
    if (earlier >= 0) start = earlier;
  }
  return letters.slice(start);
}

function sameWord(a: string, b: string): boolean {
  const bare = (w: string) => w.replace(/^'+|'+$/g, "");
  return bare(a) === bare(b);
}

/**
 * Whether two words rhyme: some pronunciation of each (all dictionary variants are tried) has the
 * same {@linkcode phonemeRhymePart}. If either word is missing from the dictionary, both are
 * compared by {@linkcode spellingRhymePart} instead. The same word twice is NOT a rhyme;
 * different words that sound the same (`there`, `their`) are.
 *
 * @example
 * ```ts
 * wordsRhyme("day", "May"); // true
 * wordsRhyme("love", "love"); // false
 * ```
 */
export function wordsRhyme(a: string, b: string): boolean {
  const wa = normalizeWord(a);
  const wb = normalizeWord(b);
  if (wa === "" || wb === "" || sameWord(wa, wb)) return false;
  const pa = pronunciations(wa);
  const pb = pronunciations(wb);
  if (pa.length === 0 || pb.length === 0) return spellingRhymePart(wa) === spellingRhymePart(wb);
  const partsB = new Set(pb.map(phonemeRhymePart));
  return pa.some((phones) => partsB.has(phonemeRhymePart(phones)));
}

function verseLines(sonnetLines: string[], where: string): string[] {
  if (!Array.isArray(sonnetLines)) {
    throw new TypeError(`${where} must be an array of strings, got ${typeof sonnetLines}`);
  }
  sonnetLines.forEach((line, i) => {
    if (typeof line !== "string") {
      throw new TypeError(`${where}[${i}] must be a string, got ${typeof line}`);
    }
  });
  return sonnetLines.filter((line) => line.trim() !== "").slice(0, 14);
}

/**
 * Rhyme accuracy of sonnets under any line-pair scheme and any rhyme test on last words: for
 * each sonnet (lines prepared as the module doc says) the pairs whose last words pass `rhyme`,
 * pooled over sonnets. `caller` names the function in error messages.
 *
 * @example
 * ```ts
 * const sonnet = ["my day", "in May", "the night", "the light"];
 * schemeRhymeAccuracy([sonnet], [[0, 1], [2, 3]], wordsRhyme).accuracy; // 1: AABB
 * ```
 */
export function schemeRhymeAccuracy(
  sonnets: string[][],
  pairs: ReadonlyArray<readonly [number, number]>,
  rhyme: (a: string, b: string) => boolean,
  caller = "schemeRhymeAccuracy",
): CorpusRhymeResult {
  if (!Array.isArray(sonnets) || sonnets.length === 0) {
    throw new RangeError(`${caller}: sonnets must be a non-empty array of line arrays`);
  }
  if (pairs.length === 0) throw new RangeError(`${caller}: pairs is empty`);
  const counts = sonnets.map((sonnetLines, k) => {
    const lines = verseLines(sonnetLines, `${caller}: sonnets[${k}]`);
    let hits = 0;
    for (const [i, j] of pairs) {
      const a = i < lines.length ? lastWord(lines[i]) : undefined;
      const b = j < lines.length ? lastWord(lines[j]) : undefined;
      if (a !== undefined && b !== undefined && rhyme(a, b)) hits++;
    }
    return hits;
  });
  const perSonnet = counts.map((c) => c / pairs.length);
  const rhymingPairs = counts.reduce((s, c) => s + c, 0);
  const totalPairs = pairs.length * sonnets.length;
  const meanPerSonnet = perSonnet.reduce((s, a) => s + a, 0) / sonnets.length;
  return {
    accuracy: rhymingPairs / totalPairs,
    meanPerSonnet,
    perSonnet,
    rhymingPairs,
    totalPairs,
  };
}

/**
 * Share of the 7 Shakespearean pairs (ABAB CDCD EFEF GG) whose last words rhyme by
 * {@linkcode wordsRhyme}.
 *
 * @example
 * ```ts
 * rhymeAccuracy([
 *   "Shall I compare thee to a summer's day?",
 *   "Thou art more lovely and more temperate:",
 *   "Rough winds do shake the darling buds of May,",
 *   "And summer's lease hath all too short a date;",
 * ]); // 1/7: day/May rhyme, temperate/date no longer does, 5 pairs lack their lines
 * ```
 */
export function rhymeAccuracy(sonnetLines: string[]): number {
  verseLines(sonnetLines, "rhymeAccuracy: sonnetLines");
  return corpusRhymeAccuracy([sonnetLines]).accuracy;
}

/**
 * {@linkcode rhymeAccuracy} over several sonnets: pooled pairs (micro) plus per-sonnet values.
 *
 * @example
 * ```ts
 * const texts = ["my day\nthe night\nin May\nthe light"];
 * const { accuracy, perSonnet } = corpusRhymeAccuracy(texts.map((t) => t.split("\n"))); // 2/7
 * ```
 */
export function corpusRhymeAccuracy(sonnets: string[][]): CorpusRhymeResult {
  return schemeRhymeAccuracy(sonnets, SHAKESPEAREAN_RHYME_PAIRS, wordsRhyme, "corpusRhymeAccuracy");
}

function checkPromptLines(fn: string, promptLines: number): void {
  if (!Number.isInteger(promptLines) || promptLines < 0 || promptLines >= 14) {
    throw new RangeError(`${fn}: promptLines must be an integer in 0..13, got ${promptLines}`);
  }
}

/**
 * The Shakespearean pairs that include at least one line after the first `promptLines` (0-based
 * index ≥ promptLines): the pairs a continuation can make or break. With the 3 prompt lines of
 * CS224N's sonnets, 6 of the 7 pairs: (1,3) lies wholly inside the prompt.
 *
 * @example
 * ```ts
 * continuationRhymePairs(3); // [[1, 3], [4, 6], [5, 7], [8, 10], [9, 11], [12, 13]]
 * ```
 */
export function continuationRhymePairs(promptLines: number): [number, number][] {
  checkPromptLines("continuationRhymePairs", promptLines);
  return SHAKESPEAREAN_RHYME_PAIRS.filter(([i, j]) => Math.max(i, j) >= promptLines)
    .map(([i, j]) => [i, j]);
}

/**
 * Rhyme accuracy of the continuation: {@linkcode wordsRhyme} over only the
 * {@linkcode continuationRhymePairs}, lines prepared as the module doc says (a missing line does
 * not rhyme). A sonnet that is its prompt alone scores 0; whole-sonnet rhyme is
 * {@linkcode corpusRhymeAccuracy}.
 *
 * @example
 * ```ts
 * const prompt = ["my day", "the night", "in May"]; // day/May rhyme inside the prompt
 * continuationRhymeAccuracy([prompt], 3).accuracy; // 0
 * continuationRhymeAccuracy([[...prompt, "the light"]], 3).accuracy; // 1/6: night/light
 * ```
 */
export function continuationRhymeAccuracy(
  sonnets: string[][],
  promptLines: number,
): CorpusRhymeResult {
  return schemeRhymeAccuracy(
    sonnets,
    continuationRhymePairs(promptLines),
    wordsRhyme,
    "continuationRhymeAccuracy",
  );
}
