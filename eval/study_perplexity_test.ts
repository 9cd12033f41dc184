import assert from "node:assert/strict";
import {
  sonnetUnigramPerplexity,
  studyUnigramPerplexity,
  unigramEntropy,
} from "./study_perplexity.ts";

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

Deno.test("unigramEntropy() is ln 2 when two words are equally frequent", () => {
  close(unigramEntropy("a b"), Math.LN2);
  close(unigramEntropy("a a b b"), Math.LN2);
  assert.equal(unigramEntropy("a a a"), 0);
});

Deno.test("unigramEntropy() weights words by frequency when counts differ", () => {
  // "a a b": p = 2/3, 1/3. H = −(2/3)ln(2/3) − (1/3)ln(1/3) = ln 3 − (2/3) ln 2.
  close(unigramEntropy("a a b"), Math.log(3) - (2 / 3) * Math.LN2);
});

Deno.test("sonnetUnigramPerplexity() equals the number of words when all differ", () => {
  close(sonnetUnigramPerplexity("a b c d"), 4);
  // exp(ln 3 − (2/3) ln 2) = 3 / 2^(2/3) ≈ 1.88988.
  close(sonnetUnigramPerplexity("a a b"), 3 / Math.pow(2, 2 / 3));
});

Deno.test("sonnetUnigramPerplexity() lowercases and keeps punctuation attached", () => {
  close(sonnetUnigramPerplexity("Love love"), 1); // one type
  close(sonnetUnigramPerplexity("love, love"), 2); // "love," ≠ "love"
});

Deno.test("studyUnigramPerplexity() averages per-sonnet values", () => {
  const r = studyUnigramPerplexity(["a b", "a b c d"]);
  close(r.perSonnet[0], 2);
  close(r.perSonnet[1], 4);
  close(r.mean, 3);
});

Deno.test("studyUnigramPerplexity() throws naming the empty sonnet or list", () => {
  assert.throws(() => studyUnigramPerplexity([]), /sonnets must be a non-empty array/);
  assert.throws(() => studyUnigramPerplexity(["a", "  "]), /sonnets\[1\] has no word/);
});
