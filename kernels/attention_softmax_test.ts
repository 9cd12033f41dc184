import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { mul } from "./elementwise.ts";
import { maskedSoftmax, maskedSoftmaxBackwardCpu, maskedSoftmaxCpu } from "./attention_softmax.ts";
import { sum } from "./reduce.ts";
import { tensorFrom } from "./tensor.ts";
import { assertClose, dot, finiteDifference, padMask, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

interface Case {
  name: string;
  shape: [number, number, number, number];
  opts: { scale: number; keyMask?: Float32Array; queryOffset?: number; alwaysVisible?: number };
}

const CASES: Case[] = [
  { name: "causal", shape: [2, 3, 5, 5], opts: { scale: 0.5 } },
  { name: "single element", shape: [1, 1, 1, 1], opts: { scale: 1 } },
  {
    name: "right padding",
    shape: [2, 3, 5, 5],
    opts: { scale: 0.5, keyMask: padMask([5, 3], 5) },
  },
  {
    name: "left padding (fully masked rows)",
    shape: [3, 2, 6, 6],
    opts: { scale: 0.7, keyMask: padMask([6, 2, 4], 6, true) },
  },
  {
    name: "KV cache: 1 query over 7 keys",
    shape: [2, 3, 1, 7],
    opts: { scale: 2, queryOffset: 6 },
  },
  {
    name: "KV cache with padding",
    shape: [2, 3, 3, 7],
    opts: { scale: 1, queryOffset: 4, keyMask: padMask([7, 5], 7) },
  },
  {
    name: "prefix keys",
    shape: [2, 3, 5, 8],
    opts: { scale: 0.5, alwaysVisible: 3, keyMask: padMask([8, 6], 8) },
  },
  {
    name: "prefix and cache",
    shape: [1, 2, 2, 9],
    opts: { scale: 0.5, alwaysVisible: 2, queryOffset: 5 },
  },
  {
    name: "70 rows of 70",
    shape: [2, 1, 70, 70],
    opts: { scale: 0.3, keyMask: padMask([70, 33], 70) },
  },
];

Deno.test("maskedSoftmax() forward and backward equal the CPU reference on every mask kind", async () => {
  const g = await gpu();
  for (const { name, shape, opts } of CASES) {
    const n = shape.reduce((a, b) => a * b, 1);
    const s = randomArray(n, n, -3, 3);
    const w = randomArray(n, n + 1);
    const ts = tensorFrom(g, s, shape, { requiresGrad: true });
    const probs = maskedSoftmax(ts, opts);
    const p = await probs.readFloat();
    const ref = maskedSoftmaxCpu(s, shape, opts);
    assertClose(p, ref, `${name} forward`);
    assert.ok(p.every(Number.isFinite), `${name}: finite probabilities`);
    backward(sum(mul(probs, tensorFrom(g, w, shape))));
    const expected = maskedSoftmaxBackwardCpu(ref, w, shape, opts);
    assertClose(await ts.grad!.readFloat(), expected, `${name} backward`);
  }
});

Deno.test("maskedSoftmax() accepts the key mask as an i32 tensor, an f32 tensor or an Int32Array", async () => {
  const g = await gpu();
  const shape = [2, 3, 5, 5];
  const s = randomArray(150, 3, -2, 2);
  const mask = padMask([4, 2], 5);
  const ref = maskedSoftmaxCpu(s, shape, { scale: 1, keyMask: mask });
  const ts = tensorFrom(g, s, shape);
  for (
    const keyMask of [
      tensorFrom(g, Int32Array.from(mask), [2, 5]),
      tensorFrom(g, mask, [2, 5]),
      Int32Array.from(mask),
    ]
  ) {
    assertClose(await maskedSoftmax(ts, { scale: 1, keyMask }).readFloat(), ref, "mask form");
  }
});

/** HF GPT-2's eager attention weights in f32: where(causal, s, MIN) + (1 − m)·MIN, softmax. */
function hfSoftmax(scores: Float32Array, [B, H, Tq, Tk]: number[], scale: number, m: Float32Array) {
  const MIN = -3.4028234663852886e38;
  const out = new Float64Array(scores.length);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Tq; i++) {
        const base = ((b * H + h) * Tq + i) * Tk;
        const row = Array.from({ length: Tk }, (_, j) => {
          const causal = j <= Tk - Tq + i ? Math.fround(scores[base + j] * scale) : MIN;
          return Math.fround(causal + Math.fround((1 - m[b * Tk + j]) * MIN));
        });
        const mx = Math.max(...row);
        const e = row.map((v) => Math.exp(v - mx));
        const total = e.reduce((x, y) => x + y, 0);
        e.forEach((v, j) => out[base + j] = v / total);
      }
    }
  }
  return out;
}

Deno.test("maskedSoftmax() equals HF GPT-2's finfo.min masking at every real query", async () => {
  const g = await gpu();
  const shape = [3, 2, 6, 6];
  const mask = padMask([6, 4, 3], 6);
  const s = randomArray(216, 21, -4, 4);
  const got = await maskedSoftmax(tensorFrom(g, s, shape), { scale: 0.125, keyMask: mask })
    .readFloat();
  const hf = hfSoftmax(s, shape, 0.125, mask);
  for (let b = 0; b < 3; b++) {
    for (let h = 0; h < 2; h++) {
      for (let i = 0; i < 6; i++) {
        if (mask[b * 6 + i] === 0) continue; // a padded query: its output is never used
        const at = ((b * 2 + h) * 6 + i) * 6;
        assertClose(got.subarray(at, at + 6), hf.subarray(at, at + 6), `row b${b} h${h} i${i}`);
      }
    }
  }
});

Deno.test("maskedSoftmax() gives a uniform row over visible keys to a fully padded query", async () => {
  const g = await gpu();
  // Left padding: sequence 0 has two padding keys, so queries 0 and 1 see only padding.
  const mask = padMask([3], 5, true);
  const s = randomArray(25, 4, -5, 5);
  const p = await maskedSoftmax(tensorFrom(g, s, [1, 1, 5, 5]), { scale: 1, keyMask: mask })
    .readFloat();
  assertClose(p.subarray(0, 5), [1, 0, 0, 0, 0], "query 0");
  assertClose(p.subarray(5, 10), [0.5, 0.5, 0, 0, 0], "query 1");
  assert.equal(p[10 + 0], 0, "query 2 ignores padding key 0");
  assertClose([p.subarray(10, 15).reduce((a, b) => a + b, 0)], [1], "query 2 sums to 1");
});

Deno.test("the CPU softmax backward equals finite differences of the CPU forward", () => {
  for (const { name, shape, opts } of CASES.slice(0, 8)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const s = Float64Array.from(randomArray(n, n + 7, -2, 2));
    const w = randomArray(n, n + 8);
    const fd = finiteDifference((x) => dot(w, maskedSoftmaxCpu(x, shape, opts)), s);
    const p = maskedSoftmaxCpu(s, shape, opts);
    assertClose(maskedSoftmaxBackwardCpu(p, w, shape, opts), fd, `${name} FD`, {
      atol: 1e-7,
      rtol: 1e-6,
    });
  }
});

Deno.test("maskedSoftmax() chunks rows when the scores exceed one storage binding", async () => {
  const g = await gpu();
  const [B, Tq] = [2, 4100]; // 2·4100·4100 f32 = 134.5 MB
  const shape = [B, 1, Tq, Tq];
  const n = B * Tq * Tq;
  if (n * 4 <= g.maxBindingBytes) return; // larger bindings need no split
  const s = randomArray(n, 31, -3, 3);
  const mask = padMask([Tq, Tq - 50], Tq);
  const opts = { scale: 0.5, keyMask: mask };
  const ts = tensorFrom(g, s, shape);
  const p = await maskedSoftmax(ts, opts).readFloat();
  // The first chunk ends inside sequence 1; check rows on both sides and at the ends.
  for (const row of [0, 4099, 4100, 8183, 8184, 8185, 8199]) {
    const at = row * Tq;
    const one = maskedSoftmaxCpu(s.subarray(at, at + Tq), [1, 1, 1, Tq], {
      scale: 0.5,
      keyMask: mask.subarray(Math.floor(row / Tq) * Tq, Math.floor(row / Tq) * Tq + Tq),
      queryOffset: row % Tq,
    });
    assertClose(p.subarray(at, at + Tq), one, `row ${row}`);
  }
  ts.dispose();
});

Deno.test("maskedSoftmax() rejects bad shapes and options naming the op and shapes", async () => {
  const g = await gpu();
  const s = tensorFrom(g, new Float32Array(2 * 3 * 4 * 5), [2, 3, 4, 5]);
  assert.throws(
    () => maskedSoftmax(tensorFrom(g, new Float32Array(6), [2, 3]), { scale: 1 }),
    /maskedSoftmax\(scores \[2, 3\] f32\): scores must be f32 \[B, H, Tq, Tk\]/,
  );
  assert.throws(
    () => maskedSoftmax(s, { scale: 1, keyMask: tensorFrom(g, new Float32Array(8), [2, 4]) }),
    /maskedSoftmax\(scores \[2, 3, 4, 5\] f32\): keyMask must be \[B, Tk\] = \[2, 5\], got \[2, 4\]/,
  );
  assert.throws(
    () => maskedSoftmax(s, { scale: 1, keyMask: new Float32Array(9) }),
    /keyMask has 9 values, expected B·Tk = 10/,
  );
  assert.throws(() => maskedSoftmax(s, { scale: 1, queryOffset: -1 }), /queryOffset must be/);
  assert.throws(() => maskedSoftmax(s, { scale: 1, alwaysVisible: 6 }), /exceeds Tk 5/);
  assert.throws(() => maskedSoftmax(s, { scale: NaN }), /scale must be finite/);
});
