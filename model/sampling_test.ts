import assert from "node:assert/strict";
import {
  argmax,
  chooseToken,
  filteredDistribution,
  nucleus,
  sampleStream,
  seededRandom,
  streamSeed,
} from "./sampling.ts";
import { randomArray } from "../kernels/testing.ts";

const logits = Float32Array.from([1, 3, 2, -1, 0]);

Deno.test("argmax() takes the first of equal maxima", () => {
  assert.equal(argmax([0, 2, 2, 1]), 1);
});

Deno.test("chooseToken() is greedy without sampling", () => {
  assert.equal(chooseToken(logits, {}, seededRandom(1)), 1);
  assert.equal(chooseToken(logits, { temperature: 0 }, seededRandom(1)), 1);
});

Deno.test("filteredDistribution() applies temperature as softmax(logits / T)", () => {
  const { ids, probs } = filteredDistribution(logits, { temperature: 2 });
  assert.deepEqual(ids, [1, 2, 0, 4, 3]);
  const z = [3, 2, 1, 0, -1].map((v) => Math.exp(v / 2));
  const total = z.reduce((a, b) => a + b, 0);
  z.forEach((v, i) => assert.ok(Math.abs(probs[i] - v / total) < 1e-12, `p[${i}]`));
});

Deno.test("filteredDistribution() keeps the k most likely with topK", () => {
  const { ids, probs } = filteredDistribution(logits, { topK: 2 });
  assert.deepEqual(ids, [1, 2]);
  const e = Math.exp(-1); // p(2)/p(1)
  assert.ok(Math.abs(probs[0] - 1 / (1 + e)) < 1e-12);
});

Deno.test("filteredDistribution() keeps the smallest set reaching topP", () => {
  // softmax([3, 2, 1, 0, -1]) ≈ [0.6364, 0.2341, 0.0861, 0.0317, 0.0117]
  assert.deepEqual(filteredDistribution(logits, { topP: 0.6 }).ids, [1]);
  assert.deepEqual(filteredDistribution(logits, { topP: 0.8 }).ids, [1, 2]);
  assert.deepEqual(filteredDistribution(logits, { topP: 0.9 }).ids, [1, 2, 0]);
});

Deno.test("chooseToken() draws the same tokens from the same seed and follows the probabilities", () => {
  const draw = (seed: number) => {
    const r = seededRandom(seed);
    return Array.from({ length: 20000 }, () => chooseToken(logits, { temperature: 1 }, r));
  };
  assert.deepEqual(draw(7), draw(7));
  assert.notDeepEqual(draw(7), draw(8));
  const counts = new Map<number, number>();
  for (const t of draw(9)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const p1 = (counts.get(1) ?? 0) / 20000; // expected 0.6364, σ ≈ 0.0034
  assert.ok(Math.abs(p1 - 0.6364) < 0.02, `share of token 1: ${p1}`);
});

Deno.test("filteredDistribution() rejects bad settings, naming them", () => {
  assert.throws(() => filteredDistribution(logits, { temperature: -1 }), /temperature must be > 0/);
  assert.throws(() => filteredDistribution(logits, { topP: 1.5 }), /topP must be in \(0, 1\]/);
  assert.throws(() => filteredDistribution(logits, { topK: 1.5 }), /topK must be a non-negative/);
});

Deno.test("chooseToken() with topP draws only from the nucleus, in proportion", () => {
  const r = seededRandom(11);
  const counts = new Map<number, number>();
  for (let i = 0; i < 20000; i++) {
    const t = chooseToken(logits, { temperature: 1, topP: 0.8 }, r);
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), [1, 2]);
  const share = counts.get(1)! / 20000; // e³ / (e³ + e²) = 0.7311, σ ≈ 0.0031
  assert.ok(Math.abs(share - 0.7311) < 0.02, `share of token 1: ${share}`);
});

Deno.test("nucleus() keeps tokens tied at the top-k boundary together", () => {
  const { ids } = nucleus(Float32Array.from([5, 1, 5, 3, 5]), { topK: 2 });
  assert.deepEqual([...ids], [0, 2, 4]);
});

Deno.test("nucleus() keeps exactly the most likely tokens whose mass reaches topP (sorted reference)", () => {
  for (
    const [seed, n, spread, topP] of [[1, 50257, 1, 0.9], [2, 5000, 8, 0.5], [3, 300, 0.01, 0.95]]
  ) {
    const logits = randomArray(n, seed, -spread, spread);
    const { ids } = nucleus(logits, { topP, temperature: 1.2 });
    // Reference: sort by probability, keep the shortest prefix whose mass reaches topP.
    const p = Array.from(logits, (v) => Math.exp(v / 1.2));
    const total = p.reduce((a, b) => a + b, 0);
    const order = [...p.keys()].sort((a, b) => p[b] - p[a]);
    let mass = 0;
    let k = 0;
    while (mass < topP * total) mass += p[order[k++]];
    const expected = order.slice(0, k).sort((a, b) => a - b);
    assert.deepEqual([...ids], expected, `seed ${seed}: ${ids.length} kept, expected ${k}`);
  }
});

Deno.test("streamSeed() gives each (seed, stream) its own sequence; sampleStream() numbers samples apart", () => {
  const first = (seed: number, stream: number) => seededRandom(streamSeed(seed, stream))();
  assert.equal(first(5, 3), first(5, 3));
  const seen = new Set([0, 1, 2, 3].flatMap((s) => [first(5, s), first(6, s)]));
  assert.equal(seen.size, 8);
  assert.notEqual(sampleStream(0, 1), sampleStream(1, 0));
  assert.throws(() => sampleStream(0, -1), /sample index must be an integer/);
});
