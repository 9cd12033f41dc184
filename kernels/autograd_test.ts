import assert from "node:assert/strict";
import { backward, zeroGrad } from "./autograd.ts";
import { add, mul, scale } from "./elementwise.ts";
import { matmul } from "./matmul.ts";
import { sum } from "./reduce.ts";
import { tensorFrom } from "./tensor.ts";
import { assertClose, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

Deno.test("backward() accumulates the gradient of a tensor used twice", async () => {
  const g = await gpu();
  const x = tensorFrom(g, [1, -2, 3], [3], { requiresGrad: true });
  // loss = Σ (x·x + 2x) ⇒ dL/dx = 2x + 2
  backward(sum(add(mul(x, x), scale(x, 2))));
  assertClose(await x.grad!.readFloat(), [4, -2, 8], "dx");
});

Deno.test("backward() accumulates into .grad across calls until zeroGrad()", async () => {
  const g = await gpu();
  const x = tensorFrom(g, [1, 2], [2], { requiresGrad: true });
  backward(sum(scale(x, 3)));
  backward(sum(scale(x, 3)));
  assertClose(await x.grad!.readFloat(), [6, 6], "two backward passes");
  zeroGrad([x]);
  assert.equal(x.grad, null);
});

Deno.test("backward() gives frozen tensors no gradient", async () => {
  const g = await gpu();
  const w = tensorFrom(g, randomArray(6, 1), [2, 3], { requiresGrad: true });
  const frozen = tensorFrom(g, randomArray(6, 2), [3, 2]);
  const y = matmul(w, frozen);
  backward(sum(y));
  assert.equal(frozen.grad, null);
  assert.notEqual(w.grad, null);
});

Deno.test("ops record no graph under noGrad() and backward() refuses such a loss", async () => {
  const g = await gpu();
  const x = tensorFrom(g, [1, 2], [2], { requiresGrad: true });
  const y = g.noGrad(() => sum(scale(x, 2)));
  assert.equal(y.node, null);
  assert.throws(() => backward(y), /does not require grad/);
});

Deno.test("scope() releases intermediates and keeps the result", async () => {
  const g = await gpu();
  const x = tensorFrom(g, [1, 2, 3], [3]);
  let inner: ReturnType<typeof scale> | null = null;
  const y = g.scope(() => {
    inner = scale(x, 2);
    return add(inner, x);
  });
  assert.equal(inner!.disposed, true);
  assert.equal(y.disposed, false);
  assertClose(await y.readFloat(), [3, 6, 9], "result survives");
});

Deno.test("scope() keeps the owner of a returned view alive", async () => {
  const g = await gpu();
  const x = tensorFrom(g, [1, 2, 3, 4], [4]);
  const view = g.scope(() => scale(x, 2).reshapeView([2, 2]));
  assert.equal(view.base!.disposed, false);
  g.scope(() => scale(x, 10)); // would reuse a wrongly released buffer
  assertClose(await view.readFloat(), [2, 4, 6, 8], "view data");
});
