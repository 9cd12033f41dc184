/**
 * A key/value cache allocated once for a whole generation and written in place, and attention of
 * one new query per sequence over it (a decoding step): no concatenation, no per-step copy of the
 * cache.
 *
 * Layout: per layer, keys and values (B, H, cap, D). Column j of a sequence holds, in order, the
 * P prefix keys (prefix-tuning), then the left-padded prompt (the first `skip[b]` columns after
 * the prefix are padding), then one column per generated token. The per-step values live in a
 * small u32 *state* buffer the caller rewrites before each step: `state[0]` is the column of the
 * new token, `state[skipAt + b]` the padding count of sequence b.
 *
 * The attention visits the live keys only, in *compact* order (prefix, then the sequence's real
 * tokens), so a sequence gets bit-identical numbers alone or left-padded inside a batch: one
 * workgroup per (b, h), scores in workgroup memory, each sum taken in key order by one lane.
 * Inference only (no autograd).
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { grid1d, LINEAR_INDEX } from "./dispatch_util.ts";
import { empty, expectDtype, type Tensor } from "./tensor.ts";

/** Most keys one attention row may have (its scores live in workgroup memory). */
export const DECODE_MAX_KEYS = 1024;
/** Lanes of the attention workgroup. */
const LANES = 64;

/** cache[b, h, col0 + t, d] = src[b, h, t, d]. */
const KV_PLACE: Kernel = {
  name: "kv_cache_place",
  params: [["n", "u32"], ["T", "u32"], ["D", "u32"], ["cap", "u32"], ["col0", "u32"]],
  buffers: [
    { name: "src", type: "f32", access: "read" },
    { name: "cache", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  let d = i % p.D;
  let t = (i / p.D) % p.T;
  let bh = i / (p.D * p.T);
  cache[(bh * p.cap + p.col0 + t) * p.D + d] = src[i];`,
};

/** Keys and values of the new token, read from the fused qkv rows, into column state[0]. */
const KV_APPEND: Kernel = {
  name: "kv_cache_append",
  params: [["n", "u32"], ["C", "u32"], ["H", "u32"], ["D", "u32"], ["cap", "u32"]],
  buffers: [
    { name: "qkv", type: "f32", access: "read" },
    { name: "state", type: "u32", access: "read" },
    { name: "kc", type: "f32", access: "read_write" },
    { name: "vc", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  let c = i % p.C;
  let b = i / p.C;
  let h = c / p.D;
  let at = ((b * p.H + h) * p.cap + state[0]) * p.D + c % p.D;
  kc[at] = qkv[b * 3u * p.C + p.C + c];
  vc[at] = qkv[b * 3u * p.C + 2u * p.C + c];`,
};

/** One query per (b, h) over its live keys; output written merged, (B, C). */
const DECODE_ATTENTION: Kernel = {
  name: "kv_cache_attention",
  params: [
    ["C", "u32"],
    ["H", "u32"],
    ["D", "u32"],
    ["cap", "u32"],
    ["P", "u32"],
    ["skipAt", "u32"],
    ["scale", "f32"],
  ],
  buffers: [
    { name: "qkv", type: "f32", access: "read" },
    { name: "kc", type: "f32", access: "read" },
    { name: "vc", type: "f32", access: "read" },
    { name: "state", type: "u32", access: "read" },
    { name: "out", type: "f32", access: "read_write" },
  ],
  workgroupSize: [LANES, 1, 1],
  prelude: `var<workgroup> s: array<f32, ${DECODE_MAX_KEYS}>;
fn key_column(i: u32, skip: u32) -> u32 {
  return select(i, i + skip, i >= p.P);
}`,
  body: `  let bh = wid.x;
  let b = bh / p.H;
  let h = bh % p.H;
  let skip = state[p.skipAt + b];
  let n = min(state[0] + 1u - skip, ${DECODE_MAX_KEYS}u);
  let q0 = b * 3u * p.C + h * p.D;
  let base = bh * p.cap * p.D;
  for (var i = lid.x; i < n; i += ${LANES}u) {
    let k0 = base + key_column(i, skip) * p.D;
    var dot = 0.0;
    for (var d = 0u; d < p.D; d++) { dot += qkv[q0 + d] * kc[k0 + d]; }
    s[i] = p.scale * dot;
  }
  workgroupBarrier();
  var mx = -3.0e38;
  for (var i = 0u; i < n; i++) { mx = max(mx, s[i]); }
  workgroupBarrier();
  for (var i = lid.x; i < n; i += ${LANES}u) { s[i] = exp(s[i] - mx); }
  workgroupBarrier();
  var total = 0.0;
  for (var i = 0u; i < n; i++) { total += s[i]; }
  let inv = 1.0 / total;
  for (var d = lid.x; d < p.D; d += ${LANES}u) {
    var acc = 0.0;
    for (var i = 0u; i < n; i++) { acc += (s[i] * inv) * vc[base + key_column(i, skip) * p.D + d]; }
    out[b * p.C + h * p.D + d] = acc;
  }`,
};

/** Checks a (B, H, cap, D) cache tensor and returns its dimensions. */
function cacheDims(op: string, cache: Tensor): [number, number, number, number] {
  expectDtype(op, "cache", cache, "f32");
  if (cache.shape.length !== 4) {
    throw new Error(`${op}: cache must be (B, H, cap, D), got ${cache.label()}`);
  }
  return cache.shape as unknown as [number, number, number, number];
}

/**
 * Copies keys or values `src` (B, H, T, D) into columns col0 … col0 + T − 1 of `cache`
 * (B, H, cap, D): the prefix and the prompt's prefill.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const [B, H, cap, D] = [1, 2, 4, 3]; // C = H·D = 6
 * const cache = tensorFrom(gpu, new Float32Array(B * H * cap * D), [B, H, cap, D]);
 * const prompt = tensorFrom(gpu, new Float32Array(B * H * 2 * D).fill(1), [B, H, 2, D]);
 * kvPlace(prompt, cache, 1); // columns 1 and 2 of every head
 * console.log(await cache.readFloat());
 * ```
 */
export function kvPlace(src: Tensor, cache: Tensor, col0: number): void {
  const [B, H, cap, D] = cacheDims("kvPlace", cache);
  const T = src.shape[2];
  if (
    src.shape.length !== 4 || src.shape[0] !== B || src.shape[1] !== H || src.shape[3] !== D ||
    col0 < 0 || col0 + T > cap
  ) {
    throw new Error(
      `kvPlace: src ${src.label()} does not fit cache ${cache.label()} at column ${col0}`,
    );
  }
  const gpu = cache.gpu;
  const n = src.size;
  gpu.dispatch(KV_PLACE, [n, T, D, cap, col0], [src.whole(), cache.whole()], grid1d(gpu, n));
}

/**
 * Writes the new token's keys and values, taken from the fused `c_attn` rows `qkv` (B, 1, 3C),
 * into column `state[0]` of the layer's caches (B, H, cap, D).
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const [B, H, cap, D] = [1, 2, 4, 3]; // C = H·D = 6
 * const keys = tensorFrom(gpu, new Float32Array(B * H * cap * D), [B, H, cap, D]);
 * const values = tensorFrom(gpu, new Float32Array(B * H * cap * D), [B, H, cap, D]);
 * const qkv = tensorFrom(gpu, Array.from({ length: 3 * H * D }, (_, i) => i), [B, 1, 3 * H * D]);
 * const state = tensorFrom(gpu, Int32Array.of(2), [1]); // column 2
 * kvAppend(qkv, keys, values, state);
 * console.log(await keys.readFloat()); // 6 … 11 in column 2 of the two heads
 * ```
 */
export function kvAppend(qkv: Tensor, keys: Tensor, values: Tensor, state: Tensor): void {
  const [B, H, cap, D] = cacheDims("kvAppend", keys);
  const C = H * D;
  if (qkv.size !== B * 3 * C) {
    throw new Error(`kvAppend: qkv ${qkv.label()} must hold ${B} rows of 3·${C}`);
  }
  const gpu = keys.gpu;
  const n = B * C;
  gpu.dispatch(
    KV_APPEND,
    [n, C, H, D, cap],
    [qkv.whole(), state.whole(), keys.whole(), values.whole()],
    grid1d(gpu, n),
  );
}

/** Options of {@link decodeAttention}. */
export interface DecodeAttentionOptions {
  /** Prefix columns at the start of every sequence (always live). */
  prefix: number;
  /** Index in `state` of sequence 0's padding count. */
  skipAt: number;
}

/**
 * Attention of each sequence's one new query, taken from `qkv` (B, 1, 3C), over the live columns
 * of the caches (B, H, cap, D) up to and including column `state[0]`: softmax(q·kᵀ/√D)·v with the
 * heads merged, (B, 1, C). Call {@link kvAppend} first so the new token sees itself.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const [B, H, cap, D] = [1, 2, 4, 3]; // C = H·D = 6
 * const keys = tensorFrom(gpu, new Float32Array(B * H * cap * D), [B, H, cap, D]);
 * const values = tensorFrom(gpu, Array.from({ length: B * H * cap * D }, (_, i) => i % 7), [B, H, cap, D]);
 * const qkv = tensorFrom(gpu, new Float32Array(3 * H * D).fill(1), [B, 1, 3 * H * D]);
 * // state: [column 3, padding count 1 (column 0 is a pad)]
 * const state = tensorFrom(gpu, Int32Array.of(3, 1), [2]);
 * kvAppend(qkv, keys, values, state);
 * const attended = decodeAttention(qkv, keys, values, state, { prefix: 0, skipAt: 1 });
 * console.log(attended.shape, await attended.readFloat()); // [1, 1, 6]
 * ```
 */
export function decodeAttention(
  qkv: Tensor,
  keys: Tensor,
  values: Tensor,
  state: Tensor,
  { prefix, skipAt }: DecodeAttentionOptions,
): Tensor {
  const [B, H, cap, D] = cacheDims("decodeAttention", keys);
  const C = H * D;
  if (qkv.size !== B * 3 * C) {
    throw new Error(`decodeAttention: qkv ${qkv.label()} must hold ${B} rows of 3·${C}`);
  }
  if (cap > DECODE_MAX_KEYS) {
    throw new Error(`decodeAttention: ${cap} cache columns exceed ${DECODE_MAX_KEYS}`);
  }
  const gpu = keys.gpu;
  const out = empty(gpu, [B, 1, C]);
  gpu.dispatch(
    DECODE_ATTENTION,
    [C, H, D, cap, prefix, skipAt, 1 / Math.sqrt(D)],
    [qkv.whole(), keys.whole(), values.whole(), state.whole(), out.whole()],
    [B * H],
  );
  return out;
}

/**
 * CPU reference of {@link decodeAttention} for one (b, h): the query q (D), the live keys and
 * values as rows (n, D) in compact order → (D), in f64.
 */
export function decodeAttentionCpu(
  q: ArrayLike<number>,
  keys: ArrayLike<number>[],
  values: ArrayLike<number>[],
): Float64Array {
  const D = q.length;
  const scale = 1 / Math.sqrt(D);
  const s = keys.map((k) => {
    let dot = 0;
    for (let d = 0; d < D; d++) dot += q[d] * k[d];
    return scale * dot;
  });
  const mx = Math.max(...s);
  const e = s.map((x) => Math.exp(x - mx));
  const total = e.reduce((a, b) => a + b, 0);
  const out = new Float64Array(D);
  values.forEach((v, i) => {
    for (let d = 0; d < D; d++) out[d] += (e[i] / total) * v[d];
  });
  return out;
}
