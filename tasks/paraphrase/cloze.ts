/**
 * The cloze framing of paraphrase detection, as CS224N frames it: GPT-2 reads the prompt
 * `Is "{s1}" a paraphrase of "{s2}"? Answer "yes" or "no": ` and its own LM head (tied to the
 * token embedding; no new head) scores the next token. Training is the full-vocabulary
 * cross-entropy of the answer token at the prompt's last position; prediction compares the
 * logits of the two answer tokens.
 *
 * The answer tokens are `yes` = 8505 and `no` = 3919, without a leading space, as CS224N's
 * labels are. The prompt ends in a space, and GPT-2's BPE makes a trailing space its own token
 * (220): the text "… Answer "yes" or "no": yes" would instead be encoded with " yes" (3763) and
 * no lone 220, so after a prompt that already holds the 220, the token that continues the text
 * to read `…: yes` is `yes` (8505); the spaced ` yes` would make it `…:  yes` (two spaces).
 *
 * @module
 */
import { crossEntropy } from "../../kernels/cross_entropy.ts";
import { gatherLastToken } from "../../kernels/pooling.ts";
import type { Tensor } from "../../kernels/tensor.ts";
import type { GPT2, ModelInput } from "../../model/gpt2.ts";
import { padBatch } from "../../model/tokenizer.ts";
import { lastTokenLengths } from "../classification/classifier_head.ts";
import type { Predictions } from "../classification/predict.ts";

/** GPT-2 token id of `yes` (no leading space): the answer of a paraphrase. */
export const CLOZE_YES_ID = 8505;
/** GPT-2 token id of `no` (no leading space): the answer of a non-paraphrase. */
export const CLOZE_NO_ID = 3919;

/**
 * The answer token of a label: `yes` for 1, `no` for 0.
 *
 * @example
 * ```ts
 * answerToken(1); // 8505
 * ```
 */
export function answerToken(label: number): number {
  return label === 1 ? CLOZE_YES_ID : CLOZE_NO_ID;
}

/**
 * The predicted label of one row of next-token logits: 1 when the `yes` logit is larger than the
 * `no` logit, else 0 (a tie answers `no`). Every other token is ignored, however large.
 *
 * @example
 * ```ts
 * const row = new Float32Array(50257);
 * row[CLOZE_YES_ID] = 2; row[CLOZE_NO_ID] = 1;
 * clozeDecision(row); // 1
 * ```
 */
export function clozeDecision(logits: ArrayLike<number>): 0 | 1 {
  return logits[CLOZE_YES_ID] > logits[CLOZE_NO_ID] ? 1 : 0;
}

/**
 * Next-token logits [B, V] at each prompt's last real position (GPT-2's LM head).
 *
 * @example
 * ```ts
 * import { loadModel } from "../../model/load.ts";
 * import { encode, padBatch } from "../../model/tokenizer.ts";
 * import { clozePrompt } from "./pair_sequences.ts";
 * const model = await loadModel("tiny");
 * const b = padBatch([encode(clozePrompt("how do i learn ?", "how to learn ?"))]);
 * const input = { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen };
 * const logits = clozeLogits(model, input, { training: false, seed: 0 });
 * console.log(logits.shape, clozeDecision(await logits.readFloat())); // [1, 50257] and 0 or 1
 * model.dispose();
 * ```
 */
export function clozeLogits(
  model: GPT2,
  input: ModelInput,
  forward: { training: boolean; seed: number },
): Tensor {
  const { batch: B, seqLen: T } = input;
  const lengths = input.mask ? lastTokenLengths(input.mask, B, T) : new Array<number>(B).fill(T);
  const { hidden } = model.forward(input, forward); // (B, T, C)
  return model.logits(gatherLastToken(hidden, lengths)); // (B, V)
}

/**
 * The cloze training loss of a batch: full-vocabulary cross-entropy of the answer token
 * (`yes`/`no` by label) at the last position, GPT-2 in training mode.
 *
 * @example
 * ```ts
 * import { backward } from "../../kernels/autograd.ts";
 * import { loadModel } from "../../model/load.ts";
 * import { encode, padBatch } from "../../model/tokenizer.ts";
 * import { clozePrompt } from "./pair_sequences.ts";
 * const model = await loadModel("tiny");
 * const pairs = [["how do i learn ?", "how to learn ?"], ["is it red ?", "why is it late ?"]];
 * const b = padBatch(pairs.map(([s1, s2]) => encode(clozePrompt(s1, s2))));
 * const input = { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen };
 * const loss = clozeLoss(model, input, [1, 0], { seed: 7 }); // answers "yes", "no"
 * backward(loss);
 * console.log(await loss.item()); // about ln(50257) ≈ 10.8 for the random `tiny` model
 * model.dispose();
 * ```
 */
export function clozeLoss(
  model: GPT2,
  input: ModelInput,
  labels: readonly number[],
  options: { seed: number; labelSmoothing?: number },
): Tensor {
  const logits = clozeLogits(model, input, { training: true, seed: options.seed });
  return crossEntropy(logits, labels.map(answerToken), {
    labelSmoothing: options.labelSmoothing ?? 0,
  });
}

/**
 * Answers many prompts in evaluation mode (batched by length, longest first; results in input
 * order): per prompt the label of {@linkcode clozeDecision} and the two answer logits
 * `[no, yes]` (so that class k's logit is at index k, as a 2-class head's).
 *
 * @example
 * ```ts
 * import { loadModel } from "../../model/load.ts";
 * import { encode } from "../../model/tokenizer.ts";
 * import { clozePrompt } from "./pair_sequences.ts";
 * const model = await loadModel("tiny");
 * const prompts = [["how do i learn ?", "how to learn ?"], ["is it red ?", "why is it late ?"]]
 *   .map(([s1, s2]) => encode(clozePrompt(s1, s2)));
 * const { classes, logits } = await predictCloze(model, prompts, 8);
 * console.log(classes, logits[0]); // a label per prompt; its [no, yes] logits
 * model.dispose();
 * ```
 */
export async function predictCloze(
  model: GPT2,
  sequences: readonly number[][],
  batchSize: number,
): Promise<Predictions> {
  const V = model.config.vocabSize;
  const order = sequences.map((_, i) => i).sort((a, b) =>
    sequences[b].length - sequences[a].length || a - b
  );
  const classes = new Array<number>(sequences.length);
  const logits = new Array<Float32Array>(sequences.length);
  for (let i = 0; i < order.length; i += batchSize) {
    const idx = order.slice(i, i + batchSize);
    const b = padBatch(idx.map((j) => sequences[j]));
    const values = await model.gpu.scopeAsync(async () => {
      const out = model.gpu.noGrad(() =>
        clozeLogits(model, { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen }, {
          training: false,
          seed: 0,
        })
      );
      return await out.readFloat();
    });
    idx.forEach((j, r) => {
      const row = values.subarray(r * V, (r + 1) * V);
      classes[j] = clozeDecision(row);
      logits[j] = Float32Array.of(row[CLOZE_NO_ID], row[CLOZE_YES_ID]);
    });
  }
  return { classes, logits };
}
