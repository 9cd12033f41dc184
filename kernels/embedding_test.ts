import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { mul } from "./elementwise.ts";
import {
  embedding,
  embeddingBackwardCpu,
  embeddingCpu,
  embeddingGrad,
  positionIds,
} from "./embedding.ts";
import { sum } from "./reduce.ts";
import { tensorFrom } from "./tensor.ts";
import { assertClose, dot, finiteDifference, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

/** [V, C, shape]: a single element, odd widths (scalar path), widths divisible by 4 (vec4). */
const CASES: [number, number, number[]][] = [
  [1, 1, [1]],
  [7, 3, [2, 5]],
  [50, 12, [3, 37]],
  [300, 257, [2, 129]],
  [11, 64, [4, 1, 3]],
];

function randomIds(n: number, V: number, seed: number): Int32Array {
  const r = randomArray(n, seed, 0, V);
  const ids = Int32Array.from(r, (v) => Math.min(V - 1, Math.floor(v)));
  if (n > 2) ids[n - 1] = ids[0]; // a repeated id
  if (n > 3) ids[1] = V - 1; // the last id
  return ids;
}

Deno.test("embedding() forward and backward equal the CPU reference at odd sizes", async () => {
  const g = await gpu();
  for (const [V, C, shape] of CASES) {
    const N = shape.reduce((a, b) => a * b, 1);
    const w = randomArray(V * C, V + C);
    const ids = randomIds(N, V, N);
    const tw = tensorFrom(g, w, [V, C], { requiresGrad: true });
    const y = embedding(tw, ids, shape);
    assert.deepEqual(y.shape, [...shape, C]);
    const label = `V=${V} C=${C} shape=${shape}`;
    assertClose(await y.readFloat(), embeddingCpu(w, C, ids), `forward ${label}`, { atol: 0 });
    const proj = randomArray(N * C, 3);
    backward(sum(mul(y, tensorFrom(g, proj, y.shape))));
    const ref = embeddingBackwardCpu(proj, V, C, ids);
    assertClose(await tw.grad!.readFloat(), ref, `dW ${label}`, { atol: 1e-6, rtol: 1e-5 });
  }
});

Deno.test("embedding() backward of the CPU reference equals finite differences", () => {
  const [V, C] = [6, 5];
  const ids = Int32Array.from([3, 0, 3, 5, 3, 1]);
  const w = Float64Array.from(randomArray(V * C, 21));
  const proj = randomArray(ids.length * C, 22);
  const fd = finiteDifference((x) => dot(proj, embeddingCpu(x, C, ids)), w);
  assertClose(embeddingBackwardCpu(proj, V, C, ids), fd, "dW vs finite differences", {
    atol: 1e-8,
    rtol: 1e-6,
  });
});

Deno.test("embeddingGrad() is deterministic and zero on untouched rows when ids repeat", async () => {
  const g = await gpu();
  const [V, C, N] = [40, 24, 500];
  const ids = Int32Array.from({ length: N }, (_, n) => (n * 7) % 13); // rows 13..39 untouched
  const grad = tensorFrom(g, randomArray(N * C, 5, -100, 100), [N, C]);
  const a = await embeddingGrad(grad, ids, V, C).readFloat();
  const b = await embeddingGrad(grad, ids, V, C).readFloat();
  assert.deepEqual(a, b);
  assert.ok(a.subarray(13 * C).every((v) => v === 0), "rows no id touched are exactly zero");
  assert.ok(a.subarray(0, 13 * C).some((v) => v !== 0));
});

Deno.test("embeddingGrad() sums a repeated id's rows in ascending position order", async () => {
  const g = await gpu();
  // f32: (1 + 1e8) − 1e8 = 0 in ascending order; (−1e8 + 1e8) + 1 = 1 in descending order.
  const grad = tensorFrom(g, [1, 1e8, -1e8, 5], [4, 1]);
  const dw = await embeddingGrad(grad, Int32Array.from([2, 2, 2, 0]), 3, 1).readFloat();
  assert.deepEqual([...dw], [5, 0, 0]);
});

Deno.test("embedding() with position ids gives each row of wpe once per batch row", async () => {
  const g = await gpu();
  const [B, T, C] = [3, 5, 8];
  assert.deepEqual([...positionIds(2, 3, 4)], [4, 5, 6, 4, 5, 6]);
  const w = randomArray(T * C, 9);
  const tw = tensorFrom(g, w, [T, C], { requiresGrad: true });
  const y = embedding(tw, positionIds(B, T), [B, T]);
  assertClose(await y.readFloat(), embeddingCpu(w, C, positionIds(B, T)), "wpe rows");
  backward(sum(y));
  assertClose(await tw.grad!.readFloat(), new Float32Array(T * C).fill(B), "dwpe = B");
});

Deno.test("embedding() rejects out-of-range ids, naming the position, the id and V", async () => {
  const g = await gpu();
  const tw = tensorFrom(g, new Float32Array(10 * 4), [10, 4]);
  const ids = new Int32Array(6);
  ids[4] = 10;
  assert.throws(
    () => embedding(tw, ids, [2, 3]),
    /embedding: id 10 at \(batch 1, t 1\) of ids \[2, 3\] is outside \[0, 10\) \(V = 10/,
  );
  ids[4] = -1;
  assert.throws(() => embedding(tw, ids, [2, 3]), /id -1 at \(batch 1, t 1\)/);
  assert.throws(() => embedding(tw, [0, 1.5], [2]), /id 1.5 at \(t 1\)/);
  assert.throws(() => embedding(tw, new Int32Array(5), [2, 3]), /5 ids do not fill shape \[2, 3\]/);
  const flat = tensorFrom(g, new Float32Array(10), [10]);
  assert.throws(() => embedding(flat, [0], [1]), /weight must have shape \[V, C\], got \[10\]/);
  const ints = tensorFrom(g, new Int32Array(4), [2, 2]);
  assert.throws(() => embedding(ints, [0], [1]), /embedding: weight must be f32/);
});

Deno.test("embedding() handles GPT-2's 154 MB wte (over one binding) forward and backward", async () => {
  const g = await gpu();
  const [V, C] = [50257, 768];
  const w = randomArray(V * C, 11);
  const tw = tensorFrom(g, w, [V, C], { requiresGrad: true });
  // Ids on both sides of the 128 MiB chunk boundary (43,690 rows), a repeat and the last id.
  const ids = Int32Array.from([0, 50256, 43689, 43690, 12345, 50256, 43690, 7, 50256, 0]);
  const shape = [2, 5];
  const y = embedding(tw, ids, shape);
  const out = await y.readFloat();
  assertClose(out, embeddingCpu(w, C, ids), "forward rows", { atol: 0 });
  const proj = randomArray(ids.length * C, 12);
  backward(sum(mul(y, tensorFrom(g, proj, y.shape))));
  const dw = await tw.grad!.readFloat();
  const expected = new Map<number, Float64Array>();
  ids.forEach((id, n) => {
    const row = expected.get(id) ?? new Float64Array(C);
    for (let c = 0; c < C; c++) row[c] += proj[n * C + c];
    expected.set(id, row);
  });
  for (const [id, row] of expected) {
    assertClose(dw.subarray(id * C, (id + 1) * C), row, `dW row ${id}`, { atol: 1e-6 });
  }
  let nonzero = 0;
  for (let v = 0; v < V; v++) {
    if (expected.has(v)) continue;
    for (let c = 0; c < C; c++) if (dw[v * C + c] !== 0) nonzero++;
  }
  assert.equal(nonzero, 0, "untouched rows of dW are zero");
  tw.grad!.dispose(), tw.dispose(), y.dispose();
});

Deno.test("embedding() chunks outputs and gradients larger than one binding", async () => {
  // Rows of 2^22 floats (16 MiB): 9 positions make a 144 MiB output and gradient, split in two.
  const g = await gpu();
  const [V, C] = [3, 2 ** 22];
  const ids = Int32Array.from([2, 0, 2, 1, 2, 0, 1, 1, 2]);
  if (ids.length * C * 4 <= g.maxBindingBytes) return; // larger bindings need no split
  const w = randomArray(V * C, 13);
  const tw = tensorFrom(g, w, [V, C]);
  const out = await embedding(tw, ids, [ids.length]).readFloat();
  ids.forEach((id, n) => {
    const same = out.subarray(n * C, (n + 1) * C).every((v, c) => v === w[id * C + c]);
    assert.ok(same, `output row ${n} is weight row ${id}`);
  });
  const gradOut = randomArray(ids.length * C, 14);
  const dw = await embeddingGrad(tensorFrom(g, gradOut, [ids.length, C]), ids, V, C).readFloat();
  const ref = embeddingBackwardCpu(gradOut, V, C, ids);
  assertClose(dw, ref, "dW over two gradient chunks", { atol: 1e-5 });
  tw.dispose();
});
