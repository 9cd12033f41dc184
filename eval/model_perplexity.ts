/**
 * Model perplexity on held-out token sequences: the mean negative log-likelihood per predicted
 * token under the model (no dropout), and its exponential. Every strategy attached to the model
 * takes part, because both functions run the model's own forward pass.
 *
 * - {@linkcode modelPerplexity}: every next token of whole sequences (whole gold sonnets).
 * - {@linkcode continuationPerplexity}: only the tokens after a context that the model reads but
 *   is not scored on (lines 4–14 of a gold sonnet given its lines 1–3).
 *
 * @module
 */
import { lmHeadCrossEntropy } from "../kernels/lm_head_loss.ts";
import { reshape } from "../kernels/shape.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { countTargets, IGNORE_INDEX, lmLoss, shiftTargets } from "../model/lm_loss.ts";
import { padBatch } from "../model/tokenizer.ts";
import { perplexityFromNll } from "./perplexity.ts";

/**
 * Mean LM loss (nats per predicted token) and perplexity of the model on whole sequences, in
 * batches of `batchSize`, without dropout or gradients.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * const model = await loadModel("tiny"); // random weights
 * const { perplexity } = await modelPerplexity(model, [[464, 3290, 50256]], 8);
 * console.log(perplexity > 1000); // true: a random model spreads its bets over 50,257 tokens
 * model.dispose();
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

/**
 * Mean NLL (nats per predicted token) and perplexity of the model on the tokens of each sequence
 * after its first `contextLengths[i]` tokens, conditioned on those: the targets are tokens
 * `contextLengths[i]` … end, each predicted from everything before it (context included). In
 * batches of `batchSize`, without dropout or gradients. Throws naming the sequence when a
 * context is empty or leaves no token to score.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * const model = await loadModel("tiny");
 * // "Shall I" is read, " compare thee" is scored
 * const r = await continuationPerplexity(model, [[2563, 314, 8996, 41041]], [2], 8);
 * console.log(r.tokens); // 2
 * model.dispose();
 * ```
 */
export async function continuationPerplexity(
  model: GPT2,
  sequences: number[][],
  contextLengths: number[],
  batchSize: number,
): Promise<{ loss: number; perplexity: number; tokens: number }> {
  if (sequences.length !== contextLengths.length || sequences.length === 0) {
    throw new RangeError(
      `continuationPerplexity: ${sequences.length} sequences and ${contextLengths.length} ` +
        "context lengths; they must match and not be empty",
    );
  }
  sequences.forEach((seq, i) => {
    const c = contextLengths[i];
    if (!Number.isInteger(c) || c < 1 || c >= seq.length) {
      throw new RangeError(
        `continuationPerplexity: sequence ${i} has ${seq.length} tokens and context length ${c}; ` +
          "the context needs at least 1 token and must leave at least 1 to score",
      );
    }
  });
  const C = model.config.nEmbd;
  let nll = 0;
  let count = 0;
  for (let i = 0; i < sequences.length; i += batchSize) {
    const b = padBatch(sequences.slice(i, i + batchSize));
    const targets = shiftTargets(b.ids, b.batch, b.seqLen, b.mask);
    for (let r = 0; r < b.batch; r++) {
      // position t predicts token t + 1: keep t ≥ context − 1
      const context = contextLengths[i + r];
      for (let t = 0; t < context - 1; t++) targets[r * b.seqLen + t] = IGNORE_INDEX;
    }
    const n = countTargets(targets);
    const mean = await model.gpu.scopeAsync(async () => {
      const loss = model.gpu.noGrad(() => {
        const input = { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen };
        // The tied head fused with the loss, as lmLoss does: the logits are never held whole.
        const rows = reshape(model.forward(input).hidden, [b.batch * b.seqLen, C]);
        return lmHeadCrossEntropy(rows, model.param("wte.weight"), targets, {
          ignoreIndex: IGNORE_INDEX,
        });
      });
      return await loss.item();
    });
    nll += mean * n;
    count += n;
  }
  return { loss: nll / count, perplexity: perplexityFromNll(nll, count), tokens: count };
}
