import assert from "node:assert/strict";
import { SONNET_18 } from "./sonnet18_fixture.ts";
import {
  continuationRhymeAccuracy,
  continuationRhymePairs,
  corpusRhymeAccuracy,
  phonemeRhymePart,
  rhymeAccuracy,
  schemeRhymeAccuracy,
  spellingRhymePart,
  wordsRhyme,
} from "./rhyme.ts";

Deno.test("phonemeRhymePart() starts at the last vowel with stress 1 or 2", () => {
  assert.equal(phonemeRhymePart(["D", "IH0", "K", "L", "AY1", "N", "Z"]), "AY N Z");
  // "abc" = EY1 B IY2 S IY2: the last stressed vowel is the final IY2.
  assert.equal(phonemeRhymePart(["EY1", "B", "IY2", "S", "IY2"]), "IY");
  // "memory" = M EH1 M ER0 IY0: unstressed vowels after the stressed one are kept.
  assert.equal(phonemeRhymePart(["M", "EH1", "M", "ER0", "IY0"]), "EH M ER IY");
});

Deno.test("phonemeRhymePart() uses the last vowel when none is stressed, all when none exists", () => {
  assert.equal(phonemeRhymePart(["DH", "AH0"]), "AH");
  assert.equal(phonemeRhymePart(["HH", "M"]), "HH M");
});

Deno.test("spellingRhymePart() takes the last vowel group and skips a final silent e", () => {
  assert.equal(spellingRhymePart("untrimm'd"), "immd");
  assert.equal(spellingRhymePart("grace"), "ace");
  assert.equal(spellingRhymePart("free"), "ee"); // "ee" is a group, not a silent e
  assert.equal(spellingRhymePart("the"), "e"); // no earlier group
  assert.equal(spellingRhymePart("rhythm"), "ythm"); // y inside a word is a vowel
  assert.equal(spellingRhymePart("yes"), "es"); // initial y is not
  assert.equal(spellingRhymePart("nth"), "nth");
});

Deno.test("wordsRhyme() is true when the phonemes from the stressed vowel agree", () => {
  assert.equal(wordsRhyme("day?", "May,"), true); // D EY1 / M EY1
  assert.equal(wordsRhyme("shines", "declines"), true); // AY N Z
  assert.equal(wordsRhyme("O'er", "more"), true); // elision table AO1 R / M AO1 R
});

Deno.test("wordsRhyme() is false for the same word and for eye rhymes", () => {
  assert.equal(wordsRhyme("love", "Love!"), false);
  assert.equal(wordsRhyme("love", "prove"), false); // AH V vs UW V
  assert.equal(wordsRhyme("temperate", "date"), false); // EH M P R AH T vs EY T
});

Deno.test("wordsRhyme() tries every pronunciation variant", () => {
  // wind = W AY1 N D or W IH1 N D.
  assert.equal(wordsRhyme("wind", "kind"), true);
  assert.equal(wordsRhyme("wind", "sinned"), true);
  assert.equal(wordsRhyme("kind", "sinned"), false);
});

Deno.test("wordsRhyme() counts homophones with different spellings as a rhyme", () => {
  assert.equal(wordsRhyme("there", "their"), true); // both DH EH1 R
});

Deno.test("wordsRhyme() falls back to spelling when a word is not in the dictionary", () => {
  // "untrimm'd" is unknown (and "untrimmed" too): both sides compared as "immd".
  assert.equal(wordsRhyme("dimm'd", "untrimm'd"), true);
  assert.equal(wordsRhyme("ow'st", "grow'st"), true); // "owst" = "owst"
  assert.equal(wordsRhyme("qzxgrace", "qzxlace"), true);
  assert.equal(wordsRhyme("qzxgrace", "qzxlice"), false);
});

Deno.test("rhymeAccuracy() is 6/7 for sonnet 18, whose temperate/date pair fails", () => {
  // day/May ✓, temperate/date ✗, shines/declines ✓, dimm'd/untrimm'd ✓ (spelling),
  // fade/shade ✓, ow'st/grow'st ✓ (spelling), see/thee ✓.
  assert.equal(rhymeAccuracy(SONNET_18), 6 / 7);
});

Deno.test("rhymeAccuracy() ignores blank lines and lines after the 14th", () => {
  const spaced = ["", ...SONNET_18.slice(0, 7), "   ", ...SONNET_18.slice(7), "extra day"];
  assert.equal(rhymeAccuracy(spaced), 6 / 7);
});

Deno.test("rhymeAccuracy() counts pairs with a missing line as not rhyming", () => {
  // 4 lines: (1,3) day/May ✓, (2,4) temperate/date ✗, the 5 other pairs lack lines.
  assert.equal(rhymeAccuracy(SONNET_18.slice(0, 4)), 1 / 7);
  assert.equal(rhymeAccuracy([]), 0);
});

Deno.test("rhymeAccuracy() does not count the same end word as a rhyme", () => {
  const lines = ["my love", "the day", "thy love", "the May"];
  assert.equal(rhymeAccuracy(lines), 1 / 7); // only day/May
});

Deno.test("corpusRhymeAccuracy() pools pairs and reports each sonnet", () => {
  const r = corpusRhymeAccuracy([SONNET_18, SONNET_18.slice(0, 4)]);
  assert.deepEqual(r.perSonnet, [6 / 7, 1 / 7]);
  assert.equal(r.rhymingPairs, 7);
  assert.equal(r.totalPairs, 14);
  assert.equal(r.accuracy, 0.5);
  assert.equal(r.meanPerSonnet, 0.5);
});

Deno.test("rhyme functions throw naming the bad argument", () => {
  assert.throws(() => corpusRhymeAccuracy([]), /corpusRhymeAccuracy: sonnets must be a non-empty/);
  assert.throws(
    () => corpusRhymeAccuracy([SONNET_18, ["a", 3 as unknown as string]]),
    /corpusRhymeAccuracy: sonnets\[1\]\[1\] must be a string, got number/,
  );
  assert.throws(
    () => rhymeAccuracy("a\nb" as unknown as string[]),
    /rhymeAccuracy: sonnetLines must be an array of strings, got string/,
  );
});

Deno.test("schemeRhymeAccuracy() scores any pair scheme with any rhyme test", () => {
  const sonnet = ["my day", "in May", "the night", "the light"];
  // AABB with phoneme rhymes: day/May ✓, night/light ✓.
  assert.equal(schemeRhymeAccuracy([sonnet], [[0, 1], [2, 3]], wordsRhyme).accuracy, 1);
  // A test that accepts only identical words: no pair passes.
  const same = (a: string, b: string) => a === b;
  assert.equal(schemeRhymeAccuracy([sonnet], [[0, 1], [2, 3]], same).accuracy, 0);
  assert.throws(() => schemeRhymeAccuracy([sonnet], [], wordsRhyme), /pairs is empty/);
});

Deno.test("continuationRhymePairs() keeps the pairs that include a line after the prompt", () => {
  assert.deepEqual(continuationRhymePairs(3), [[1, 3], [4, 6], [5, 7], [8, 10], [9, 11], [12, 13]]);
  assert.equal(continuationRhymePairs(0).length, 7);
  assert.deepEqual(continuationRhymePairs(13), [[12, 13]]);
  assert.throws(
    () => continuationRhymePairs(14),
    /promptLines must be an integer in 0\.\.13, got 14/,
  );
});

Deno.test("continuationRhymeAccuracy() scores 0 for sonnets that are their 3 prompt lines alone", () => {
  // day/May (lines 1 and 3) rhyme inside the prompt: whole-sonnet rhyme 1/7, continuation 0/6.
  const prompt = SONNET_18.slice(0, 3);
  assert.equal(corpusRhymeAccuracy([prompt]).accuracy, 1 / 7);
  const r = continuationRhymeAccuracy([prompt, prompt], 3);
  assert.equal(r.accuracy, 0);
  assert.equal(r.totalPairs, 12);
});

Deno.test("continuationRhymeAccuracy() scores Sonnet 18 over the 6 pairs a continuation makes", () => {
  // (2,4) temperate/date fails; shines/declines, dimm'd/untrimm'd, fade/shade, ow'st/grow'st,
  // see/thee rhyme: 5/6 (whole sonnet: 6/7 with day/May).
  assert.equal(continuationRhymeAccuracy([SONNET_18], 3).accuracy, 5 / 6);
  // a couplet that repeats its word (see/see) is no rhyme: 4/6
  const repeated = [...SONNET_18.slice(0, 13), "So long lives this, and this gives life to see."];
  assert.equal(continuationRhymeAccuracy([repeated], 3).accuracy, 4 / 6);
});
