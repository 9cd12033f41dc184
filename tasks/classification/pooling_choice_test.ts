import assert from "node:assert/strict";
import { backward } from "../../kernels/autograd.ts";
import { mul } from "../../kernels/elementwise.ts";
import { sum } from "../../kernels/reduce.ts";
import { tensorFrom } from "../../kernels/tensor.ts";
import { assertClose, testGpu } from "../../kernels/testing.ts";
import { formatPooling, parsePooling, poolHidden } from "./pooling_choice.ts";

const gpu = testGpu();

Deno.test("parsePooling() reads last, mean and mixed:W and names a bad value", () => {
  assert.equal(parsePooling("last"), 0);
  assert.equal(parsePooling("mean"), 1);
  assert.equal(parsePooling("mixed:0.7"), 0.7);
  assert.equal(parsePooling("mixed:.25"), 0.25);
  for (const bad of ["max", "mixed:", "mixed:1.5", "mixed:-0.1", "mixed:a"]) {
    assert.throws(() => parsePooling(bad), new RegExp(`got "${bad}"`), bad);
  }
  assert.deepEqual([0, 1, 0.7].map(formatPooling), ["last", "mean", "mixed:0.7"]);
});

// hidden [2, 3, 2]; row 0 has 2 real tokens (position 2 is padding), row 1 has 3
const HIDDEN = [1, 2, 3, 4, 100, 100, 0, -3, 6, 0, 3, 6];
const MASK = Float32Array.from([1, 1, 0, 1, 1, 1]);
const LENGTHS = [2, 3];

Deno.test("poolHidden() mixes 0.7 × masked mean with 0.3 × last token, forward and backward, on a hand-computed case", async () => {
  const g = await gpu();
  await g.scopeAsync(async () => {
    const hidden = tensorFrom(g, Float32Array.from(HIDDEN), [2, 3, 2], { requiresGrad: true });
    const pooled = poolHidden(hidden, MASK, LENGTHS, 0.7);
    // row 0: mean (2, 3), last (3, 4) → (2.3, 3.3); row 1: mean (3, 1), last (3, 6) → (3, 2.5)
    assertClose(await pooled.readFloat(), [2.3, 3.3, 3, 2.5], "mixed pooled");
    // d/dhidden of Σ pooled ⊙ G, G = [[1, 2], [3, 4]]: real positions get 0.7/n · G, the last
    // one 0.3 · G more, padding 0
    backward(sum(mul(pooled, tensorFrom(g, Float32Array.from([1, 2, 3, 4]), [2, 2]))));
    const a = 0.7 / 3;
    assertClose(
      await hidden.grad!.readFloat(),
      [0.35, 0.7, 0.65, 1.3, 0, 0, 3 * a, 4 * a, 3 * a, 4 * a, 3 * a + 0.9, 4 * a + 1.2],
      "mixed pooling gradient",
    );
    const last = await poolHidden(hidden, MASK, LENGTHS, 0).readFloat();
    const mean = await poolHidden(hidden, MASK, LENGTHS, 1).readFloat();
    assertClose(last, [3, 4, 3, 6], "last");
    assertClose(mean, [2, 3, 3, 1], "mean");
    assert.throws(() => poolHidden(hidden, MASK, LENGTHS, 1.2), /meanWeight must be in \[0, 1\]/);
  });
});
