import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { add, mul } from "./elementwise.ts";
import {
  concatSeq,
  concatSeqBackwardCpu,
  concatSeqCpu,
  mergeHeads,
  mergeHeadsBackwardCpu,
  mergeHeadsCpu,
  splitHeads,
  splitHeadsBackwardCpu,
  splitHeadsCpu,
} from "./heads.ts";
import { sum } from "./reduce.ts";
import { shapeString, type Tensor, tensorFrom } from "./tensor.ts";
import { assertClose, dot, finiteDifference, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

/** [B, T, nHead, D] cases: odd sizes, a single token, a single head of width 1. */
const SPLIT_CASES: [number, number, number, number][] = [
  [2, 5, 3, 4],
  [1, 1, 1, 1],
  [3, 7, 2, 5],
  [1, 70, 4, 3],
];

/** Σ w·y as a differentiable scalar. */
function weighted(y: Tensor, w: Float32Array): Tensor {
  return sum(mul(y, tensorFrom(y.gpu, w, y.shape)));
}

Deno.test("splitHeads() equals the CPU reference and its backward fills each slice", async () => {
  const g = await gpu();
  for (const [B, T, H, D] of SPLIT_CASES) {
    const C = H * D;
    const shape = [B, T, 3 * C];
    const x = randomArray(B * T * 3 * C, B + T + H);
    const tx = tensorFrom(g, x, shape, { requiresGrad: true });
    const { q, k, v } = splitHeads(tx, H);
    const ref = splitHeadsCpu(x, shape, H);
    for (const [name, t] of [["q", q], ["k", k], ["v", v]] as const) {
      assert.deepEqual(t.shape, [B, H, T, D]);
      assertClose(await t.readFloat(), ref[name], `${name} ${shapeString(shape)}`);
    }
    const n = B * T * C;
    const [wq, wk, wv] = [randomArray(n, 1), randomArray(n, 2), randomArray(n, 3)];
    backward(add(add(weighted(q, wq), weighted(k, wk)), weighted(v, wv)));
    const expected = splitHeadsBackwardCpu(wq, wk, wv, shape, H);
    assertClose(await tx.grad!.readFloat(), expected, `dqkv ${shapeString(shape)}`);
  }
});

Deno.test("splitHeads() backward leaves zeros in the slices of unused outputs", async () => {
  const g = await gpu();
  const [B, T, H, D] = [2, 3, 3, 2];
  const shape = [B, T, 3 * H * D];
  const tx = tensorFrom(g, randomArray(B * T * 3 * H * D, 4), shape, { requiresGrad: true });
  const { k } = splitHeads(tx, H);
  const w = randomArray(k.size, 5);
  backward(weighted(k, w));
  const zeros = new Float32Array(k.size);
  const expected = splitHeadsBackwardCpu(zeros, w, zeros, shape, H);
  assertClose(await tx.grad!.readFloat(), expected, "dqkv with only k used");
});

Deno.test("mergeHeads() equals the CPU reference forward and backward", async () => {
  const g = await gpu();
  for (const [B, T, H, D] of SPLIT_CASES) {
    const shape = [B, H, T, D];
    const x = randomArray(B * H * T * D, 7 + T);
    const tx = tensorFrom(g, x, shape, { requiresGrad: true });
    const y = mergeHeads(tx);
    assert.deepEqual(y.shape, [B, T, H * D]);
    assertClose(await y.readFloat(), mergeHeadsCpu(x, shape), `merge ${shapeString(shape)}`);
    const w = randomArray(y.size, 8);
    backward(weighted(y, w));
    assertClose(await tx.grad!.readFloat(), mergeHeadsBackwardCpu(w, shape), "dmerge");
  }
});

Deno.test("mergeHeads() undoes splitHeads() on each slice", async () => {
  const g = await gpu();
  const [B, T, H, D] = [2, 5, 3, 4];
  const x = randomArray(B * T * 3 * H * D, 9);
  const { v } = splitHeads(tensorFrom(g, x, [B, T, 3 * H * D]), H);
  const back = await mergeHeads(v).readFloat();
  const C = H * D;
  const expected = new Float32Array(B * T * C).map((_, i) => {
    const row = Math.floor(i / C);
    return x[row * 3 * C + 2 * C + (i % C)];
  });
  assertClose(back, expected, "merge(split(x).v)", { atol: 0, rtol: 0 });
});

Deno.test("concatSeq() equals the CPU reference forward and backward, also when one is empty", async () => {
  const g = await gpu();
  const cases: [number, number, number, number, number][] = [
    [2, 3, 7, 5, 4],
    [1, 1, 0, 1, 3],
    [2, 3, 5, 0, 4],
    [1, 2, 1, 1, 1],
  ];
  for (const [B, H, Ta, Tb, D] of cases) {
    const a = randomArray(B * H * Ta * D, 10 + Ta);
    const b = randomArray(B * H * Tb * D, 11 + Tb);
    const ta = tensorFrom(g, a, [B, H, Ta, D], { requiresGrad: true });
    const tb = tensorFrom(g, b, [B, H, Tb, D], { requiresGrad: true });
    const y = concatSeq(ta, tb);
    const label = `concat ${shapeString([B, H, Ta, D])} ++ T=${Tb}`;
    assert.deepEqual(y.shape, [B, H, Ta + Tb, D]);
    assertClose(await y.readFloat(), concatSeqCpu(a, b, B * H, Ta, Tb, D), label);
    const w = randomArray(y.size, 12);
    backward(weighted(y, w));
    const { ga, gb } = concatSeqBackwardCpu(w, B * H, Ta, Tb, D);
    if (Ta > 0) assertClose(await ta.grad!.readFloat(), ga, `${label} da`);
    if (Tb > 0) assertClose(await tb.grad!.readFloat(), gb, `${label} db`);
  }
});

Deno.test("the CPU backward references equal finite differences of the forward references", () => {
  const [B, T, H, D] = [2, 3, 2, 3];
  const C = H * D;
  const shape = [B, T, 3 * C];
  const x = Float64Array.from(randomArray(B * T * 3 * C, 13));
  const w = [0, 1, 2].map((s) => randomArray(B * T * C, 14 + s));
  const fSplit = (z: Float64Array) => {
    const r = splitHeadsCpu(z, shape, H);
    return dot(w[0], r.q) + dot(w[1], r.k) + dot(w[2], r.v);
  };
  assertClose(
    splitHeadsBackwardCpu(w[0], w[1], w[2], shape, H),
    finiteDifference(fSplit, x),
    "splitHeads FD",
  );
  const hs = [B, H, T, D];
  const xm = Float64Array.from(randomArray(B * H * T * D, 15));
  const fMerge = (z: Float64Array) => dot(w[0], mergeHeadsCpu(z, hs));
  assertClose(mergeHeadsBackwardCpu(w[0], hs), finiteDifference(fMerge, xm), "mergeHeads FD");
  const [Ta, Tb] = [2, 3];
  const a = Float64Array.from(randomArray(B * H * Ta * D, 16));
  const b = Float64Array.from(randomArray(B * H * Tb * D, 17));
  const wc = randomArray(B * H * (Ta + Tb) * D, 18);
  const { ga, gb } = concatSeqBackwardCpu(wc, B * H, Ta, Tb, D);
  const fa = (z: Float64Array) => dot(wc, concatSeqCpu(z, b, B * H, Ta, Tb, D));
  const fb = (z: Float64Array) => dot(wc, concatSeqCpu(a, z, B * H, Ta, Tb, D));
  assertClose(ga, finiteDifference(fa, a), "concatSeq FD a");
  assertClose(gb, finiteDifference(fb, b), "concatSeq FD b");
});

Deno.test("head ops reject bad shapes and dtypes with the op name and shapes", async () => {
  const g = await gpu();
  const x = tensorFrom(g, new Float32Array(2 * 3 * 10), [2, 3, 10]);
  assert.throws(() => splitHeads(x, 3), /splitHeads\(qkv \[2, 3, 10\] f32, nHead 3\)/);
  assert.throws(() => splitHeads(tensorFrom(g, new Float32Array(6), [2, 3]), 1), /\[B, T, 3C\]/);
  const ints = tensorFrom(g, new Int32Array(2 * 3 * 12), [2, 3, 12]);
  assert.throws(() => splitHeads(ints, 2), /splitHeads: qkv must be f32, got \[2, 3, 12\] i32/);
  assert.throws(() => mergeHeads(x), /mergeHeads: x must be \[B, H, T, D\], got \[2, 3, 10\]/);
  const a = tensorFrom(g, new Float32Array(2 * 3 * 4 * 5), [2, 3, 4, 5]);
  const b = tensorFrom(g, new Float32Array(2 * 2 * 4 * 5), [2, 2, 4, 5]);
  assert.throws(
    () => concatSeq(a, b),
    /concatSeq: a \[2, 3, 4, 5\] f32 and b \[2, 2, 4, 5\] f32 differ outside the T axis/,
  );
});

Deno.test("splitHeads() and mergeHeads() chunk operands larger than one storage binding", async () => {
  const g = await gpu();
  const [B, T, H, D] = [4, 1024, 48, 64]; // qkv (4, 1024, 9216) f32 = 151 MB
  const C = H * D;
  if (B * T * 3 * C * 4 <= g.maxBindingBytes) return; // larger bindings need no split
  const x = randomArray(B * T * 3 * C, 41);
  const tx = tensorFrom(g, x, [B, T, 3 * C]);
  const { q, k, v } = splitHeads(tx, H);
  tx.dispose();
  const vv = await v.readFloat();
  for (const [b, h, t, d] of [[0, 0, 0, 0], [1, 47, 1023, 63], [2, 5, 700, 3], [3, 47, 1023, 63]]) {
    const got = vv[((b * H + h) * T + t) * D + d];
    assert.equal(got, x[(b * T + t) * 3 * C + 2 * C + h * D + d], `v[${b}, ${h}, ${t}, ${d}]`);
  }
  q.dispose(), k.dispose();
  // mergeHeads of a [B, H, T, D] of 3·12.6M elements: its output is over one binding too.
  const big = concatSeq(concatSeq(v, v), v); // (4, 48, 3072, 64)
  v.dispose();
  const merged = await mergeHeads(big).readFloat();
  big.dispose();
  const T3 = 3 * T;
  for (const [b, t, c] of [[0, 0, 0], [3, T3 - 1, C - 1], [2, 2000, 1234], [1, 1500, 3000]]) {
    const [h, d] = [Math.floor(c / D), c % D];
    const expected = vv[((b * H + h) * T + (t % T)) * D + d];
    assert.equal(merged[(b * T3 + t) * C + c], expected, `merged[${b}, ${t}, ${c}]`);
  }
});
