import assert from "node:assert/strict";
import { distinct1, distinct2, distinctN, meanDistinctN, wordTokens } from "./distinct.ts";

Deno.test("wordTokens() lowercases and splits on whitespace only", () => {
  assert.deepEqual(wordTokens("  Love is\tnot LOVE,\n"), ["love", "is", "not", "love,"]);
  assert.deepEqual(wordTokens("   "), []);
});

Deno.test("distinctN() counts unique over total n-grams across the corpus", () => {
  // Tokens: [the cat the dog] [the cat]. Unigrams: 6, unique {the, cat, dog} = 3.
  assert.equal(distinctN(["the cat the dog", "The cat"], 1), 0.5);
  // Bigrams: "the cat" "cat the" "the dog" | "the cat" → 4, unique 3.
  assert.equal(distinctN(["the cat the dog", "The cat"], 2), 0.75);
});

Deno.test("distinctN() does not form n-grams across text boundaries", () => {
  // Joined, "dog the" would add a 5th, unique bigram (4/5); per text it is 3/4.
  assert.equal(distinctN(["the cat the dog", "the cat"], 2), 0.75);
  assert.equal(distinctN(["a", "b"], 2), 0); // no bigram at all
});

Deno.test("distinct1() keeps punctuation attached when a word ends with a comma", () => {
  assert.equal(distinct1(["love, love"]), 1); // "love," ≠ "love"
  assert.equal(distinct1(["a rose is a rose"]), 3 / 5);
});

Deno.test("distinct2() counts a repeated bigram once", () => {
  // "a rose" "rose is" "is a" "a rose" → 3 unique / 4.
  assert.equal(distinct2(["a rose is a rose"]), 0.75);
  assert.equal(distinct2([]), 0);
});

Deno.test("meanDistinctN() averages per-text values when texts repeat each other", () => {
  // Per text distinct-1: 3/4 and 2/2 → 0.875 (the corpus value is 0.5).
  assert.equal(meanDistinctN(["the cat the dog", "The cat"], 1), 0.875);
  // "x" has no bigram and counts 0: (1 + 0) / 2.
  assert.equal(meanDistinctN(["a b", "x"], 2), 0.5);
});

Deno.test("distinct functions throw naming the bad argument", () => {
  assert.throws(() => distinctN(["a"], 0), /distinctN: n must be an integer >= 1, got 0/);
  assert.throws(() => distinctN(["a", 3 as unknown as string], 1), /texts\[1\] must be a string/);
  assert.throws(() => meanDistinctN([], 1), /meanDistinctN: texts is empty/);
});
