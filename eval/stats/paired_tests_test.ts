import assert from "node:assert/strict";
import { averageRanks, pairedTTest, signFlipTest, wilcoxonSignedRank } from "./paired_tests.ts";

// Reference values from SciPy 1.10.1 (Debian's python3-scipy), with
//   x = [0.518, 0.509, 0.523, 0.511, 0.515]; y = [0.509, 0.505, 0.512, 0.513, 0.501]
//   stats.ttest_rel(x, y)                      → t 2.5551843875556344, p 0.0629584322916495
//   d = x - y; stats.t.interval(0.95, 4, loc=d.mean(), scale=stats.sem(d))
//                                              → (-0.0006234685742376386, 0.015023468574237652)
//   d.mean() / d.std(ddof=1)                   → 1.1427131971241131
//   stats.permutation_test((d,), np.mean, permutation_type="samples", n_resamples=np.inf)
//                                              → p 0.125
const x = [0.518, 0.509, 0.523, 0.511, 0.515];
const y = [0.509, 0.505, 0.512, 0.513, 0.501];
const close = (a: number, b: number, tol: number) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} differs from ${b} by more than ${tol}`);

Deno.test("pairedTTest() gives SciPy's t, p, interval and Cohen's d_z", () => {
  const r = pairedTTest(x, y);
  assert.equal(r.df, 4);
  close(r.t, 2.5551843875556344, 1e-10);
  close(r.p, 0.0629584322916495, 1e-10);
  close(r.ciLow, -0.0006234685742376386, 1e-12);
  close(r.ciHigh, 0.015023468574237652, 1e-12);
  close(r.cohenDz, 1.1427131971241131, 1e-10);
});

Deno.test("pairedTTest() gives p = 0 for equal non-zero differences and throws for 1 pair", () => {
  const r = pairedTTest([2, 3, 4], [1, 2, 3]);
  assert.equal(r.t, Infinity);
  assert.equal(r.p, 0);
  assert.throws(() => pairedTTest([1], [0]), /at least 2 pairs/);
  assert.throws(() => pairedTTest([1, 2], [0]), /2 and 1 values/);
});

Deno.test("wilcoxonSignedRank() gives the published exact p of Hollander & Wolfe's example", () => {
  // Hollander & Wolfe (1973, p. 29), depression scale before/after; R's wilcox.test(x, y,
  // paired = TRUE, alternative = "greater") gives V = 40, p = 0.01953; SciPy's two-sided
  // stats.wilcoxon(x, y) gives 0.0390625.
  const r = wilcoxonSignedRank(
    [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30],
    [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29],
  );
  assert.equal(r.method, "exact");
  assert.equal(r.wPlus, 40);
  assert.equal(r.wMinus, 5);
  close(r.p, 0.0390625, 1e-12);
  close(r.rankBiserial, 35 / 45, 1e-12);
});

Deno.test("wilcoxonSignedRank() enumerates sign patterns when magnitudes tie", () => {
  // d = [0.02, -0.01, 0.02, 0.03, 0.01, 0.02, -0.02]; SciPy 1.10.1:
  //   stats.permutation_test((d,), lambda d: sum(rankdata(|d|)·(d > 0)),
  //                          permutation_type="samples", n_resamples=np.inf) → W⁺ 22, p 0.25
  const d = [0.02, -0.01, 0.02, 0.03, 0.01, 0.02, -0.02];
  const r = wilcoxonSignedRank(d, d.map(() => 0));
  assert.equal(r.method, "exact-ties");
  assert.equal(r.wPlus, 22);
  close(r.p, 0.25, 1e-12);
});

Deno.test("wilcoxonSignedRank() drops zero differences and gives p = 1 when all are zero", () => {
  const r = wilcoxonSignedRank([1, 2, 3], [1, 2, 3]);
  assert.deepEqual([r.n, r.zeros, r.p, r.rankBiserial], [0, 3, 1, 0]);
});

Deno.test("averageRanks() gives ties the mean of their ranks", () => {
  assert.deepEqual(averageRanks([0.2, 0.1, 0.2, 0.5]), [2.5, 1, 2.5, 4]);
});

Deno.test("signFlipTest() gives SciPy's exact permutation p", () => {
  const r = signFlipTest(x, y);
  close(r.p, 0.125, 1e-12);
  close(r.meanDiff, 0.0072, 1e-12);
  assert.equal(r.minP, 2 / 32);
  // d = [0.02, -0.01, 0.02, 0.03, 0.01, 0.02, -0.02]: SciPy's permutation_test(np.mean) → 0.265625
  const d = [0.02, -0.01, 0.02, 0.03, 0.01, 0.02, -0.02];
  close(signFlipTest(d, d.map(() => 0)).p, 0.265625, 1e-12);
});

Deno.test("signFlipTest() of 3 seeds all favouring A gives its smallest p, 0.25 (hand-worked)", () => {
  // 8 sign patterns; only all-plus and all-minus reach |mean| = 3.
  assert.deepEqual(signFlipTest([3, 4, 5], [1, 1, 1]), { n: 3, meanDiff: 3, p: 0.25, minP: 0.25 });
  assert.throws(() => signFlipTest(new Array(21).fill(1), new Array(21).fill(0)), /over 20/);
});
