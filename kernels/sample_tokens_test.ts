import assert from "node:assert/strict";
import { acquireGpu } from "./gpu.ts";
import { type DeviceSampling, sampleTokens } from "./sample_tokens.ts";
import { tensorFrom } from "./tensor.ts";
import { randomArray } from "./testing.ts";
import { argmax, chooseToken, filteredDistribution } from "../model/sampling.ts";

const gpu = await acquireGpu();

/** Device draws for `rows` logit rows with the uniform numbers `u` (rounded to f32). */
async function deviceDraws(
  rows: Float32Array,
  V: number,
  u: Float32Array,
  options: Omit<DeviceSampling, "randAt">,
): Promise<Int32Array> {
  const B = rows.length / V;
  const logits = tensorFrom(gpu, rows, [B, V]);
  const state = tensorFrom(gpu, new Int32Array(u.buffer), [B], { dtype: "i32" });
  const ids = sampleTokens(logits, state, { ...options, randAt: 0 });
  const out = new Int32Array(await ids.read());
  for (const t of [logits, state, ids]) t.dispose();
  return out;
}

/** Spread-out logits like a model's (a few large, a long tail), row by row. */
function modelLikeLogits(B: number, V: number, seed: number): Float32Array {
  const x = randomArray(B * V, seed, -1, 1);
  for (let i = 0; i < x.length; i++) x[i] = 4 * x[i] * x[i] * x[i];
  return x;
}

const settings: [string, Omit<DeviceSampling, "randAt">][] = [
  ["temperature 1", { greedy: false, temperature: 1, topK: 0, topP: 1 }],
  ["temperature 0.7, top-k 50", { greedy: false, temperature: 0.7, topK: 50, topP: 1 }],
  ["temperature 1.2, top-p 0.9", { greedy: false, temperature: 1.2, topK: 0, topP: 0.9 }],
  ["top-k 40 and top-p 0.5", { greedy: false, temperature: 1, topK: 40, topP: 0.5 }],
];

for (const [name, options] of settings) {
  Deno.test(`sampleTokens() draws the host sampler's token for the same uniform number (${name})`, async () => {
    const [B, V] = [48, 50257];
    const rows = modelLikeLogits(B, V, 7);
    const u = Float32Array.from({ length: B }, (_, b) => (b + 0.37) / B);
    const got = await deviceDraws(rows, V, u, options);
    let agree = 0;
    for (let b = 0; b < B; b++) {
      const want = chooseToken(rows.subarray(b * V, (b + 1) * V), options, () => u[b]);
      if (got[b] === want) agree++;
    }
    // f32 sums on the device against f64 on the host: a disagreement needs a draw within
    // rounding of a boundary, so all but (at most) one of these must agree.
    console.log(`${agree} of ${B} draws agree with the host`);
    assert.ok(agree >= B - 1, `${agree} of ${B} draws agree`);
  });
}

Deno.test("sampleTokens() takes the first arg-max when greedy", async () => {
  const V = 1000;
  const rows = modelLikeLogits(3, V, 9);
  rows[V + 10] = rows[V + 20] = 100; // a tie in row 1: the first wins, as on the host
  const got = await deviceDraws(rows, V, new Float32Array(3), {
    greedy: true,
    temperature: 1,
    topK: 0,
    topP: 1,
  });
  for (let b = 0; b < 3; b++) assert.equal(got[b], argmax(rows.subarray(b * V, (b + 1) * V)));
  assert.equal(got[1], 10);
});

Deno.test("sampleTokens() keeps every token tied at the top-k and top-p boundaries, as the host does", async () => {
  const V = 300;
  const row = new Float32Array(V).fill(-5);
  row[7] = row[100] = row[250] = 2; // three tied at the top: top-k 2 keeps all three
  const u = Float32Array.from({ length: 30 }, (_, i) => (i + 0.5) / 30);
  const rows = new Float32Array(30 * V);
  for (let b = 0; b < 30; b++) rows.set(row, b * V);
  for (const options of [{ topK: 2, topP: 1 }, { topK: 0, topP: 0.5 }]) {
    const o = { greedy: false, temperature: 1, ...options };
    const got = await deviceDraws(rows, V, u, o);
    const kept = filteredDistribution(row, o).ids;
    assert.deepEqual(kept, [7, 100, 250]);
    assert.deepEqual([...new Set(got)].sort((a, b) => a - b), kept, JSON.stringify(o));
    // Equal weights: u in thirds picks each in id order.
    assert.deepEqual([...got], [...u].map((x) => kept[Math.floor(x * 3)]));
  }
});

Deno.test("sampleTokens() draws from the filtered distribution (frequencies over many uniform numbers)", async () => {
  const V = 64;
  const row = Float32Array.from({ length: V }, (_, i) => Math.sin(i * 1.7) * 3);
  const options = { greedy: false, temperature: 0.8, topK: 20, topP: 0.8 };
  const n = 2000;
  const rows = new Float32Array(n * V);
  for (let b = 0; b < n; b++) rows.set(row, b * V);
  const u = Float32Array.from({ length: n }, (_, i) => (i + 0.5) / n); // stratified uniforms
  const got = await deviceDraws(rows, V, u, options);
  const { ids, probs } = filteredDistribution(row, options);
  let tv = 0;
  for (let i = 0; i < V; i++) {
    const k = ids.indexOf(i);
    const freq = got.filter((g) => g === i).length / n;
    tv += Math.abs(freq - (k >= 0 ? probs[k] : 0)) / 2;
  }
  assert.ok(tv < 0.01, `total variation ${tv}`);
});

Deno.test("sampleTokens() refuses bad options, naming them", () => {
  const logits = tensorFrom(gpu, new Float32Array(8), [2, 4]);
  const state = tensorFrom(gpu, new Int32Array(2), [2], { dtype: "i32" });
  const base = { greedy: false, temperature: 1, topK: 0, topP: 1, randAt: 0 };
  assert.throws(() => sampleTokens(logits, state, { ...base, topP: 0 }), /topP must be in/);
  assert.throws(() => sampleTokens(logits, state, { ...base, temperature: 0 }), /temperature/);
  assert.throws(() => sampleTokens(logits, state, { ...base, randAt: 1 }), /no random number/);
});
