import assert from "node:assert/strict";
import { mcnemar, mcnemarFromCounts } from "./mcnemar.ts";

// Reference values from SciPy 1.10.1 (Debian's python3-scipy):
//   stats.binomtest(min(b, c), b + c, 0.5).pvalue; chi = (|b − c| − 1)² / (b + c); stats.chi2.sf(chi, 1)
//   b=10,  c=3:  0.09228515625          2.769230769230769  0.0960923294556734
//   b=150, c=86: 3.715936139571387e-05  16.81779661016949  4.114562281345944e-05
// (b=150, c=86 are the discordant cells of Agresti's presidential-approval table, whose
//  uncorrected statistic (150 − 86)² / 236 = 17.36 he reports.)
const close = (a: number, b: number, relative: number) =>
  assert.ok(Math.abs(a - b) <= relative * Math.abs(b), `${a} differs from ${b}`);

Deno.test("mcnemarFromCounts() gives SciPy's exact and χ² p-values", () => {
  const small = mcnemarFromCounts(10, 3);
  close(small.pExact, 0.09228515625, 1e-12);
  close(small.chiSquare, 2.769230769230769, 1e-12);
  close(small.pChiSquare, 0.0960923294556734, 1e-9);
  close(small.oddsRatio, 10 / 3, 1e-12);
  const agresti = mcnemarFromCounts(150, 86);
  close(agresti.pExact, 3.715936139571387e-05, 1e-8);
  close(agresti.chiSquare, 16.81779661016949, 1e-12);
  close(agresti.pChiSquare, 4.114562281345944e-05, 1e-6);
});

Deno.test("mcnemarFromCounts() gives p = 1 for equal or no discordant counts", () => {
  assert.equal(mcnemarFromCounts(4, 4).pExact, 1);
  const none = mcnemarFromCounts(0, 0);
  assert.equal(none.pExact, 1);
  assert.ok(Number.isNaN(none.oddsRatio));
  assert.throws(() => mcnemarFromCounts(-1, 2), /b must be a count/);
});

Deno.test("mcnemar() counts the discordant examples of two prediction lists", () => {
  const gold = [0, 1, 2, 0, 1, 2];
  const a = [0, 1, 2, 1, 1, 0]; // right on 0, 1, 2, 4
  const b = [0, 0, 2, 0, 0, 0]; // right on 0, 2, 3
  const r = mcnemar(gold, a, b);
  assert.deepEqual([r.b, r.c], [2, 1]); // A-only right: 1, 4; B-only right: 3
  assert.throws(() => mcnemar(gold, a, [0]), /same length/);
});
