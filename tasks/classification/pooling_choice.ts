/**
 * Which summary of the sequence a classification head reads (`--pooling`): the hidden state of
 * the last real token (`last`, the study's and CS224N's default), the mean over real positions
 * (`mean`), or a mix `mixed:W` = W × masked mean + (1 − W) × last token (the study's Task C:
 * `mixed:0.7`). A choice is held as the mean's weight W: 0 for `last`, 1 for `mean`.
 *
 * @module
 */
import { add, scale } from "../../kernels/elementwise.ts";
import { gatherLastToken, maskedMeanPool } from "../../kernels/pooling.ts";
import type { Tensor } from "../../kernels/tensor.ts";

const MIXED = /^mixed:(\d*\.?\d+)$/;

/**
 * The mean's weight that a `--pooling` value names: `last` → 0, `mean` → 1, `mixed:W` → W for W
 * in [0, 1]. Throws naming the value otherwise.
 *
 * @example
 * ```ts
 * parsePooling("mixed:0.7"); // 0.7
 * ```
 */
export function parsePooling(text: string): number {
  if (text === "last") return 0;
  if (text === "mean") return 1;
  const m = MIXED.exec(text);
  const weight = m ? Number(m[1]) : NaN;
  if (!(weight >= 0 && weight <= 1)) {
    throw new Error(
      `expected last, mean or mixed:W with W in [0, 1] (the masked mean's weight), got ` +
        JSON.stringify(text),
    );
  }
  return weight;
}

/**
 * The `--pooling` spelling of a mean weight (the inverse of {@linkcode parsePooling}).
 *
 * @example
 * ```ts
 * formatPooling(0); // "last"
 * formatPooling(0.7); // "mixed:0.7"
 * ```
 */
export function formatPooling(meanWeight: number): string {
  return meanWeight === 0 ? "last" : meanWeight === 1 ? "mean" : `mixed:${meanWeight}`;
}

/**
 * Pools hidden states [B, T, C] to [B, C]: `meanWeight` × the mean over positions where `mask`
 * is non-zero + (1 − meanWeight) × the state at each row's last real position (`lengths[b]` − 1).
 * With weight 0 or 1 only one pooling runs. Differentiable in `hidden`.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "../../kernels/gpu.ts";
 * import { tensorFrom } from "../../kernels/tensor.ts";
 * import { lastTokenLengths } from "./classifier_head.ts";
 * const gpu = await acquireGpu();
 * // B = 2 rows of T = 2 positions, C = 1; the second row's second position is padding
 * const hidden = tensorFrom(gpu, [1, 3, 2, 9], [2, 2, 1]);
 * const mask = Float32Array.from([1, 1, 1, 0]);
 * const pooled = poolHidden(hidden, mask, lastTokenLengths(mask, 2, 2), 0.5);
 * console.log(await pooled.readFloat()); // [2.5, 2]: 0.5 × mean + 0.5 × last real state
 * ```
 */
export function poolHidden(
  hidden: Tensor,
  mask: Float32Array,
  lengths: readonly number[],
  meanWeight: number,
): Tensor {
  if (!(meanWeight >= 0 && meanWeight <= 1)) {
    throw new Error(`poolHidden(): meanWeight must be in [0, 1], got ${meanWeight}`);
  }
  if (meanWeight === 0) return gatherLastToken(hidden, lengths);
  if (meanWeight === 1) return maskedMeanPool(hidden, mask);
  return add(
    scale(maskedMeanPool(hidden, mask), meanWeight),
    scale(gatherLastToken(hidden, lengths), 1 - meanWeight),
  );
}
