/**
 * Language-modelling loss: mean next-token cross-entropy over positions t where token t and
 * token t+1 are both real (HF's shift, with padding ignored).
 *
 * @module
 */
import type { Tensor } from "../kernels/tensor.ts";
import { reshape } from "../kernels/shape.ts";
import { lmHeadCrossEntropy } from "../kernels/lm_head_loss.ts";
import type { ForwardOptions, GPT2, ModelInput } from "./gpt2.ts";

/** Target id that {@link crossEntropy} ignores. */
export const IGNORE_INDEX: number = -100;

/**
 * Next-token targets for a batch: `ids[b, t+1]` where positions t and t+1 are real, else
 * {@link IGNORE_INDEX}; the last position of every row is ignored.
 *
 * @example
 * ```ts
 * shiftTargets(Int32Array.of(5, 6, 7), 1, 3); // [6, 7, -100]
 * ```
 */
export function shiftTargets(
  ids: Int32Array,
  batch: number,
  seqLen: number,
  mask?: Float32Array,
): Int32Array {
  const out = new Int32Array(batch * seqLen).fill(IGNORE_INDEX);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t + 1 < seqLen; t++) {
      const i = b * seqLen + t;
      if (!mask || (mask[i] > 0 && mask[i + 1] > 0)) out[i] = ids[i + 1];
    }
  }
  return out;
}

/** Number of positions that count in the loss. */
export function countTargets(targets: Int32Array): number {
  let n = 0;
  for (const t of targets) if (t !== IGNORE_INDEX) n++;
  return n;
}

/**
 * Mean LM cross-entropy of a batch (a 1-element tensor, differentiable), plus the number of
 * positions it averages over.
 *
 * @example
 * ```ts
 * import { loadModel } from "./load.ts";
 * import { encode, padBatch } from "./tokenizer.ts";
 * const model = await loadModel("tiny");
 * const { ids, mask, batch, seqLen } = padBatch([encode("Shall I compare thee"), encode("to")]);
 * const { loss } = lmLoss(model, { ids, batch, seqLen, mask });
 * console.log(await loss.item()); // ≈ ln 50257 ≈ 10.8 for random weights
 * model.dispose();
 * ```
 */
export function lmLoss(
  model: GPT2,
  input: ModelInput,
  options: ForwardOptions & { labelSmoothing?: number } = {},
): { loss: Tensor; count: number; hidden: Tensor } {
  const { hidden } = model.forward(input, options);
  const targets = shiftTargets(input.ids, input.batch, input.seqLen, input.mask);
  const count = countTargets(targets);
  if (count === 0) {
    throw new Error(
      `lmLoss: no position has a real next token (batch ${input.batch} × ${input.seqLen})`,
    );
  }
  // The tied head fused with the loss: the (B·T, V) logits are never held whole.
  const rows = reshape(hidden, [input.batch * input.seqLen, model.config.nEmbd]);
  const loss = lmHeadCrossEntropy(rows, model.param("wte.weight"), targets, {
    ignoreIndex: IGNORE_INDEX,
    labelSmoothing: options.labelSmoothing ?? 0,
  });
  return { loss, count, hidden };
}
