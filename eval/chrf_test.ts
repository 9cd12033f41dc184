import assert from "node:assert/strict";
import { chrF, chrFFromStatistics, chrFStatistics } from "./chrf.ts";

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

Deno.test("chrFStatistics() counts clipped n-grams per order for 'ab' vs 'abc'", () => {
  // hyp "ab": 1-grams a,b (2); 2-grams ab (1); none longer.
  // ref "abc": 1-grams a,b,c (3); 2-grams ab,bc (2); 3-gram abc (1).
  const stats = chrFStatistics(["ab"], ["abc"]);
  assert.equal(stats.length, 6);
  assert.deepEqual(stats[0], { hyp: 2, ref: 3, match: 2 });
  assert.deepEqual(stats[1], { hyp: 1, ref: 2, match: 1 });
  assert.deepEqual(stats[2], { hyp: 0, ref: 1, match: 0 });
  assert.deepEqual(stats[3], { hyp: 0, ref: 0, match: 0 });
});

Deno.test("chrFStatistics() clips repeated n-grams to the reference count", () => {
  // hyp "aaa": 1-grams a×3, 2-grams aa×2. ref "a": a×1, no 2-grams.
  // order 1: match = min(3, 1) = 1; order 2: reference has none, so hyp is recorded as 0.
  const stats = chrFStatistics(["aaa"], ["a"], { charOrder: 2 });
  assert.deepEqual(stats, [{ hyp: 3, ref: 1, match: 1 }, { hyp: 0, ref: 0, match: 0 }]);
});

Deno.test("chrF() is 7/11 when hypothesis 'ab' is scored against 'abc'", () => {
  // Effective orders 1 and 2 (order 3 has hyp 0). P = (2/2 + 1/1)/2 = 1,
  // R = (2/3 + 1/2)/2 = 7/12. F2 = 5·P·R / (4P + R) = (35/12) / (55/12) = 7/11.
  close(chrF(["ab"], ["abc"]), 100 * 7 / 11);
});

Deno.test("chrF() weights recall by beta = 2 when hypothesis 'abc' is scored against 'ab'", () => {
  // Order 1: hyp 3, ref 2, match 2. Order 2: hyp 2, ref 1, match 1. Order 3: no ref 3-gram.
  // P = (2/3 + 1/2)/2 = 7/12, R = 1. F2 = 5·(7/12) / (4·7/12 + 1) = 35/40 = 7/8.
  close(chrF(["abc"], ["ab"]), 87.5);
});

Deno.test("chrF() is 100 for identical strings and 0 for disjoint ones", () => {
  assert.equal(chrF(["shall i compare thee"], ["shall i compare thee"]), 100);
  assert.equal(chrF(["abc", "xyz"], ["abc", "xyz"]), 100);
  assert.equal(chrF(["ab"], ["cd"]), 0);
});

Deno.test("chrF() is 0 when every string is empty", () => {
  assert.equal(chrF([""], [""]), 0);
  assert.equal(chrF([""], ["abc"]), 0);
});

Deno.test("chrF() sums statistics over the corpus instead of averaging sentence scores", () => {
  // Pair 1 ("ab" vs "abc") as above; pair 2 ("abc" vs "abc"): orders 1-3 give 3/3/3, 2/2/2, 1/1/1.
  // Summed: order 1 hyp 5 ref 6 match 5; order 2: 3, 4, 3; order 3: 1, 2, 1.
  // P = (1 + 1 + 1)/3 = 1, R = (5/6 + 3/4 + 1/2)/3 = 25/36, F2 = (125/36) / (169/36) = 125/169.
  const corpus = chrF(["ab", "abc"], ["abc", "abc"]);
  close(corpus, 100 * 125 / 169);
  // The mean of the sentence scores would be (700/11 + 100)/2 = 81.818…, not 73.96….
  const meanOfSentences = (chrF(["ab"], ["abc"]) + chrF(["abc"], ["abc"])) / 2;
  close(meanOfSentences, (700 / 11 + 100) / 2);
  assert.ok(Math.abs(corpus - meanOfSentences) > 5);
});

Deno.test("chrF() drops hypothesis n-grams of an order the pair's reference lacks", () => {
  // Pair A ("abc" vs "ab"): order 3 ref has no 3-gram, so its hyp 3-gram is not counted.
  // Pair B ("abc" vs "abc"). Summed: order 1: 6, 5, 5; order 2: 4, 3, 3; order 3: 1, 1, 1.
  // P = (5/6 + 3/4 + 1)/3 = 31/36, R = 1, F2 = (155/36) / (124/36 + 36/36) = 31/32.
  // (Counting that 3-gram would give P3 = 1/2 and F2 = 125/136 instead.)
  close(chrF(["abc", "abc"], ["ab", "abc"]), 100 * 31 / 32);
});

Deno.test("chrF() removes whitespace unless opts.whitespace is true", () => {
  assert.equal(chrF(["a b\n c"], ["abc"]), 100);
  // Python's str.split() also splits on U+001C..U+001F but not on U+FEFF.
  assert.equal(chrF(["a\x1cb"], ["ab"]), 100);
  assert.notEqual(chrF(["a\ufeffb"], ["ab"]), 100);
  // Keeping the space: hyp "a b" has 1-grams a, ' ', b (3) vs ref a, b (2): match 2;
  // 2-grams "a ", " b" (2) vs "ab" (1): match 0, still an effective order; 3-gram "a b" vs none
  // (dropped). P = (2/3 + 0)/2 = 1/3, R = (1 + 0)/2 = 1/2, F2 = (5/6) / (4/3 + 1/2) = 5/11.
  close(chrF(["a b"], ["ab"], { whitespace: true }), 100 * 5 / 11);
});

Deno.test("chrF() keeps case unless opts.lowercase is true", () => {
  assert.equal(chrF(["AB"], ["ab"]), 0);
  assert.equal(chrF(["AB"], ["ab"], { lowercase: true }), 100);
});

Deno.test("chrF() counts code points, not UTF-16 units, when the text has an emoji", () => {
  // hyp "😀" is one character: order 1 hyp 1, ref ("😀b") 2, match 1; order 2 hyp 0.
  // P = 1, R = 1/2, F2 = 2.5 / 4.5 = 5/9.
  close(chrF(["😀"], ["😀b"]), 100 * 5 / 9);
});

Deno.test("chrF() averages per-order F scores when opts.epsSmoothing is true", () => {
  // "ab" vs "abc": order 1 P = 1, R = 2/3, F = (10/3)/(14/3) = 5/7; order 2 P = 1, R = 1/2,
  // F = 2.5/4.5 = 5/9; order 3 P = eps, R = 0 → 0; orders 4-6 P = R = eps → eps each.
  // Mean over 6 orders: (5/7 + 5/9)/6 = 80/378.
  close(chrF(["ab"], ["abc"], { epsSmoothing: true }), 100 * 80 / 378, 1e-12);
});

Deno.test("chrF() uses opts.charOrder and opts.beta", () => {
  // charOrder 1, "ab" vs "abc": P = 1, R = 2/3. beta 1: F1 = 2·(2/3)/(1 + 2/3) = 4/5.
  close(chrF(["ab"], ["abc"], { charOrder: 1, beta: 1 }), 80);
});

Deno.test("chrFFromStatistics() ignores orders with zero hypothesis or reference counts", () => {
  const stats = [{ hyp: 4, ref: 2, match: 2 }, { hyp: 0, ref: 5, match: 0 }, {
    hyp: 3,
    ref: 0,
    match: 0,
  }];
  // Only order 1 is effective: P = 1/2, R = 1. F2 = 5·0.5 / (2 + 1) = 5/6.
  close(chrFFromStatistics(stats), 100 * 5 / 6);
});

Deno.test("chrF() throws naming the problem when lengths differ, lists are empty or options are bad", () => {
  assert.throws(() => chrF(["a", "b"], ["a"]), /hypotheses has 2 entries but references has 1/);
  assert.throws(() => chrF([], []), /hypotheses and references are empty/);
  assert.throws(() => chrF(["a"], ["a"], { charOrder: 0 }), /charOrder must be an integer >= 1/);
  assert.throws(() => chrF(["a"], ["a"], { beta: -1 }), /beta must be/);
});
