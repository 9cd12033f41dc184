/**
 * Next-token scores of a language model on token sequences, computed on the host from the
 * logits: mean cross-entropy, perplexity and next-token accuracy (the share of positions whose
 * arg-max logit is the actual next token). The sonnet task scores held-out training sonnets with
 * it (selection, learning tests).
 *
 * @module
 */
import type { GPT2 } from "../../model/gpt2.ts";
import { IGNORE_INDEX, shiftTargets } from "../../model/lm_loss.ts";
import { padBatch } from "../../model/tokenizer.ts";

/** Result of {@linkcode nextTokenScores}. */
export interface NextTokenScores {
  /** Mean negative log-likelihood per predicted token (nats). */
  loss: number;
  /** exp(loss). */
  perplexity: number;
  /** Share of predicted positions whose arg-max is the next token (first index on ties). */
  accuracy: number;
  /** Predicted positions (every token with a real next token). */
  tokens: number;
}

/**
 * Scores `sequences` in evaluation mode (no dropout, no gradients). Sequences go through the
 * model in batches of at most `maxBatchTokens` padded positions (at least one sequence each), so
 * that the logits read back stay at most `maxBatchTokens × vocabulary` floats. Throws when no
 * sequence has two tokens.
 *
 * @example
 * ```ts
 * import { loadModel } from "../../model/load.ts";
 * import { encode } from "../../model/tokenizer.ts";
 * const model = await loadModel("tiny");
 * const sonnet = encode("Shall I compare thee to a summer's day?");
 * const { accuracy, perplexity, tokens } = await nextTokenScores(model, [sonnet, [464, 3290, 50256]]);
 * console.log(tokens, accuracy, perplexity); // 11 predicted tokens; the random `tiny`: ≈ 0, ≈ 50257
 * model.dispose();
 * ```
 */
export async function nextTokenScores(
  model: GPT2,
  sequences: readonly number[][],
  maxBatchTokens = 256,
): Promise<NextTokenScores> {
  const V = model.config.vocabSize;
  let nll = 0;
  let correct = 0;
  let count = 0;
  for (let start = 0; start < sequences.length;) {
    let end = start + 1;
    let longest = sequences[start].length;
    while (end < sequences.length) {
      const next = Math.max(longest, sequences[end].length);
      if (next * (end - start + 1) > maxBatchTokens) break;
      longest = next;
      end++;
    }
    const b = padBatch(sequences.slice(start, end));
    start = end;
    const input = { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen };
    const logits = await model.gpu.scopeAsync(async () => {
      const out = model.gpu.noGrad(() => model.logits(model.forward(input).hidden));
      return await out.readFloat();
    });
    const targets = shiftTargets(b.ids, b.batch, b.seqLen, b.mask);
    targets.forEach((target, row) => {
      if (target === IGNORE_INDEX) return;
      const offset = row * V;
      let best = 0;
      let max = -Infinity;
      for (let v = 0; v < V; v++) {
        const x = logits[offset + v];
        if (x > max) [max, best] = [x, v];
      }
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(logits[offset + v] - max);
      nll += max + Math.log(sum) - logits[offset + target];
      if (best === target) correct++;
      count++;
    });
  }
  if (count === 0) throw new Error("nextTokenScores(): no sequence has a next token to predict");
  return {
    loss: nll / count,
    perplexity: Math.exp(nll / count),
    accuracy: correct / count,
    tokens: count,
  };
}
