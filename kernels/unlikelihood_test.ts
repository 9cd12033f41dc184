import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { scale } from "./elementwise.ts";
import { tensorFrom } from "./tensor.ts";
import { assertClose, finiteDifference, randomArray, smallBindingGpu, testGpu } from "./testing.ts";
import {
  candidateSets,
  unlikelihood,
  unlikelihoodBackwardCpu,
  unlikelihoodCpu,
} from "./unlikelihood.ts";

const gpu = testGpu();

// Crafted rows: repeats inside a row's history (the sets are distinct ids), an empty row, a row
// whose candidate is nearly certain (1 − p under the clamp), and many candidates.
const VOCAB = 37;
/** A vocabulary wide enough that a 4 KiB binding holds one row: the rows go in chunks. */
const WIDE = 700;
const ROWS: number[][] = [[3, 5, 9], [], [3], [0, 36, 1, 2, 4, 6, 7, 8, 10, 11, 12], [20]];

function craftedLogits(vocab: number): Float32Array {
  const x = randomArray(ROWS.length * vocab, 7, -3, 3);
  x[2 * vocab + 3] = 40; // row 2: p(3) ≈ 1, clamped
  return x;
}

Deno.test("unlikelihood() equals the CPU reference in value and gradient on crafted rows", async () => {
  const cases = [[await gpu(), VOCAB], [smallBindingGpu(await gpu(), 4096 + 256), WIDE]] as const;
  for (const [g, V] of cases) {
    const x = craftedLogits(V);
    const c = candidateSets(ROWS);
    const logits = tensorFrom(g, x, [ROWS.length, V], { requiresGrad: true });
    const loss = unlikelihood(logits, c, 0.25);
    backward(scale(loss, 1.5));
    const value = await loss.item();
    const want = unlikelihoodCpu(x, V, c, 0.25);
    assert.ok(Math.abs(value - want) <= 1e-4 * Math.max(1, Math.abs(want)), `${value} vs ${want}`);
    assertClose(
      await logits.grad!.readFloat(),
      unlikelihoodBackwardCpu(x, V, c, 0.25, 1.5),
      "d logits",
      { atol: 1e-5, rtol: 1e-4 },
    );
  }
});

Deno.test("unlikelihoodBackwardCpu() agrees with finite differences of unlikelihoodCpu()", () => {
  const x = Float64Array.from(randomArray(3 * VOCAB, 3, -2, 2));
  const c = candidateSets([[1, 2, 3], [4], [5, 30]]);
  const fd = finiteDifference((v) => unlikelihoodCpu(v, VOCAB, c, 0.5), x);
  const analytic = unlikelihoodBackwardCpu(x, VOCAB, c, 0.5);
  assertClose(analytic, fd, "finite differences", { atol: 1e-6, rtol: 1e-5 });
});

Deno.test("unlikelihood() is 0 with zero gradient when no row has a candidate", async () => {
  const g = await gpu();
  const logits = tensorFrom(g, randomArray(2 * VOCAB, 1), [2, VOCAB], { requiresGrad: true });
  const loss = unlikelihood(logits, candidateSets([[], []]));
  backward(loss);
  assert.equal(await loss.item(), 0);
  assert.ok((await logits.grad!.readFloat()).every((v) => v === 0));
});

Deno.test("unlikelihood() throws naming the row when a candidate is out of range or repeats", async () => {
  const g = await gpu();
  const logits = tensorFrom(g, new Float32Array(2 * VOCAB), [2, VOCAB]);
  assert.throws(() => unlikelihood(logits, candidateSets([[1], [37]])), /candidate 37 of row 1/);
  const repeated = { offsets: Int32Array.of(0, 2, 2), ids: Int32Array.of(4, 4) };
  assert.throws(() => unlikelihood(logits, repeated), /candidate 4 of row 0 .* repeats/);
  assert.throws(() => unlikelihood(logits, candidateSets([[1]])), /offsets must be 3 values/);
});
