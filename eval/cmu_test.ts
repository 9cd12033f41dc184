import assert from "node:assert/strict";
import { isVowelPhoneme, lastWord, lineWords, normalizeWord, pronunciations } from "./cmu.ts";

Deno.test("normalizeWord() strips punctuation and case when the token is 'Thee,'", () => {
  assert.equal(normalizeWord("Thee,"), "thee");
  assert.equal(normalizeWord("(love)"), "love");
  assert.equal(normalizeWord('day?"'), "day");
});

Deno.test("normalizeWord() keeps inner and leading apostrophes and straightens curly ones", () => {
  assert.equal(normalizeWord("O’er"), "o'er");
  assert.equal(normalizeWord("'Tis"), "'tis");
  assert.equal(normalizeWord("lov'd,"), "lov'd");
});

Deno.test("normalizeWord() drops accents and returns '' when the token has no letter", () => {
  assert.equal(normalizeWord("belovèd"), "beloved");
  assert.equal(normalizeWord("--"), "");
  assert.equal(normalizeWord("14"), "");
});

Deno.test("lineWords() splits on whitespace and hyphens and drops punctuation-only pieces", () => {
  assert.deepEqual(lineWords("Self-love, my liege -- is not so vile"), [
    "self",
    "love",
    "my",
    "liege",
    "is",
    "not",
    "so",
    "vile",
  ]);
  assert.deepEqual(lineWords("  ,  "), []);
});

Deno.test("lastWord() skips trailing punctuation tokens and is undefined for an empty line", () => {
  assert.equal(lastWord("Thou art more lovely and more temperate:"), "temperate");
  assert.equal(lastWord("And summer's lease hath all too short a date --"), "date");
  assert.equal(lastWord("   "), undefined);
});

Deno.test("pronunciations() returns every dictionary variant when the word has several", () => {
  // CMU dict: "the" = DH AH0, "the(2)" = DH AH1, "the(3)" = DH IY0.
  assert.deepEqual(pronunciations("the"), [["DH", "AH0"], ["DH", "AH1"], ["DH", "IY0"]]);
  assert.deepEqual(pronunciations("love"), [["L", "AH1", "V"]]);
});

Deno.test("pronunciations() handles elisions, -'d and possessives the dictionary lacks", () => {
  assert.deepEqual(pronunciations("o'er"), [["AO1", "R"]]);
  assert.deepEqual(pronunciations("'tis"), [["T", "IH1", "Z"]]); // a dictionary entry
  assert.deepEqual(pronunciations("lov'd"), [["L", "AH1", "V", "D"]]); // via "loved"
  // "beauty's" is missing; "beauty" = B Y UW1 T IY0, ends in a vowel → + Z.
  assert.deepEqual(pronunciations("beauty's"), [["B", "Y", "UW1", "T", "IY0", "Z"]]);
});

Deno.test("pronunciations() is [] for unknown words and for Object.prototype names", () => {
  assert.deepEqual(pronunciations("qzxv"), []);
  assert.deepEqual(pronunciations("tostring"), []);
  assert.deepEqual(pronunciations("__proto__"), []);
  assert.deepEqual(pronunciations(""), []);
});

Deno.test("isVowelPhoneme() is true only for phonemes with a stress digit", () => {
  assert.equal(isVowelPhoneme("AH0"), true);
  assert.equal(isVowelPhoneme("EY2"), true);
  assert.equal(isVowelPhoneme("V"), false);
  assert.equal(isVowelPhoneme("HH"), false);
});
