import assert from "node:assert/strict";
import {
  hasTenSyllables,
  heuristicSyllables,
  syllableCount,
  tenSyllableShare,
  wordSyllables,
} from "./meter.ts";

const LINE_1 = "Shall I compare thee to a summer's day?"; // 1+1+2+1+1+1+2+1 = 10
const LINE_2 = "Thou art more lovely and more temperate:"; // 1+1+1+2+1+1+2 = 9
const LINE_7 = "And every fair from fair sometime declines,"; // 1+3+1+1+1+2+2 = 11

Deno.test("heuristicSyllables() counts vowel groups and drops a silent final e", () => {
  assert.equal(heuristicSyllables("wander'st"), 2); // a, e
  assert.equal(heuristicSyllables("grace"), 1); // a, e → silent e
  assert.equal(heuristicSyllables("table"), 2); // consonant + "le" stays syllabic
  assert.equal(heuristicSyllables("free"), 1); // "ee" is one group
  assert.equal(heuristicSyllables("the"), 1); // a lone vowel group is kept
});

Deno.test("heuristicSyllables() treats y by position and -ed by the letter before it", () => {
  assert.equal(heuristicSyllables("rhythm"), 1); // inner y is the vowel
  assert.equal(heuristicSyllables("yet"), 1); // initial y is a consonant
  assert.equal(heuristicSyllables("beyond"), 2); // y before a vowel is a consonant: e, o
  assert.equal(heuristicSyllables("jumped"), 1); // u, e → silent -ed after p
  assert.equal(heuristicSyllables("wanted"), 2); // -ed after t is sounded
});

Deno.test("heuristicSyllables() is 0 when the word has no letter", () => {
  assert.equal(heuristicSyllables(""), 0);
  assert.equal(heuristicSyllables("'"), 0);
});

Deno.test("wordSyllables() counts the vowels of the first dictionary pronunciation", () => {
  assert.equal(wordSyllables("heaven"), 2); // HH EH1 V AH0 N
  assert.equal(wordSyllables("every"), 3); // EH1 V ER0 IY0 (the 2-vowel variant is not used)
  assert.equal(wordSyllables("Fire!"), 2); // F AY1 ER0
  assert.equal(wordSyllables("lov'd"), 1); // via "loved" L AH1 V D
  assert.equal(wordSyllables("o'er"), 1); // elision table AO1 R
  assert.equal(wordSyllables("th'"), 0); // elision table DH: no vowel
});

Deno.test("wordSyllables() falls back to the heuristic when the word is unknown", () => {
  assert.equal(wordSyllables("qzxgrace"), 1); // a, e → silent e
  assert.equal(wordSyllables("--"), 0);
});

Deno.test("syllableCount() sums word syllables over a line", () => {
  assert.equal(syllableCount(LINE_1), 10);
  assert.equal(syllableCount(LINE_2), 9);
  assert.equal(syllableCount(LINE_7), 11);
});

Deno.test("syllableCount() splits hyphens and ignores dashes and numerals", () => {
  assert.equal(syllableCount("self-love -- 14"), 2);
  assert.equal(syllableCount(""), 0);
});

Deno.test("tenSyllableShare() is the share of non-blank lines with 10 ± 1 syllables", () => {
  // 10 ✓, 9 ✓, "Love" = 1 ✗; the blank lines are skipped.
  assert.equal(tenSyllableShare([LINE_1, "", LINE_2, "Love", "   "]), 2 / 3);
  assert.equal(tenSyllableShare([LINE_1, LINE_2, LINE_7]), 1);
});

Deno.test("tenSyllableShare() uses opts.target and opts.tolerance", () => {
  assert.equal(tenSyllableShare([LINE_1, LINE_2, LINE_7], { tolerance: 0 }), 1 / 3);
  assert.equal(tenSyllableShare([LINE_1, LINE_2, LINE_7], { target: 9, tolerance: 0 }), 1 / 3);
  assert.equal(tenSyllableShare([LINE_1, LINE_2, LINE_7], { target: 11, tolerance: 1 }), 2 / 3);
});

Deno.test("tenSyllableShare() throws naming the bad argument", () => {
  assert.throws(() => tenSyllableShare(["", " "]), /lines has no non-blank line \(got 2 lines\)/);
  assert.throws(
    () => tenSyllableShare([LINE_1, 5 as unknown as string]),
    /lines\[1\] must be a string/,
  );
  assert.throws(() => tenSyllableShare([LINE_1], { tolerance: -1 }), /opts.tolerance/);
});

Deno.test("hasTenSyllables() accepts 9, 10 and 11 syllables only", () => {
  assert.deepEqual([LINE_1, LINE_2, LINE_7, "Love is not love"].map(hasTenSyllables), [
    true,
    true,
    true,
    false,
  ]);
  assert.equal(hasTenSyllables(`${LINE_1} and more`), false); // 12
});
