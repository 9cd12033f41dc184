import assert from "node:assert/strict";
import { clipGradNorm, clipGradNormCpu, gradNorm, gradNormCpu } from "./clip.ts";
import { maxChunkElements } from "./dispatch_util.ts";
import { type Tensor, tensorFrom } from "./tensor.ts";
import { assertClose, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

const SHAPES = [[257], [1], [5, 13], [4], [3, 300]];

/** Parameters with random gradients of scale `scale`; the last has no gradient. */
async function setup(scale: number) {
  const g = await gpu();
  const params: Tensor[] = SHAPES.map((shape, k) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tensorFrom(g, randomArray(n, 40 + k), shape, { name: `w${k}`, requiresGrad: true });
  });
  const grads = params.slice(0, -1).map((p, k) => randomArray(p.size, 50 + k, -scale, scale));
  params.slice(0, -1).forEach((p, k) => p.grad = tensorFrom(g, grads[k], p.shape));
  return { params, grads };
}

Deno.test("clipGradNorm() scales every gradient to maxNorm when the norm exceeds it", async () => {
  const { params, grads } = await setup(3);
  const expected = clipGradNormCpu(grads, 1.5);
  assert.ok(expected.norm > 10, "the test needs a norm well above maxNorm");
  const norm = clipGradNorm(params, 1.5);
  assertClose([await norm.item()], [expected.norm], "pre-clip norm", { atol: 0, rtol: 1e-5 });
  for (const [k, p] of params.slice(0, -1).entries()) {
    assertClose(await p.grad!.readFloat(), expected.clipped[k], `clipped grad ${k}`, {
      atol: 1e-7,
      rtol: 1e-5,
    });
  }
  assert.equal(params.at(-1)!.grad, null);
  assertClose([await gradNorm(params).item()], [1.5], "norm after clipping", { rtol: 1e-5 });
});

Deno.test("clipGradNorm() leaves gradients unchanged when the norm is below maxNorm", async () => {
  const { params, grads } = await setup(0.01);
  const expected = gradNormCpu(grads);
  assert.ok(expected < 1, "the test needs a norm below maxNorm");
  const norm = clipGradNorm(params, 1);
  assertClose([await norm.item()], [expected], "norm", { atol: 0, rtol: 1e-5 });
  for (const [k, p] of params.slice(0, -1).entries()) {
    assert.deepEqual(await p.grad!.readFloat(), grads[k], `grad ${k}`);
  }
});

Deno.test("gradNorm() measures without clipping and is 0 when nothing has a gradient", async () => {
  const { params, grads } = await setup(3);
  assertClose([await gradNorm(params).item()], [gradNormCpu(grads)], "norm", { rtol: 1e-5 });
  assert.deepEqual(await params[0].grad!.readFloat(), grads[0]);
  assert.equal(await gradNorm([params.at(-1)!]).item(), 0);
  const same = clipGradNorm(params, Infinity);
  assertClose([await same.item()], [gradNormCpu(grads)], "norm with maxNorm = Infinity");
  assert.deepEqual(await params[2].grad!.readFloat(), grads[2]);
});

Deno.test("clipGradNormCpu() equals PyTorch's formula on a hand-computed case", () => {
  // Gradients (3, 4) and (12): norm 13, coefficient 2 / (13 + 1e-6).
  const { norm, clipped } = clipGradNormCpu([[3, 4], [12]], 2);
  assert.equal(norm, 13);
  assertClose(clipped[0], [6 / 13, 8 / 13], "clipped", { atol: 1e-12, rtol: 1e-6 });
  assert.deepEqual(clipGradNormCpu([[0.3, 0.4]], 1).clipped[0], Float64Array.of(0.3, 0.4));
});

Deno.test("clipGradNorm() rejects a bad maxNorm and a gradient of the wrong shape", async () => {
  const { params } = await setup(1);
  assert.throws(
    () => clipGradNorm(params, 0),
    /clipGradNorm: maxNorm must be a positive number, got 0/,
  );
  assert.throws(() => clipGradNorm(params, NaN), /clipGradNorm: maxNorm must be a positive/);
  assert.throws(() => clipGradNorm([], 1), /clipGradNorm: no parameters given/);
  params[1].grad = tensorFrom(params[1].gpu, [1, 2], [2]);
  assert.throws(
    () => clipGradNorm(params, 1),
    /clipGradNorm: gradient of w1 \[1\] f32 must have shape \[1\], got \[2\] f32/,
  );
});

Deno.test("clipGradNorm() handles a gradient larger than one storage binding (50257 × 768)", async () => {
  const g = await gpu();
  const [rows, cols] = [50257, 768];
  const n = rows * cols;
  const grad = randomArray(n, 61, -0.01, 0.01);
  const big = tensorFrom(g, grad, [rows, cols]);
  const q = big.reshapeView([rows, cols]); // clipping reads only the parameter's shape
  q.grad = big;
  const expected = gradNormCpu([grad]);
  const t0 = performance.now();
  const norm = clipGradNorm([q], 1);
  const got = await norm.item();
  const ms = performance.now() - t0;
  assertClose([got], [expected], "norm of 38.6 M elements", { atol: 0, rtol: 1e-4 });
  const out = await big.readFloat();
  const chunk = maxChunkElements(g);
  const coef = 1 / (expected + 1e-6);
  for (const i of [0, 7, chunk - 1, chunk, chunk + 3, 1 << 24, n - 1]) {
    assertClose([out[i]], [grad[i] * coef], `clipped wte[${i}]`, { atol: 1e-9, rtol: 1e-4 });
  }
  console.log(`clipGradNorm on ${n} elements: ${ms.toFixed(0)} ms (norm ${got})`);
  big.dispose();
});
