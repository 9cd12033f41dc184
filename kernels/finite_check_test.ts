import assert from "node:assert/strict";
import { maxChunkElements } from "./dispatch_util.ts";
import { checkFinite, countNonFinite, countNonFiniteCpu } from "./finite_check.ts";
import { tensorFrom } from "./tensor.ts";
import { randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

Deno.test("checkFinite() throws naming the place, count and tensor when it finds NaN and Inf", async () => {
  const g = await gpu();
  const x = randomArray(1001, 3);
  x[3] = NaN;
  x[500] = Infinity;
  x[1000] = -Infinity; // in the scalar tail (1001 = 250 vec4s + 1)
  const t = tensorFrom(g, x, [1001], { name: "loss" });
  assert.equal(await countNonFinite(t), 3);
  assert.equal(countNonFiniteCpu(x), 3);
  await assert.rejects(() => checkFinite(t, "step 7"), {
    message: "step 7: 3 non-finite values in loss [1001] f32",
  });
});

Deno.test("checkFinite() passes finite extremes: max float, subnormals, -0", async () => {
  const g = await gpu();
  const x = Float32Array.of(3.4028234e38, -3.4028234e38, 1e-45, -0, 0, 1.17549435e-38, 7);
  await checkFinite(tensorFrom(g, x, [7]), "extremes");
  assert.equal(countNonFiniteCpu(x), 0);
});

Deno.test("countNonFinite() equals the CPU count on random data and single elements", async () => {
  const g = await gpu();
  for (const n of [1, 4, 5, 255, 257, 4099]) {
    const x = randomArray(n, n);
    for (let i = 0; i < n; i += 7) x[i] = i % 2 ? NaN : -Infinity;
    assert.equal(await countNonFinite(tensorFrom(g, x, [n])), countNonFiniteCpu(x), `n = ${n}`);
  }
  assert.equal(await countNonFinite(tensorFrom(g, [NaN], [1])), 1);
  assert.equal(await countNonFinite(tensorFrom(g, [Infinity], [1])), 1);
  assert.equal(await countNonFinite(tensorFrom(g, [2], [1])), 0);
});

Deno.test("countNonFinite() rejects an integer tensor, naming the op and tensor", async () => {
  const g = await gpu();
  const t = tensorFrom(g, Int32Array.of(1, 2), [2], { name: "ids" });
  await assert.rejects(() => countNonFinite(t), {
    message: "countNonFinite: t must be f32, got ids [2] i32",
  });
});

Deno.test("countNonFinite() finds values in every chunk of a tensor over one binding", async () => {
  const g = await gpu();
  const n = 50257 * 768;
  const chunk = maxChunkElements(g);
  const x = new Float32Array(n);
  const at = [0, (1 << 24) + 5, chunk - 1, chunk + 64, n - 1];
  for (const i of at) x[i] = NaN;
  x[1 << 20] = -Infinity;
  const t = tensorFrom(g, x, [50257, 768]);
  const t0 = performance.now();
  assert.equal(await countNonFinite(t), at.length + 1);
  console.log(`countNonFinite on ${n} elements: ${(performance.now() - t0).toFixed(0)} ms`);
  t.dispose();
});
