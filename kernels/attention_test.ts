import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { mul } from "./elementwise.ts";
import { attentionCpu, type AttentionCpuOptions, causalSelfAttention } from "./attention.ts";
import { concatSeq } from "./heads.ts";
import { sum } from "./reduce.ts";
import { tensorFrom } from "./tensor.ts";
import { assertClose, dot, finiteDifference, padMask, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

interface Case {
  name: string;
  /** [B, H, Tq, Tk, D]. */
  dims: [number, number, number, number, number];
  opts: AttentionCpuOptions & { keyMask?: Float32Array };
}

const CASES: Case[] = [
  { name: "causal", dims: [2, 3, 5, 5, 4], opts: {} },
  { name: "T=1", dims: [1, 2, 1, 1, 3], opts: {} },
  { name: "right padding", dims: [2, 3, 5, 5, 4], opts: { keyMask: padMask([5, 2], 5) } },
  { name: "left padding", dims: [2, 1, 4, 4, 3], opts: { keyMask: padMask([4, 2], 4, true) } },
  { name: "cache: 3 over 7", dims: [2, 3, 3, 7, 5], opts: { queryOffset: 4 } },
  {
    name: "prefix + padding",
    dims: [2, 3, 5, 8, 4],
    opts: { alwaysVisible: 3, keyMask: padMask([8, 6], 8) },
  },
  {
    name: "dropout",
    dims: [2, 3, 5, 5, 4],
    opts: { keyMask: padMask([5, 3], 5), dropout: { p: 0.3, seed: 11, stream: 2 } },
  },
];

function sizes([B, H, Tq, Tk, D]: number[]) {
  return { q: [B, H, Tq, D], kv: [B, H, Tk, D], nq: B * H * Tq * D, nkv: B * H * Tk * D };
}

Deno.test("causalSelfAttention() forward equals attentionCpu() for every mask kind", async () => {
  const g = await gpu();
  for (const { name, dims, opts } of CASES) {
    const s = sizes(dims);
    const [q, k, v] = [
      randomArray(s.nq, 1, -2, 2),
      randomArray(s.nkv, 2, -2, 2),
      randomArray(s.nkv, 3),
    ];
    const y = causalSelfAttention(
      tensorFrom(g, q, s.q),
      tensorFrom(g, k, s.kv),
      tensorFrom(g, v, s.kv),
      opts,
    );
    assert.deepEqual(y.shape, s.q);
    assertClose(await y.readFloat(), attentionCpu(q, k, v, dims, opts), `${name} forward`);
  }
});

Deno.test("causalSelfAttention() gradients equal finite differences of attentionCpu()", async () => {
  const g = await gpu();
  for (const { name, dims, opts } of CASES) {
    const s = sizes(dims);
    const [q, k, v] = [
      randomArray(s.nq, 4, -2, 2),
      randomArray(s.nkv, 5, -2, 2),
      randomArray(s.nkv, 6),
    ];
    const w = randomArray(s.nq, 7);
    const tq = tensorFrom(g, q, s.q, { requiresGrad: true });
    const tk = tensorFrom(g, k, s.kv, { requiresGrad: true });
    const tv = tensorFrom(g, v, s.kv, { requiresGrad: true });
    const y = causalSelfAttention(tq, tk, tv, opts);
    backward(sum(mul(y, tensorFrom(g, w, s.q))));
    const f64 = (x: Float32Array) => Float64Array.from(x);
    const fq = (x: Float64Array) => dot(w, attentionCpu(x, k, v, dims, opts));
    const fk = (x: Float64Array) => dot(w, attentionCpu(q, x, v, dims, opts));
    const fv = (x: Float64Array) => dot(w, attentionCpu(q, k, x, dims, opts));
    const tol = { atol: 1e-4, rtol: 1e-3 };
    assertClose(await tq.grad!.readFloat(), finiteDifference(fq, f64(q)), `${name} dq`, tol);
    assertClose(await tk.grad!.readFloat(), finiteDifference(fk, f64(k)), `${name} dk`, tol);
    assertClose(await tv.grad!.readFloat(), finiteDifference(fv, f64(v)), `${name} dv`, tol);
  }
});

Deno.test("causalSelfAttention() of one new query over 7 cached keys equals the last row of full attention", async () => {
  const g = await gpu();
  const [B, H, T, D] = [2, 3, 7, 4];
  const kv = [B, H, T, D];
  const [q, k, v] = [
    randomArray(B * H * T * D, 8, -2, 2),
    randomArray(B * H * T * D, 9),
    randomArray(B * H * T * D, 10),
  ];
  const [tk, tv] = [tensorFrom(g, k, kv), tensorFrom(g, v, kv)];
  const full = await causalSelfAttention(tensorFrom(g, q, kv), tk, tv).readFloat();
  // The last query of each (b, h), attending over all 7 keys from position offset 6.
  const lastQ = new Float32Array(B * H * D);
  for (let bh = 0; bh < B * H; bh++) {
    lastQ.set(q.subarray((bh * T + T - 1) * D, (bh * T + T) * D), bh * D);
  }
  const tq1 = tensorFrom(g, lastQ, [B, H, 1, D]);
  const step = await causalSelfAttention(tq1, tk, tv, { queryOffset: T - 1 }).readFloat();
  const expected = new Float32Array(B * H * D);
  for (let bh = 0; bh < B * H; bh++) {
    expected.set(full.subarray((bh * T + T - 1) * D, (bh * T + T) * D), bh * D);
  }
  assertClose(step, expected, "cached step vs last row");
  // The same through a cache built with concatSeq: 6 cached keys ++ the new one.
  const sliceT = (x: Float32Array, t0: number, t1: number) => {
    const out = new Float32Array(B * H * (t1 - t0) * D);
    for (let bh = 0; bh < B * H; bh++) {
      out.set(x.subarray((bh * T + t0) * D, (bh * T + t1) * D), bh * (t1 - t0) * D);
    }
    return out;
  };
  const cat = (x: Float32Array) =>
    concatSeq(
      tensorFrom(g, sliceT(x, 0, T - 1), [B, H, T - 1, D]),
      tensorFrom(g, sliceT(x, T - 1, T), [B, H, 1, D]),
    );
  const viaCache = await causalSelfAttention(tq1, cat(k), cat(v), { queryOffset: T - 1 })
    .readFloat();
  assertClose(viaCache, expected, "concatSeq cache step vs last row");
});

Deno.test("causalSelfAttention() prefix keys are seen by every query and padding keys by none", () => {
  // attentionCpu check of the rule itself: changing a padded key's value, or a key after the
  // query, leaves the output unchanged; changing a prefix key's value changes every query.
  const dims = [1, 1, 3, 5, 2];
  const opts = { alwaysVisible: 2, keyMask: Float32Array.from([1, 1, 1, 0, 1]) };
  const q = randomArray(6, 12);
  const k = randomArray(10, 13);
  const v = randomArray(10, 14);
  const base = attentionCpu(q, k, v, dims, opts);
  const bump = (j: number) => {
    const v2 = Float32Array.from(v);
    v2[j * 2] += 1;
    return attentionCpu(q, k, v2, dims, opts);
  };
  const changedRows = (y: Float64Array) =>
    [0, 1, 2].filter((i) => Math.abs(y[i * 2] - base[i * 2]) > 1e-12);
  assert.deepEqual(changedRows(bump(0)), [0, 1, 2], "prefix key 0");
  assert.deepEqual(changedRows(bump(2)), [0, 1, 2], "first real key");
  assert.deepEqual(changedRows(bump(3)), [], "padded key");
  assert.deepEqual(changedRows(bump(4)), [2], "key of the last query");
});

Deno.test("causalSelfAttention() with dropout p = 0 or null equals no dropout", async () => {
  const g = await gpu();
  const shape = [2, 3, 5, 4];
  const [q, k, v] = [1, 2, 3].map((s) => tensorFrom(g, randomArray(120, 20 + s), shape));
  const plain = await causalSelfAttention(q, k, v).readFloat();
  const zero = { p: 0, seed: 1, stream: 1 };
  assertClose(await causalSelfAttention(q, k, v, { dropout: zero }).readFloat(), plain, "p = 0");
  assertClose(await causalSelfAttention(q, k, v, { dropout: null }).readFloat(), plain, "null");
  const dropped = await causalSelfAttention(q, k, v, { dropout: { p: 0.5, seed: 1, stream: 1 } })
    .readFloat();
  assert.ok(dropped.some((x, i) => Math.abs(x - plain[i]) > 1e-3), "p = 0.5 changes the output");
});

Deno.test("causalSelfAttention() rejects mismatched shapes naming the op and shapes", async () => {
  const g = await gpu();
  const t = (shape: number[]) =>
    tensorFrom(g, new Float32Array(shape.reduce((a, b) => a * b)), shape);
  const q = t([2, 3, 5, 4]);
  assert.throws(
    () => causalSelfAttention(q, t([2, 3, 5, 3]), t([2, 3, 5, 3])),
    /causalSelfAttention\(q \[2, 3, 5, 4\] f32, k \[2, 3, 5, 3\] f32, v \[2, 3, 5, 3\] f32\): k must be/,
  );
  assert.throws(() => causalSelfAttention(q, t([2, 3, 6, 4]), t([2, 3, 5, 4])), /v must match k/);
  assert.throws(() => causalSelfAttention(t([2, 5, 4]), q, q), /q must be \[B, H, T, D\]/);
  assert.throws(
    () => causalSelfAttention(q, q, q, { keyMask: new Float32Array(3) }),
    /maskedSoftmax.*keyMask has 3 values/,
  );
});
