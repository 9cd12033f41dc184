import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { mul } from "./elementwise.ts";
import type { Gpu } from "./gpu.ts";
import {
  layerNorm,
  layerNormBackwardCpu,
  layerNormCpu,
  type LayerNormVariant,
} from "./layer_norm.ts";
import { sum } from "./reduce.ts";
import { tensorFrom } from "./tensor.ts";
import {
  assertClose,
  dot,
  finiteDifference,
  randomArray,
  smallBindingGpu,
  testGpu,
} from "./testing.ts";

const gpu = testGpu();
const VARIANTS: LayerNormVariant[] = ["rows", "groups"];
const EPS = 1e-5;

/** Shapes: a single element, odd sizes, more rows than a workgroup and than a row block. */
const SHAPES: number[][] = [[1, 1], [3, 5], [2, 7, 33], [70, 100], [130, 768]];

/** Runs forward and backward with gradient weights `wy` on `g`; returns everything read back. */
async function runGpu(
  g: Gpu,
  shape: number[],
  seed: number,
  variant?: LayerNormVariant,
) {
  const cols = shape.at(-1)!;
  const n = shape.reduce((a, b) => a * b, 1);
  const x = randomArray(n, seed, -2, 3);
  const w = randomArray(cols, seed + 1, 0.5, 1.5);
  const b = randomArray(cols, seed + 2);
  const wy = randomArray(n, seed + 3);
  const tx = tensorFrom(g, x, shape, { requiresGrad: true });
  const tw = tensorFrom(g, w, [cols], { requiresGrad: true });
  const tb = tensorFrom(g, b, [cols], { requiresGrad: true });
  const y = layerNorm(tx, tw, tb, EPS, { variant });
  backward(sum(mul(y, tensorFrom(g, wy, shape))));
  return {
    x,
    w,
    b,
    wy,
    cols,
    y: await y.readFloat(),
    dx: await tx.grad!.readFloat(),
    dw: await tw.grad!.readFloat(),
    db: await tb.grad!.readFloat(),
  };
}

function checkAgainstCpu(r: Awaited<ReturnType<typeof runGpu>>, label: string) {
  assertClose(r.y, layerNormCpu(r.x, r.w, r.b, r.cols, EPS), `${label} y`);
  const ref = layerNormBackwardCpu(r.x, r.w, r.wy, r.cols, EPS);
  const tol = { atol: 1e-4, rtol: 1e-3 };
  assertClose(r.dx, ref.dx, `${label} dx`, tol);
  assertClose(r.dw, ref.dw, `${label} dw`, tol);
  assertClose(r.db, ref.db, `${label} db`, tol);
}

Deno.test("layerNorm() forward and backward equal the CPU reference for both kernel layouts", async () => {
  const g = await gpu();
  for (const variant of VARIANTS) {
    for (const [i, shape] of SHAPES.entries()) {
      checkAgainstCpu(await runGpu(g, shape, 10 * i + 1, variant), `${variant} ${shape}`);
    }
  }
});

Deno.test("layerNorm() normalises a constant row to the bias (zero variance)", async () => {
  const g = await gpu();
  for (const variant of VARIANTS) {
    const x = tensorFrom(g, [4, 4, 4, 4, 4, 4], [2, 3]);
    const w = tensorFrom(g, [2, 3, 4], [3]);
    const b = tensorFrom(g, [0.5, -1, 7], [3]);
    const y = await layerNorm(x, w, b, EPS, { variant }).readFloat();
    assertClose(y, [0.5, -1, 7, 0.5, -1, 7], `${variant} constant rows`);
  }
});

Deno.test("layerNorm() chunks rows when the input exceeds one storage binding", async () => {
  const g = smallBindingGpu(await gpu(), 4096 + 256); // 1,024 elements per chunk
  for (const variant of VARIANTS) {
    // 37 rows of 100: 10 rows per chunk, with chunk starts that are not offset-aligned.
    checkAgainstCpu(await runGpu(g, [37, 100], 5, variant), `${variant} chunked`);
  }
});

Deno.test("layerNormBackwardCpu() equals finite differences of layerNormCpu()", () => {
  const [rows, cols] = [3, 6];
  const x = Float64Array.from(randomArray(rows * cols, 1, -2, 2));
  const w = Float64Array.from(randomArray(cols, 2, 0.5, 1.5));
  const b = Float64Array.from(randomArray(cols, 3));
  const wy = randomArray(rows * cols, 4);
  const ref = layerNormBackwardCpu(x, w, wy, cols, EPS);
  const tol = { atol: 1e-6, rtol: 1e-5 };
  const fx = (v: Float64Array) => dot(wy, layerNormCpu(v, w, b, cols, EPS));
  const fw = (v: Float64Array) => dot(wy, layerNormCpu(x, v, b, cols, EPS));
  const fb = (v: Float64Array) => dot(wy, layerNormCpu(x, w, v, cols, EPS));
  assertClose(ref.dx, finiteDifference(fx, x), "dx", tol);
  assertClose(ref.dw, finiteDifference(fw, w), "dw", tol);
  assertClose(ref.db, finiteDifference(fb, b), "db", tol);
});

Deno.test("layerNorm() computes only the gradients of inputs that require them", async () => {
  const g = await gpu();
  const x = randomArray(12, 7);
  const tx = tensorFrom(g, x, [3, 4]);
  const tw = tensorFrom(g, [1, 2, 3, 4], [4]);
  const tb = tensorFrom(g, [0, 0, 0, 0], [4], { requiresGrad: true });
  backward(sum(layerNorm(tx, tw, tb, EPS)));
  assert.equal(tx.grad, null);
  assert.equal(tw.grad, null);
  assertClose(await tb.grad!.readFloat(), [3, 3, 3, 3], "db");
});

Deno.test("layerNorm() rejects bad shapes and dtypes, naming the op and shapes", async () => {
  const g = await gpu();
  const x = tensorFrom(g, new Float32Array(8), [2, 4]);
  const w4 = tensorFrom(g, new Float32Array(4), [4]);
  const w3 = tensorFrom(g, new Float32Array(3), [3]);
  const xi = tensorFrom(g, new Int32Array(8), [2, 4]);
  assert.throws(
    () => layerNorm(x, w3, w4, EPS),
    /layerNorm: weight must have shape \[4\], got \[3\] f32/,
  );
  assert.throws(() => layerNorm(x, w4, w3, EPS), /layerNorm: bias must have shape \[4\]/);
  assert.throws(() => layerNorm(xi, w4, w4, EPS), /layerNorm: x must be f32, got \[2, 4\] i32/);
  assert.throws(() => layerNorm(x, w4, w4, NaN), /layerNorm: eps must be .* \[2, 4\]/);
});
