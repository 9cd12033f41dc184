import assert from "node:assert/strict";
import { perplexityFromNll } from "./perplexity.ts";

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

Deno.test("perplexityFromNll() is 1/p when every token had probability p", () => {
  // 3 tokens at p = 1/4: NLL = 3 ln 4 → exp(ln 4) = 4.
  close(perplexityFromNll(3 * Math.log(4), 3), 4);
  assert.equal(perplexityFromNll(0, 5), 1);
});

Deno.test("perplexityFromNll() is the geometric mean of 1/p when probabilities differ", () => {
  // p = 1/2 and 1/8: NLL = ln 2 + ln 8 = ln 16; exp(ln 16 / 2) = 4.
  close(perplexityFromNll(Math.log(2) + Math.log(8), 2), 4);
});

Deno.test("perplexityFromNll() throws naming the bad argument", () => {
  assert.throws(
    () => perplexityFromNll(-0.5, 2),
    /totalNll must be a finite number >= 0, got -0.5/,
  );
  assert.throws(() => perplexityFromNll(NaN, 2), /totalNll .* got NaN/);
  assert.throws(() => perplexityFromNll(Infinity, 2), /totalNll .* got Infinity/);
  assert.throws(() => perplexityFromNll(1, 0), /tokenCount must be a positive integer, got 0/);
  assert.throws(() => perplexityFromNll(1, 2.5), /tokenCount must be a positive integer, got 2.5/);
});
