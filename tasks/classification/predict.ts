/**
 * Classifying many sequences at once in evaluation mode: the prediction loop shared by every
 * classification task (sentiment, paraphrase).
 *
 * @module
 */
import type { GPT2 } from "../../model/gpt2.ts";
import { padBatch } from "../../model/tokenizer.ts";
import { type ClassifierHead, classify } from "./classifier_head.ts";

/** Predictions of {@linkcode predictClasses}. */
export interface Predictions {
  /** Arg-max class per sequence, in input order. */
  classes: number[];
  /** Logits per sequence (K each), in input order. */
  logits: Float32Array[];
}

/**
 * Classifies sequences in evaluation mode (no dropout, no gradients; `poolMeanWeight` as in
 * `classify`), batching them by length
 * (longest first) so that padding stays small; results come back in input order.
 *
 * @example
 * ```ts
 * import { loadModel } from "../../model/load.ts";
 * const model = await loadModel("tiny");
 * import { createClassifierHead } from "./classifier_head.ts";
 * const head = createClassifierHead(model.gpu, model.config.nEmbd, 2, { seed: 1 });
 * const { classes } = await predictClasses(model, head, [[40, 588], [35, 724, 764]], 64);
 * console.log(classes.length); // 2: one class per sequence
 * model.dispose();
 * ```
 */
export async function predictClasses(
  model: GPT2,
  head: ClassifierHead,
  sequences: readonly number[][],
  batchSize: number,
  options: { poolMeanWeight?: number } = {},
): Promise<Predictions> {
  const K = head.numClasses;
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
        classify(
          model,
          head,
          { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen },
          options,
        )
      );
      return await out.readFloat();
    });
    idx.forEach((j, r) => {
      const row = values.slice(r * K, (r + 1) * K);
      logits[j] = row;
      let best = 0;
      for (let k = 1; k < K; k++) if (row[k] > row[best]) best = k;
      classes[j] = best;
    });
  }
  return { classes, logits };
}
