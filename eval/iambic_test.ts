import assert from "node:assert/strict";
import { fitsLooseIambicPentameter, looseIambicShare } from "./iambic.ts";

// Positions by hand from the CMU stresses (1 = primary, 0 = none; monosyllables free):
// Shall1 I2 com3(0) pare4(1) thee5 to6 a7 sum8(1) mer's9(0) day10 → 10, primaries on 4 and 8.
const SONNET_18 = "Shall I compare thee to a summer's day?";

Deno.test("fitsLooseIambicPentameter() accepts 10 syllables with every polysyllable's stress on the beat", () => {
  assert.equal(fitsLooseIambicPentameter(SONNET_18), true);
});

Deno.test("fitsLooseIambicPentameter() tries every pronunciation variant", () => {
  // temperate is T EH1 M P R AH0 T (2 syllables: 9 in all) first, T EH1 M P ER0 AH0 T second:
  // Thou1 art2 more3 love4(1) ly5(0) and6 more7 tem8(1) per9 ate10.
  assert.equal(fitsLooseIambicPentameter("Thou art more lovely and more temperate:"), true);
});

Deno.test("fitsLooseIambicPentameter() allows a stressed first syllable (initial inversion)", () => {
  // Mak1(1) ing2 a3 fam4(1) ine5 where6 a7 bun8(1) dance9 lies10
  assert.equal(fitsLooseIambicPentameter("Making a famine where abundance lies"), true);
  // the same stress on position 3 is off the beat: And1 now2 mak3(1) ing4 …
  assert.equal(fitsLooseIambicPentameter("And now making a famine where it lies"), false);
});

Deno.test("fitsLooseIambicPentameter() rejects a polysyllable stressed on a weak position", () => {
  // Re1 mem2(1) ber3 the4 beau5(1) ✗
  assert.equal(fitsLooseIambicPentameter("Remember the beautiful flowers today"), false);
});

Deno.test("fitsLooseIambicPentameter() takes an 11th syllable only when it is unstressed", () => {
  // To1 be2 or3 not4 to5 be6 that7 is8 the9 ques10(1) tion11(0): a feminine ending
  assert.equal(fitsLooseIambicPentameter("To be, or not to be, that is the question"), true);
  // 11 syllables ending on day (EY1): not a feminine ending
  assert.equal(fitsLooseIambicPentameter("Shall I compare thee to a summer's bright day"), false);
});

Deno.test("fitsLooseIambicPentameter() rejects lines of the wrong length", () => {
  assert.equal(fitsLooseIambicPentameter("Love is not love"), false); // 4
  assert.equal(fitsLooseIambicPentameter(""), false); // 0
  assert.equal(fitsLooseIambicPentameter(`${SONNET_18} and more`), false); // 12
});

Deno.test("fitsLooseIambicPentameter() treats a word missing from the dictionary as free syllables", () => {
  // "qzxgrace" is unknown: 1 free syllable (heuristic), standing in for "day"
  assert.equal(fitsLooseIambicPentameter("Shall I compare thee to a summer's qzxgrace"), true);
});

Deno.test("looseIambicShare() is the share of non-blank lines that fit", () => {
  assert.equal(looseIambicShare([SONNET_18, "", "Love is not love", "  "]), 1 / 2);
  assert.throws(() => looseIambicShare(["", " "]), /no non-blank line \(got 2 lines\)/);
  assert.throws(() => looseIambicShare([SONNET_18, 3 as unknown as string]), /lines\[1\] must/);
});
