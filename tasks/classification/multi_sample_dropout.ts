/**
 * Multi-sample dropout (Inoue 2019, the study's Task C with 3 samples): the pooled states pass
 * through K different dropout masks into the same head, and the K cross-entropy losses are
 * averaged. GPT-2 runs once per batch; only the cheap head runs K times. At inference no
 * dropout is applied (`classify` in evaluation mode), so the K samples collapse into one.
 *
 * @module
 */
import { crossEntropy } from "../../kernels/cross_entropy.ts";
import { dropout } from "../../kernels/dropout.ts";
import { add, biasAdd, scale } from "../../kernels/elementwise.ts";
import { matmul } from "../../kernels/matmul.ts";
import type { Tensor } from "../../kernels/tensor.ts";
import { type ClassifierHead, HEAD_DROPOUT_STREAM } from "./classifier_head.ts";

/** Options of {@linkcode multiSampleDropoutLoss}. */
export interface MultiSampleOptions {
  /** Number of dropout masks K (1: ordinary head dropout). */
  samples: number;
  /** Dropout probability of each mask. */
  dropout: number;
  /** Dropout seed of the step; sample k draws stream `HEAD_DROPOUT_STREAM + k`. */
  seed: number;
  /** Cross-entropy label smoothing ε (PyTorch's definition). */
  labelSmoothing?: number;
}

/**
 * Mean over K dropout masks of the cross-entropy of `head(dropout_k(pooled))` against `labels`
 * (a 1-element tensor). With K = 1 it equals the head's usual training loss (same mask stream).
 * Throws naming K when it is not a positive integer.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "../../kernels/gpu.ts";
 * import { tensorFrom } from "../../kernels/tensor.ts";
 * import { createClassifierHead } from "./classifier_head.ts";
 * const gpu = await acquireGpu();
 * const pooled = tensorFrom(gpu, [0.5, -1, 2, 0, 1, 1, -0.5, 0.3], [2, 4]); // (B, C) pooled states
 * const head = createClassifierHead(gpu, 4, 3, { seed: 1 }); // C = 4 → 3 classes
 * const loss = multiSampleDropoutLoss(pooled, head, [2, 0], { samples: 3, dropout: 0.2, seed: 7 });
 * console.log(await loss.item()); // mean of the 3 masks' cross-entropies, near ln 3 ≈ 1.10
 * ```
 */
export function multiSampleDropoutLoss(
  pooled: Tensor,
  head: ClassifierHead,
  labels: readonly number[],
  options: MultiSampleOptions,
): Tensor {
  const { samples: K, dropout: p, seed, labelSmoothing = 0 } = options;
  if (!Number.isInteger(K) || K < 1) {
    throw new Error(`multiSampleDropoutLoss(): samples must be a positive integer, got ${K}`);
  }
  let total: Tensor | null = null;
  for (let k = 0; k < K; k++) {
    const dropped = dropout(pooled, p, seed, HEAD_DROPOUT_STREAM + k, true);
    const logits = biasAdd(matmul(dropped, head.weight), head.bias); // (B, K classes)
    const loss = crossEntropy(logits, labels, { labelSmoothing });
    total = total === null ? loss : add(total, loss);
  }
  return K === 1 ? total! : scale(total!, 1 / K);
}
