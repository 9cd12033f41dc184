import assert from "node:assert/strict";
import { SONNET_18 } from "./sonnet18_fixture.ts";
import {
  studyLetterCorpusRhymeAccuracy,
  studyLetterRhymeAccuracy,
  studyLetterRhymePart,
} from "./study_rhyme.ts";

Deno.test("studyLetterRhymePart() keeps letters from the last single vowel letter", () => {
  assert.equal(studyLetterRhymePart("day?"), "ay"); // y is not a vowel by default
  assert.equal(studyLetterRhymePart("Temperate:"), "e");
  assert.equal(studyLetterRhymePart("sweet"), "et"); // the last vowel letter, not the group
  assert.equal(studyLetterRhymePart("ow'st"), "owst");
  assert.equal(studyLetterRhymePart("fly"), "fly"); // no vowel letter: whole word
  assert.equal(studyLetterRhymePart("fly", "aeiouy"), "y");
});

Deno.test("studyLetterRhymeAccuracy() is 7/13 for sonnet 18", () => {
  // Parts: ay e ay e es immd es immd e owst e owst e e.
  // Consecutive (1,2) (3,4) … (13,14): only (13,14) e/e ✓ → 1.
  // Quatrain (1,3) ay ✓ (2,4) e ✓ (5,7) es ✓ (6,8) immd ✓ (9,11) e ✓ (10,12) owst ✓ → 6.
  assert.equal(studyLetterRhymeAccuracy(SONNET_18), 7 / 13);
});

Deno.test("studyLetterRhymeAccuracy() counts the same word twice as a rhyme", () => {
  const lines = Array.from({ length: 14 }, () => "all my love");
  assert.equal(studyLetterRhymeAccuracy(lines), 1);
});

Deno.test("studyLetterRhymeAccuracy() uses opts.vowels when y should be a vowel", () => {
  // (1,2) fly/cry: whole words differ by default, "y" = "y" with y as a vowel; (1,3) fly/fly ✓
  // either way (same letters); (2,4) cry/cry ✓; (3,4) fly/cry like (1,2).
  const lines = ["birds fly", "babes cry", "birds fly", "babes cry"];
  assert.equal(studyLetterRhymeAccuracy(lines), 2 / 13);
  assert.equal(studyLetterRhymeAccuracy(lines, { vowels: "aeiouy" }), 4 / 13);
});

Deno.test("studyLetterCorpusRhymeAccuracy() pools 13 pairs per sonnet", () => {
  const r = studyLetterCorpusRhymeAccuracy([SONNET_18, ["x"]]);
  assert.deepEqual(r.perSonnet, [7 / 13, 0]);
  assert.equal(r.rhymingPairs, 7);
  assert.equal(r.totalPairs, 26);
  assert.equal(r.accuracy, 7 / 26);
});

Deno.test("studyLetterRhymeAccuracy() throws naming the bad argument", () => {
  assert.throws(
    () => studyLetterRhymeAccuracy(["a", 2 as unknown as string]),
    /studyLetterRhymeAccuracy: sonnetLines\[1\] must be a string, got number/,
  );
  assert.throws(() => studyLetterCorpusRhymeAccuracy([]), /sonnets must be a non-empty array/);
});
