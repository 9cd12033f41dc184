import assert from "node:assert/strict";
import { compareToReference, formatComparison } from "./parity_compare.ts";

Deno.test("compareToReference() gives max and median |diff| and passes within `scaled`", () => {
  const c = compareToReference("t", [1, 2.5, -4.00002, 0], [1, 2.5, -4, 0.00001], { scaled: 1e-5 });
  assert.ok(Math.abs(c.maxAbsDiff - 2e-5) < 1e-12);
  assert.ok(Math.abs(c.medianAbsDiff - 0.5e-5) < 1e-12); // diffs 0, 0, 2e-5, 1e-5
  assert.equal(c.scale, 4);
  assert.equal(c.count, 4);
  assert.ok(c.ok, c.failure); // 2e-5 ≤ 1e-5 · 4
  assert.match(
    formatComparison(c),
    /t: max \|diff\| 2\.00e-5, median 5\.00e-6 \(max \|want\| 4\.00/,
  );
});

Deno.test("compareToReference() fails a small element off by 1% that `scaled` alone accepts", () => {
  const want = [100, 1, -2];
  const got = [100, 1.01, -2];
  assert.ok(compareToReference("g", got, want, { scaled: 2e-4 }).ok);
  const c = compareToReference("g", got, want, { scaled: 2e-4, rtol: 1e-3, atolScaled: 5e-6 });
  assert.ok(!c.ok);
  assert.match(c.failure, /g: element 1 is 1\.01, want 1/);
});

Deno.test("compareToReference() fails the largest element scaled by 1.01 and a NaN", () => {
  const want = [0.5, -3, 0.25];
  const c = compareToReference("g", [0.5, -3.03, 0.25], want, { scaled: 1e-5 });
  assert.ok(!c.ok);
  assert.match(c.failure, /max \|diff\| 3\.000e-2 at element 1/);
  assert.ok(!compareToReference("g", [NaN, -3, 0.25], want, { scaled: 1 }).ok);
});

Deno.test("compareToReference() throws when the lengths differ", () => {
  assert.throws(
    () => compareToReference("wte", [1, 2], [1], { scaled: 1e-5 }),
    /wte: 2 values against 1 in the reference/,
  );
});
