/**
 * Word normalisation and CMU Pronouncing Dictionary look-ups shared by the rhyme and meter
 * metrics.
 *
 * Normalisation of a token (see {@linkcode normalizeWord}): lowercase; accents dropped
 * (`belovèd` → `beloved`); curly apostrophes (’ ‘ ʼ) made straight; every character other than a
 * letter or an apostrophe removed from both ends (`thee,` → `thee`, `(love)` → `love`). Inner
 * apostrophes stay (`o'er`, `'tis`, `lov'd`), since the dictionary has entries such as `'tis` and
 * `ne'er`.
 *
 * Look-up order of {@linkcode pronunciations}, first hit wins:
 * 1. a small table of poetic elisions the dictionary lacks (`o'er` = AO1 R, as in "more");
 * 2. the dictionary entry and its variants (`word`, `word(2)`, `word(3)`, …);
 * 3. the word without leading/trailing apostrophes (`lovers'` is tried as is first);
 * 4. `X'd` as `Xed`, then `Xd` (`lov'd` → `loved`);
 * 5. `X's` as the pronunciation of `X` plus the possessive ending: IH0 Z after S Z SH ZH CH JH,
 *    S after P T K F TH, Z otherwise.
 * A word found by none of these has no pronunciation (`[]`); callers use spelling fallbacks.
 *
 * @module
 */
// The lead's brief asks for this inline specifier; deno.json is not this module's to edit.
import { dictionary } from "npm:cmu-pronouncing-dictionary@3.0.0";

/** Poetic elisions missing from the dictionary, in ARPAbet (stress digits on vowels). */
const ELISIONS: Readonly<Record<string, string>> = {
  "o'er": "AO1 R",
  "e'er": "EH1 R",
  "e'en": "IY1 N",
  "whate'er": "W AH0 T EH1 R",
  "howe'er": "HH AW0 EH1 R",
  "where'er": "W EH0 R EH1 R",
  "whene'er": "W EH0 N EH1 R",
  "'gainst": "G EH1 N S T",
  "'twixt": "T W IH1 K S T",
  "th'": "DH",
};

const SIBILANTS = new Set(["S", "Z", "SH", "ZH", "CH", "JH"]);
const VOICELESS = new Set(["P", "T", "K", "F", "TH"]);

/**
 * Normalises one token to the form used for look-ups (see the module doc); "" when the token
 * has no letter.
 *
 * @example
 * ```ts
 * normalizeWord("Thee,"); // "thee"
 * normalizeWord("O’er"); // "o'er"
 * normalizeWord("--"); // ""
 * ```
 */
export function normalizeWord(token: string): string {
  const plain = token.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'");
  const trimmed = plain.replace(/^[^\p{L}']+|[^\p{L}']+$/gu, "");
  return /\p{L}/u.test(trimmed) ? trimmed : "";
}

/**
 * The normalised words of a line: split on whitespace and on hyphens and dashes
 * (`self-love` → `self`, `love`), each piece normalised, pieces without a letter dropped.
 *
 * @example
 * ```ts
 * lineWords("Shall I compare thee to a summer's day?"); // [..., "summer's", "day"]
 * ```
 */
export function lineWords(line: string): string[] {
  return line.split(/[\s\-\u2010-\u2015]+/u).map(normalizeWord).filter((w) => w !== "");
}

/**
 * The last normalised word of a line, or `undefined` when the line has no word.
 *
 * @example
 * ```ts
 * lastWord("Thou art more lovely and more temperate:"); // "temperate"
 * ```
 */
export function lastWord(line: string): string | undefined {
  const words = lineWords(line);
  return words.length === 0 ? undefined : words[words.length - 1];
}

function lookup(word: string): string[][] {
  const out: string[][] = [];
  if (!Object.hasOwn(dictionary, word)) return out;
  out.push(dictionary[word].split(" "));
  for (let k = 2; Object.hasOwn(dictionary, `${word}(${k})`); k++) {
    out.push(dictionary[`${word}(${k})`].split(" "));
  }
  return out;
}

/**
 * Every pronunciation of a normalised word as ARPAbet phonemes (vowels carry a stress digit),
 * the dictionary's main one first; `[]` when the word is unknown. See the module doc for the
 * look-up order.
 *
 * @example
 * ```ts
 * pronunciations("love"); // [["L", "AH1", "V"]]
 * pronunciations("o'er"); // [["AO1", "R"]]
 * ```
 */
export function pronunciations(word: string): string[][] {
  if (word === "") return [];
  if (Object.hasOwn(ELISIONS, word)) return [ELISIONS[word].split(" ")];
  const direct = lookup(word);
  if (direct.length > 0) return direct;
  const bare = word.replace(/^'+|'+$/g, "");
  if (bare !== word) return pronunciations(bare);
  if (word.endsWith("'d")) {
    const stem = word.slice(0, -2);
    const past = lookup(stem + "ed");
    return past.length > 0 ? past : lookup(stem + "d");
  }
  if (word.endsWith("'s")) {
    return pronunciations(word.slice(0, -2)).map((phones) => {
      const last = phones[phones.length - 1];
      const ending = SIBILANTS.has(last) ? ["IH0", "Z"] : VOICELESS.has(last) ? ["S"] : ["Z"];
      return [...phones, ...ending];
    });
  }
  return [];
}

/**
 * Whether an ARPAbet phoneme is a vowel (it carries a stress digit 0, 1 or 2).
 *
 * @example
 * ```ts
 * isVowelPhoneme("AH1"); // true
 * isVowelPhoneme("V"); // false
 * ```
 */
export function isVowelPhoneme(phoneme: string): boolean {
  return /[012]$/.test(phoneme);
}
