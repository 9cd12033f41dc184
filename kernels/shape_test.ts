import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { fill, mul } from "./elementwise.ts";
import { sum } from "./reduce.ts";
import { reshape } from "./shape.ts";
import { empty, tensorFrom } from "./tensor.ts";
import { assertClose, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

Deno.test("reshape() shares the buffer forward and infers one −1 dimension", async () => {
  const g = await gpu();
  const x = tensorFrom(g, randomArray(24, 1), [2, 3, 4]);
  const y = reshape(x, [6, -1]);
  assert.deepEqual(y.shape, [6, 4]);
  assert.equal(y.buffer, x.buffer);
  assert.deepEqual(await y.readFloat(), await x.readFloat());
  assert.deepEqual(reshape(x, [24]).shape, [24]);
  assert.deepEqual(reshape(tensorFrom(g, [5], [1]), []).shape, []);
});

Deno.test("reshape() gradient survives the disposal and reuse of the upstream gradient", async () => {
  const g = await gpu();
  const n = 4096;
  const w = randomArray(n, 2);
  const x = tensorFrom(g, randomArray(n, 3), [8, 512], { requiresGrad: true });
  const y = reshape(x, [64, 64]);
  // The gradient reaching reshape is an intermediate of mul's backward: autograd disposes it.
  backward(sum(mul(y, tensorFrom(g, w, [64, 64]))));
  assert.deepEqual(x.grad!.shape, [8, 512]);
  // Take every pooled buffer of this size and overwrite it.
  const reused = Array.from({ length: 8 }, () => fill(empty(g, [n]), 999));
  assertClose(await x.grad!.readFloat(), w, "dx after pooled buffers were reused", { atol: 0 });
  reused.forEach((t) => t.dispose());
});

Deno.test("reshape() of a reshape passes gradients through both", async () => {
  const g = await gpu();
  const x = tensorFrom(g, randomArray(12, 4), [3, 4], { requiresGrad: true });
  const w = randomArray(12, 5);
  backward(sum(mul(reshape(reshape(x, [2, 6]), [12]), tensorFrom(g, w, [12]))));
  assertClose(await x.grad!.readFloat(), w, "dx", { atol: 0 });
});

Deno.test("reshape() rejects a shape of another size, naming the tensor and both shapes", async () => {
  const g = await gpu();
  const x = tensorFrom(g, new Float32Array(6), [2, 3]);
  assert.throws(() => reshape(x, [4, 2]), /reshape: \[2, 3\] f32 cannot become \[4, 2\]/);
  assert.throws(() => reshape(x, [4, -1]), /reshape: \[2, 3\] f32 cannot become \[4, -1\]/);
  assert.throws(() => reshape(x, [-1, -1]), /cannot become \[-1, -1\]/);
  assert.throws(() => reshape(x, [2.5, 2]), /cannot become \[2.5, 2\]/);
});
