/**
 * Model perplexity on held-out token sequences: the mean negative log-likelihood per predicted
 * token under the model (no dropout), and its exponential. Every strategy attached to the model
 * takes part, because it runs the model's own language-model loss.
 *
 * @module
 */
import type { GPT2 } from "../model/gpt2.ts";
import { lmLoss } from "../model/lm_loss.ts";
import { padBatch } from "../model/tokenizer.ts";
import { perplexityFromNll } from "./perplexity.ts";

/**
 * Mean LM loss (nats per predicted token) and perplexity of the model on whole sequences, in
 * batches of `batchSize`, without dropout or gradients.
 *
 * @example
 * ```ts
 * const { perplexity } = await modelPerplexity(model, [[464, 3290, 50256]], 8);
 * ```
 */
export async function modelPerplexity(
  model: GPT2,
  sequences: number[][],
  batchSize: number,
): Promise<{ loss: number; perplexity: number; tokens: number }> {
  let nll = 0;
  let count = 0;
  for (let i = 0; i < sequences.length; i += batchSize) {
    const b = padBatch(sequences.slice(i, i + batchSize));
    const r = await model.gpu.scopeAsync(async () => {
      const { loss, count } = model.gpu.noGrad(() =>
        lmLoss(model, { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen })
      );
      return { mean: await loss.item(), count };
    });
    nll += r.mean * r.count;
    count += r.count;
  }
  return { loss: nll / count, perplexity: perplexityFromNll(nll, count), tokens: count };
}
