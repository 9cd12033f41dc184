import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { mul } from "./elementwise.ts";
import {
  gatherLastToken,
  gatherLastTokenBackwardCpu,
  gatherLastTokenCpu,
  maskedMeanPool,
  maskedMeanPoolBackwardCpu,
  maskedMeanPoolCpu,
} from "./pooling.ts";
import { sum } from "./reduce.ts";
import { tensorFrom } from "./tensor.ts";
import { assertClose, dot, finiteDifference, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

/** [B, T, C]: a single element, sizes that are not multiples of the workgroup size. */
const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [2, 300, 257], [4, 9, 64]];

/** Lengths that include 1 and T. */
function lengthsFor(B: number, T: number): Int32Array {
  return Int32Array.from({ length: B }, (_, b) => [T, 1, Math.ceil(T / 2), T - 1 || 1][b % 4]);
}

/** A 0/1 mask with each row's real tokens first (length from lengthsFor) plus a hole in row 2. */
function maskFor(B: number, T: number): Float32Array {
  const lens = lengthsFor(B, T);
  const mask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < lens[b]; t++) mask[b * T + t] = 1;
  if (B > 2 && lens[2] > 2) mask[2 * T + 1] = 0;
  return mask;
}

Deno.test("gatherLastToken() forward and backward equal the CPU reference", async () => {
  const g = await gpu();
  for (const shape of SHAPES) {
    const [B, T, C] = shape;
    const x = randomArray(B * T * C, T + C);
    const lens = lengthsFor(B, T);
    const tx = tensorFrom(g, x, shape, { requiresGrad: true });
    const y = gatherLastToken(tx, lens);
    assert.deepEqual(y.shape, [B, C]);
    assertClose(await y.readFloat(), gatherLastTokenCpu(x, shape, lens), `forward ${shape}`);
    const w = randomArray(B * C, 2);
    backward(sum(mul(y, tensorFrom(g, w, [B, C]))));
    const ref = gatherLastTokenBackwardCpu(w, shape, lens);
    assertClose(await tx.grad!.readFloat(), ref, `dx ${shape}`, { atol: 0 });
  }
});

Deno.test("maskedMeanPool() forward and backward equal the CPU reference, ignoring padding", async () => {
  const g = await gpu();
  for (const shape of SHAPES) {
    const [B, T, C] = shape;
    const mask = maskFor(B, T);
    const x = randomArray(B * T * C, T * C);
    for (let i = 0; i < x.length; i++) if (mask[Math.floor(i / C)] === 0) x[i] = NaN;
    const tx = tensorFrom(g, x, shape, { requiresGrad: true });
    const y = maskedMeanPool(tx, mask);
    assertClose(await y.readFloat(), maskedMeanPoolCpu(x, shape, mask), `forward ${shape}`);
    const w = randomArray(B * C, 3);
    backward(sum(mul(y, tensorFrom(g, w, [B, C]))));
    const ref = maskedMeanPoolBackwardCpu(w, shape, mask);
    assertClose(await tx.grad!.readFloat(), ref, `dx ${shape}`);
  }
});

Deno.test("gatherLastToken() and maskedMeanPool() CPU backwards equal finite differences", () => {
  const shape = [3, 4, 5];
  const [B, T, C] = shape;
  const x = Float64Array.from(randomArray(B * T * C, 7));
  const w = randomArray(B * C, 8);
  const lens = [4, 1, 2];
  const mask = [1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1];
  const tol = { atol: 1e-8, rtol: 1e-6 };
  const fdLast = finiteDifference((v) => dot(w, gatherLastTokenCpu(v, shape, lens)), x);
  assertClose(gatherLastTokenBackwardCpu(w, shape, lens), fdLast, "gather dx", tol);
  const fdMean = finiteDifference((v) => dot(w, maskedMeanPoolCpu(v, shape, mask)), x);
  assertClose(maskedMeanPoolBackwardCpu(w, shape, mask), fdMean, "mean dx", tol);
});

Deno.test("gatherLastToken() and maskedMeanPool() reject bad lengths, masks and shapes", async () => {
  const g = await gpu();
  const x = tensorFrom(g, new Float32Array(2 * 3 * 4), [2, 3, 4]);
  assert.throws(
    () => gatherLastToken(x, [3, 4]),
    /gatherLastToken: length 4 of batch 1 is outside \[1, 3\] for x \[2, 3, 4\] f32/,
  );
  assert.throws(() => gatherLastToken(x, [0, 1]), /length 0 of batch 0 is outside \[1, 3\]/);
  assert.throws(() => gatherLastToken(x, [1]), /gatherLastToken: 1 lengths for x \[2, 3, 4\]/);
  const flat = tensorFrom(g, new Float32Array(6), [2, 3]);
  assert.throws(() => gatherLastToken(flat, [1, 1]), /x must have shape \[B, T, C\], got \[2, 3\]/);
  assert.throws(
    () => maskedMeanPool(x, new Float32Array([1, 0, 0, 0, 0, 0])),
    /maskedMeanPool: batch 1 has no real token in mask \[2, 3\]/,
  );
  assert.throws(() => maskedMeanPool(x, [1, 0.5, 0, 1, 1, 1]), /mask\[0, 1\] is 0.5/);
  assert.throws(() => maskedMeanPool(x, [1, 1]), /mask has 2 values, x \[2, 3, 4\] f32 needs/);
  assert.throws(() => maskedMeanPool(flat, [1, 1]), /maskedMeanPool: x must have shape/);
});

Deno.test("maskedMeanPool() and gatherLastToken() handle x larger than one binding", async () => {
  // Sequences of 12M floats: three of them (144 MB) are split into chunks of whole sequences.
  const g = await gpu();
  const shape = [3, 4, 3_000_000];
  const [B, T, C] = shape;
  if (B * T * C * 4 <= g.maxBindingBytes) return; // larger bindings need no split
  const x = randomArray(B * T * C, 31);
  const tx = tensorFrom(g, x, shape, { requiresGrad: true });
  const mask = [1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 1, 1];
  const y = maskedMeanPool(tx, mask);
  assertClose(await y.readFloat(), maskedMeanPoolCpu(x, shape, mask), "mean forward");
  const w = randomArray(B * C, 32);
  backward(sum(mul(y, tensorFrom(g, w, [B, C]))));
  const dx = await tx.grad!.readFloat();
  assertClose(dx, maskedMeanPoolBackwardCpu(w, shape, mask), "mean dx");
  tx.grad!.dispose();
  const lens = [4, 1, 3];
  assertClose(
    await gatherLastToken(tx, lens).readFloat(),
    gatherLastTokenCpu(x, shape, lens),
    "last",
  );
  tx.dispose();
});
