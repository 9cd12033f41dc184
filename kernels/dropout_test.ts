import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { fill, mul } from "./elementwise.ts";
import { dropout, dropoutCpu, dropoutMaskCpu, pcgHash } from "./dropout.ts";
import { sum } from "./reduce.ts";
import { empty, tensorFrom } from "./tensor.ts";
import { assertClose, dot, finiteDifference, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

/** |observed − expected| ≤ 5 standard deviations of a mean of n Bernoulli(q) draws. */
function assertRate(count: number, n: number, q: number, label: string): void {
  const sigma = Math.sqrt((q * (1 - q)) / n);
  const observed = count / n;
  assert.ok(
    Math.abs(observed - q) <= 5 * sigma,
    `${label}: observed ${observed}, expected ${q} ± ${5 * sigma} (5σ)`,
  );
}

Deno.test("pcgHash() equals an independent big-integer evaluation of pcg_hash", () => {
  // Values from the formula evaluated with Python's unbounded integers, masked to 32 bits.
  assert.equal(pcgHash(0), 129708002);
  assert.equal(pcgHash(1), 2831084092);
  assert.equal(pcgHash(12345), 4099845390);
  assert.equal(pcgHash(0xffffffff), 3861530882);
});

Deno.test("dropout() GPU mask equals dropoutMaskCpu() bit for bit and scales kept values exactly", async () => {
  const g = await gpu();
  for (const [n, p, seed, stream] of [[1, 0.5, 3, 0], [257, 0.1, 1, 2], [10007, 0.9, 42, 7]]) {
    const x = randomArray(n, n, 0.5, 2); // never zero, so zeros mark dropped elements
    const out = await dropout(tensorFrom(g, x, [n]), p, seed, stream, true).readFloat();
    const mask = dropoutMaskCpu(n, p, seed, stream);
    const scale = Math.fround(1 / (1 - p));
    for (let i = 0; i < n; i++) {
      const want = mask[i] ? Math.fround(x[i] * scale) : 0;
      if (out[i] !== want) assert.fail(`n=${n} p=${p} element ${i}: ${out[i]}, expected ${want}`);
    }
    assertClose(out, dropoutCpu(x, p, seed, stream), `dropoutCpu n=${n}`);
  }
});

Deno.test("dropout() keeps a fraction 1 − p of 1e6 elements within 5 sigma", async () => {
  const g = await gpu();
  const n = 1_000_000;
  const x = fill(empty(g, [n]), 1);
  for (const p of [0.1, 0.5, 0.97]) {
    const out = await dropout(x, p, 123, 4, true).readFloat();
    const kept = out.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0);
    assertRate(kept, n, 1 - p, `kept fraction p=${p}`);
  }
  x.dispose();
});

Deno.test("dropout() masks repeat for the same seed and differ for another seed or stream", async () => {
  const g = await gpu();
  const n = 100_000;
  const p = 0.3;
  const x = tensorFrom(g, new Float32Array(n).fill(1), [n]);
  const draw = async (seed: number, stream: number) =>
    Uint8Array.from(await dropout(x, p, seed, stream, true).readFloat(), (v) => (v ? 1 : 0));
  const base = await draw(5, 1);
  assert.deepEqual(await draw(5, 1), base, "same seed and stream ⇒ same mask");
  assert.deepEqual(dropoutMaskCpu(n, p, 5, 1), base);
  for (const [seed, stream] of [[6, 1], [5, 2], [1, 5]]) {
    const other = await draw(seed, stream);
    let agree = 0;
    for (let i = 0; i < n; i++) agree += other[i] === base[i] ? 1 : 0;
    // Independent masks agree with probability p² + (1 − p)².
    assertRate(agree, n, p * p + (1 - p) * (1 - p), `agreement seed=${seed} stream=${stream}`);
  }
});

Deno.test("dropout() returns x itself when p = 0 or not training", async () => {
  const g = await gpu();
  const x = tensorFrom(g, [1, 2, 3], [3], { requiresGrad: true });
  assert.equal(dropout(x, 0, 1, 0, true), x);
  assert.equal(dropout(x, 0.5, 1, 0, false), x);
});

Deno.test("dropout() backward applies the same mask and scale; the CPU one equals finite differences", async () => {
  const g = await gpu();
  const [n, p, seed, stream] = [1000, 0.25, 9, 3];
  const x = randomArray(n, 1);
  const w = randomArray(n, 2);
  const tx = tensorFrom(g, x, [n], { requiresGrad: true });
  backward(sum(mul(dropout(tx, p, seed, stream, true), tensorFrom(g, w, [n]))));
  const grad = await tx.grad!.readFloat();
  assertClose(grad, dropoutCpu(w, p, seed, stream), "dx = mask · w / (1 − p)");
  const fd = finiteDifference((v) => dot(w, dropoutCpu(v, p, seed, stream)), Float64Array.from(x));
  assertClose(dropoutCpu(w, p, seed, stream), fd, "CPU backward vs finite differences", {
    atol: 1e-8,
    rtol: 1e-6,
  });
});

Deno.test("dropout() rejects p outside [0, 1) and non-integer seeds", async () => {
  const g = await gpu();
  const x = tensorFrom(g, [1, 2], [2]);
  for (const p of [1, -0.1, 1.5, NaN]) {
    assert.throws(() => dropout(x, p, 0, 0, true), /dropout: p must be in \[0, 1\), got/);
  }
  assert.throws(() => dropout(x, 0.1, 0.5, 0, true), /seed 0.5 and stream 0 must be integers/);
  const ints = tensorFrom(g, new Int32Array(2), [2]);
  assert.throws(() => dropout(ints, 0.1, 0, 0, true), /dropout: x must be f32, got \[2\] i32/);
});

Deno.test("dropout() draws the CPU mask across chunks of a tensor over one binding", async () => {
  const g = await gpu();
  const n = Math.floor(g.maxBindingBytes / 4) + 1000; // two chunks
  const [p, seed, stream] = [0.5, 77, 1];
  const x = fill(empty(g, [n]), 2);
  const out = await dropout(x, p, seed, stream, true).readFloat();
  const mask = dropoutMaskCpu(n, p, seed, stream);
  let wrong = 0;
  for (let i = 0; i < n; i++) if (out[i] !== mask[i] * 4) wrong++;
  assert.equal(wrong, 0, "elements differing from the CPU mask");
  x.dispose();
});
