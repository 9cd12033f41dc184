import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { mul } from "./elementwise.ts";
import { gelu, geluBackward, geluBackwardCpu, geluCpu } from "./gelu.ts";
import type { Gpu } from "./gpu.ts";
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

/** Values where tanh would overflow without the clamp, the clamp edges, and zero. */
const EXTREMES = [20, -20, 100, -100, 10, -10, 9.5, -9.5, 3, -3, 0, 1e-3, -1e-3];

async function checkAgainstCpu(g: Gpu, x: Float32Array, label: string) {
  const wy = randomArray(x.length, x.length + 1);
  const tx = tensorFrom(g, x, [x.length], { requiresGrad: true });
  const y = gelu(tx);
  backward(sum(mul(y, tensorFrom(g, wy, [x.length]))));
  const out = await y.readFloat();
  const dx = await tx.grad!.readFloat();
  assert.ok(out.every(Number.isFinite) && dx.every(Number.isFinite), `${label}: non-finite`);
  assertClose(out, geluCpu(x), `${label} y`, { atol: 1e-7, rtol: 1e-5 });
  assertClose(dx, geluBackwardCpu(x, wy), `${label} dx`, { atol: 1e-7, rtol: 1e-5 });
}

Deno.test("gelu() forward and backward equal the CPU reference for odd sizes", async () => {
  const g = await gpu();
  for (const n of [1, 255, 257, 1000]) {
    await checkAgainstCpu(g, randomArray(n, n, -6, 6), `n=${n}`);
  }
});

Deno.test("gelu() stays finite and exact for large |x| (no tanh overflow)", async () => {
  const g = await gpu();
  const x = Float32Array.from(EXTREMES);
  await checkAgainstCpu(g, x, "extremes");
  const y = await gelu(tensorFrom(g, [20, -20], [2])).readFloat();
  assert.equal(y[0], 20);
  assert.ok(Math.abs(y[1]) < 1e-6, `gelu(-20) = ${y[1]}`);
});

Deno.test("gelu() chunks tensors larger than one storage binding", async () => {
  const g = smallBindingGpu(await gpu(), 4096 + 296); // 1,034 elements: unaligned chunk starts
  await checkAgainstCpu(g, randomArray(3001, 9, -5, 5), "chunked");
});

Deno.test("geluBackwardCpu() equals finite differences of geluCpu()", () => {
  const x = Float64Array.from([...randomArray(20, 3, -4, 4), ...EXTREMES.slice(0, 4)]);
  const wy = randomArray(x.length, 4);
  const fd = finiteDifference((v) => dot(wy, geluCpu(v)), x);
  assertClose(geluBackwardCpu(x, wy), fd, "dx", { atol: 1e-7, rtol: 1e-6 });
});

Deno.test("gelu() rejects integer tensors and mismatched gradients, naming the op", async () => {
  const g = await gpu();
  assert.throws(
    () => gelu(tensorFrom(g, new Int32Array(3), [3])),
    /gelu: x must be f32, got \[3\] i32/,
  );
  const x = tensorFrom(g, new Float32Array(6), [2, 3]);
  assert.throws(
    () => geluBackward(x, tensorFrom(g, new Float32Array(6), [3, 2])),
    /geluBackward: gradOut must have shape \[2, 3\], got \[3, 2\] f32/,
  );
});
