import assert from "node:assert/strict";
import { acquireGpu } from "./gpu.ts";
import { decodeAttention, decodeAttentionCpu, kvAppend, kvPlace } from "./kv_cache.ts";
import { tensorFrom } from "./tensor.ts";
import { randomArray } from "./testing.ts";

const gpu = await acquireGpu();
const [B, H, D, cap, P] = [2, 3, 5, 9, 2];
const C = H * D;
const at = (b: number, h: number, j: number, d: number) => ((b * H + h) * cap + j) * D + d;

Deno.test("kvPlace() copies (B, H, T, D) into the cache's columns from col0 and leaves the rest", async () => {
  const T = 3;
  const src = tensorFrom(gpu, randomArray(B * H * T * D, 1), [B, H, T, D]);
  const cache = tensorFrom(gpu, new Float32Array(B * H * cap * D).fill(-7), [B, H, cap, D]);
  kvPlace(src, cache, 4);
  const [s, out] = [await src.readFloat(), await cache.readFloat()];
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let j = 0; j < cap; j++) {
        for (let d = 0; d < D; d++) {
          const want = j >= 4 && j < 4 + T ? s[((b * H + h) * T + j - 4) * D + d] : -7;
          assert.equal(out[at(b, h, j, d)], want, `b ${b} h ${h} column ${j} d ${d}`);
        }
      }
    }
  }
  assert.throws(() => kvPlace(src, cache, 7), /does not fit cache/);
});

Deno.test("kvAppend() writes the new token's keys and values at the state's column only", async () => {
  const qkv = tensorFrom(gpu, randomArray(B * 3 * C, 2), [B, 1, 3 * C]);
  const keys = tensorFrom(gpu, new Float32Array(B * H * cap * D), [B, H, cap, D]);
  const values = tensorFrom(gpu, new Float32Array(B * H * cap * D), [B, H, cap, D]);
  const state = tensorFrom(gpu, Int32Array.of(6, 0, 0, 0, 0, 0, 0), [7], { dtype: "i32" });
  kvAppend(qkv, keys, values, state);
  const [x, k, v] = [await qkv.readFloat(), await keys.readFloat(), await values.readFloat()];
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let j = 0; j < cap; j++) {
        for (let d = 0; d < D; d++) {
          const c = h * D + d;
          assert.equal(k[at(b, h, j, d)], j === 6 ? x[b * 3 * C + C + c] : 0);
          assert.equal(v[at(b, h, j, d)], j === 6 ? x[b * 3 * C + 2 * C + c] : 0);
        }
      }
    }
  }
});

Deno.test("decodeAttention() equals the reference over the prefix and the real keys when a sequence is left-padded", async () => {
  const col = 7;
  const skip = [0, 2]; // sequence 1 has 2 padding columns after the prefix
  const qkvData = randomArray(B * 3 * C, 3);
  const kData = randomArray(B * H * cap * D, 4);
  const vData = randomArray(B * H * cap * D, 5);
  // Padding columns hold huge values: reading one would show in the output.
  for (let h = 0; h < H; h++) {
    for (let j = P; j < P + skip[1]; j++) {
      for (let d = 0; d < D; d++) kData[at(1, h, j, d)] = vData[at(1, h, j, d)] = 1e6;
    }
  }
  const qkv = tensorFrom(gpu, qkvData, [B, 1, 3 * C]);
  const keys = tensorFrom(gpu, kData, [B, H, cap, D]);
  const values = tensorFrom(gpu, vData, [B, H, cap, D]);
  const state = tensorFrom(gpu, Int32Array.of(col, 0, 0, 0, 0, ...skip), [7], { dtype: "i32" });
  const out = await decodeAttention(qkv, keys, values, state, { prefix: P, skipAt: 5 })
    .readFloat();
  let worst = 0;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const live = Array.from({ length: col + 1 }, (_, j) => j)
        .filter((j) => j < P || j >= P + skip[b]);
      const row = (data: Float32Array, j: number) => data.slice(at(b, h, j, 0), at(b, h, j, D));
      const q = qkvData.slice(b * 3 * C + h * D, b * 3 * C + h * D + D);
      const want = decodeAttentionCpu(
        q,
        live.map((j) => row(kData, j)),
        live.map((j) => row(vData, j)),
      );
      for (let d = 0; d < D; d++) {
        worst = Math.max(worst, Math.abs(out[b * C + h * D + d] - want[d]));
      }
    }
  }
  console.log(`decodeAttention max |GPU − f64 reference| = ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-5, `max difference ${worst}`);
});
