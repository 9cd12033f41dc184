import assert from "node:assert/strict";
import { describe, mean, sampleSd } from "./describe.ts";

// Reference values from SciPy 1.10.1 (Debian's python3-scipy), computed with:
//   x = [0.518, 0.509, 0.523, 0.511, 0.515]
//   np.mean(x), np.std(x, ddof=1), stats.t.interval(0.95, 4, loc=np.mean(x), scale=stats.sem(x))
// → 0.5152000000000001 0.0055856960175075816 (0.5082644423501508, 0.5221355576498494)

Deno.test("describe() gives mean, sd and the t interval SciPy gives for five seeds", () => {
  const d = describe([0.518, 0.509, 0.523, 0.511, 0.515]);
  assert.equal(d.n, 5);
  assert.ok(Math.abs(d.mean - 0.5152000000000001) < 1e-15);
  assert.ok(Math.abs(d.sd - 0.0055856960175075816) < 1e-15);
  assert.ok(Math.abs(d.ciLow - 0.5082644423501508) < 1e-12);
  assert.ok(Math.abs(d.ciHigh - 0.5221355576498494) < 1e-12);
});

Deno.test("describe() of 1, 2, 3 is 2 ± 4.3027 / √3 (hand-worked, t₀.₉₇₅ with 2 df)", () => {
  // t₀.₉₇₅(2) = 4.302652729911275 (stats.t.ppf(0.975, 2)); sd = 1; se = 1/√3.
  const d = describe([1, 2, 3]);
  const half = 4.302652729911275 / Math.sqrt(3);
  assert.equal(d.mean, 2);
  assert.equal(d.sd, 1);
  assert.ok(Math.abs(d.ciLow - (2 - half)) < 1e-9 && Math.abs(d.ciHigh - (2 + half)) < 1e-9);
});

Deno.test("describe() gives NaN spread for one value and throws on a non-finite one", () => {
  const d = describe([0.5]);
  assert.equal(d.mean, 0.5);
  assert.ok(Number.isNaN(d.sd) && Number.isNaN(d.ciLow));
  assert.throws(() => describe([0.5, NaN]), /value 1 is not finite/);
  assert.ok(Number.isNaN(mean([])) && Number.isNaN(sampleSd([1])));
});
