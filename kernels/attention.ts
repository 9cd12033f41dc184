/**
 * Causal multi-head self-attention as HF GPT-2 computes it, composed from differentiable ops:
 * scores = q·kᵀ (matmul), probabilities = masked softmax with scale 1/√D (causal, padding,
 * KV-cache offset, prefix keys), optional dropout on the probabilities, output = probs·v. The
 * gradients come from the composed ops.
 *
 * @module
 */
import { maskedSoftmax, maskedSoftmaxCpu, type MaskedSoftmaxOptions } from "./attention_softmax.ts";
import { dropout, dropoutMaskCpu } from "./dropout.ts";
import { matmul, matmulCpu } from "./matmul.ts";
import { expectDtype, expectSameGpu, type Tensor } from "./tensor.ts";

/** Dropout on the attention probabilities (training only). */
export interface AttentionDropout {
  /** Drop probability, 0 ≤ p < 1. */
  p: number;
  /** Run seed. */
  seed: number;
  /** Stream: distinct per layer and step so that masks are independent. */
  stream: number;
}

/** Options of {@link causalSelfAttention}. */
export interface AttentionOptions {
  /** [B, Tk] key mask, nonzero = real key (see {@link MaskedSoftmaxOptions.keyMask}). */
  keyMask?: MaskedSoftmaxOptions["keyMask"];
  /** Number of non-prefix keys before query 0 (KV cache length); default 0. */
  queryOffset?: number;
  /** Prefix keys visible to every query (prefix-tuning's virtual tokens); default 0. */
  alwaysVisible?: number;
  /** Dropout on the probabilities; null, absent or p = 0: none. */
  dropout?: AttentionDropout | null;
}

/**
 * Attention of q [B, H, Tq, D] over k, v [B, H, Tk, D] → [B, H, Tq, D]: softmax(q·kᵀ/√D, masked)
 * · v. Query i sits after `alwaysVisible` prefix keys and `queryOffset` earlier keys, so it sees
 * keys 0 … alwaysVisible + queryOffset + i that the key mask marks real (see attention_softmax.ts
 * for padded queries). Differentiable in q, k and v.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * import { concatSeq, splitHeads } from "./heads.ts";
 * const [B, T, H, D] = [1, 3, 2, 4];
 * const qkvOf = (t: number) => tensorFrom(gpu, Array.from({ length: B * t * 3 * H * D }, (_, i) => Math.sin(i)), [B, t, 3 * H * D]);
 * const { q, k, v } = splitHeads(qkvOf(T), H);
 * const y = causalSelfAttention(q, k, v, { keyMask: Float32Array.of(1, 1, 1) }); // (B, H, T, D)
 * // one generation step: 1 new query over the cache plus itself
 * const next = splitHeads(qkvOf(1), H);
 * const step = causalSelfAttention(next.q, concatSeq(k, next.k), concatSeq(v, next.v), {
 *   queryOffset: k.shape[2],
 * });
 * console.log(y.shape, step.shape); // [1, 2, 3, 4] [1, 2, 1, 4]
 * ```
 */
export function causalSelfAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: AttentionOptions = {},
): Tensor {
  const where = `causalSelfAttention(q ${q.label()}, k ${k.label()}, v ${v.label()})`;
  expectSameGpu("causalSelfAttention", q, k);
  expectSameGpu("causalSelfAttention", q, v);
  for (const [name, t] of [["q", q], ["k", k], ["v", v]] as const) {
    expectDtype("causalSelfAttention", name, t, "f32");
    if (t.shape.length !== 4) throw new Error(`${where}: ${name} must be [B, H, T, D]`);
  }
  const [B, H, , D] = q.shape;
  const Tk = k.shape[2];
  if (k.shape[0] !== B || k.shape[1] !== H || k.shape[3] !== D) {
    throw new Error(`${where}: k must be [B, H, Tk, D] with q's B, H and D`);
  }
  if (v.shape.some((d, i) => d !== k.shape[i])) throw new Error(`${where}: v must match k`);
  if (Tk < 1 || D < 1) throw new Error(`${where}: needs at least one key and D ≥ 1`);
  const scores = matmul(q, k, { transB: true }); // (B, H, Tq, Tk)
  let probs = maskedSoftmax(scores, {
    scale: 1 / Math.sqrt(D),
    keyMask: opts.keyMask,
    queryOffset: opts.queryOffset,
    alwaysVisible: opts.alwaysVisible,
  });
  const drop = opts.dropout;
  if (drop && drop.p > 0) probs = dropout(probs, drop.p, drop.seed, drop.stream, true);
  return matmul(probs, v); // (B, H, Tq, D)
}

/** Host-side options of {@link attentionCpu}. */
export interface AttentionCpuOptions {
  /** [B, Tk], nonzero = real key. */
  keyMask?: ArrayLike<number>;
  /** See {@link AttentionOptions.queryOffset}. */
  queryOffset?: number;
  /** See {@link AttentionOptions.alwaysVisible}. */
  alwaysVisible?: number;
  /** Applies the same dropout mask as the GPU (dropout.ts draws it from the counters). */
  dropout?: AttentionDropout | null;
}

/**
 * CPU reference of {@link causalSelfAttention} (f64): q is [B, H, Tq, D], k and v [B, H, Tk, D].
 */
export function attentionCpu(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  [B, H, Tq, Tk, D]: readonly number[],
  opts: AttentionCpuOptions = {},
): Float64Array {
  const batch = B * H;
  const scores = matmulCpu(q, [batch, Tq, D], k, [batch, Tk, D], { transB: true });
  const probs = maskedSoftmaxCpu(scores, [B, H, Tq, Tk], {
    scale: 1 / Math.sqrt(D),
    keyMask: opts.keyMask,
    queryOffset: opts.queryOffset,
    alwaysVisible: opts.alwaysVisible,
  });
  const drop = opts.dropout;
  if (drop && drop.p > 0) {
    const keep = dropoutMaskCpu(probs.length, drop.p, drop.seed, drop.stream);
    for (let i = 0; i < probs.length; i++) probs[i] = keep[i] ? probs[i] / (1 - drop.p) : 0;
  }
  return matmulCpu(probs, [batch, Tq, Tk], v, [batch, Tk, D]);
}
