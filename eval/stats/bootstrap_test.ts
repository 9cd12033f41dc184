import assert from "node:assert/strict";
import { seededRandom } from "../../model/sampling.ts";
import { accuracyOf, macroF1Of, pairedBootstrap } from "./bootstrap.ts";

/** 2,000 examples; A right with probability 0.8, B with 0.7, independently: true gap 0.1. */
function synthetic(seed: number) {
  const random = seededRandom(seed);
  const gold: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const g = i % 3;
    gold.push(g);
    a.push(random() < 0.8 ? g : (g + 1) % 3);
    b.push(random() < 0.7 ? g : (g + 2) % 3);
  }
  return { gold, a, b };
}

Deno.test("pairedBootstrap() interval contains the true accuracy gap on a synthetic case", () => {
  const { gold, a, b } = synthetic(7);
  const r = pairedBootstrap(gold, a, b, accuracyOf, { resamples: 2000, seed: 5 });
  assert.ok(r.ciLow < 0.1 && 0.1 < r.ciHigh, `[${r.ciLow}, ${r.ciHigh}] misses 0.1`);
  assert.ok(r.ciLow > 0, "a 10-point gap on 2,000 examples is clear of 0");
  assert.ok(r.p < 0.01);
  // The interval's width matches the normal theory of a paired mean difference: per-example
  // d ∈ {−1, 0, 1}, se = sd(d) / √n (hand formula, independent of the resampling).
  const d = gold.map((g, i) => Number(a[i] === g) - Number(b[i] === g));
  const m = d.reduce((s, v) => s + v, 0) / d.length;
  const se = Math.sqrt(d.reduce((s, v) => s + (v - m) ** 2, 0) / d.length / d.length);
  const width = r.ciHigh - r.ciLow;
  assert.ok(Math.abs(width - 2 * 1.959964 * se) < 0.1 * width, `width ${width}, se ${se}`);
  assert.ok(Math.abs(r.diff - m) < 1e-12);
});

Deno.test("pairedBootstrap() of identical predictions is exactly 0 with p = 1", () => {
  const { gold, a } = synthetic(1);
  const r = pairedBootstrap(gold, a, a, macroF1Of(3), { resamples: 200 });
  assert.deepEqual([r.diff, r.ciLow, r.ciHigh, r.p], [0, 0, 0, 1]);
});

Deno.test("pairedBootstrap() repeats itself with the same seed and throws on unequal lengths", () => {
  const { gold, a, b } = synthetic(2);
  const one = pairedBootstrap(gold, a, b, accuracyOf, { resamples: 300, seed: 9 });
  const two = pairedBootstrap(gold, a, b, accuracyOf, { resamples: 300, seed: 9 });
  assert.deepEqual(one, two);
  assert.throws(() => pairedBootstrap(gold, a, [1], accuracyOf), /same non-zero length/);
});

Deno.test("macroF1Of() matches hand-worked F1 with an absent class counted as 0", () => {
  // gold [0, 1, 1], pred [0, 1, 0]: class 0 tp 1 fp 1 fn 0 → 2/3; class 1 tp 1 fp 0 fn 1 → 2/3;
  // class 2 never occurs → 0. Macro over 3 classes: 4/9.
  assert.ok(Math.abs(macroF1Of(3)([0, 1, 1], [0, 1, 0]) - 4 / 9) < 1e-15);
  assert.equal(accuracyOf([0, 1, 1], [0, 1, 0]), 2 / 3);
});
