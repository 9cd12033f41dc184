/**
 * The training side of a classification head, shared by every classification task (sentiment,
 * paraphrase) so that each part of the study's Task C recipe is an option of any of them:
 * pooling (`--pooling`), multi-sample dropout (`--msd-samples`), label smoothing
 * (`--label-smoothing`) and layer-wise learning rates (`--lower-lr-scale`, `--upper-lr-scale`,
 * `--head-lr-scale`). Head dropout is `--dropout`; the schedule is the run's.
 *
 * @module
 */
import type { Tensor } from "../../kernels/tensor.ts";
import type { GPT2, ModelInput } from "../../model/gpt2.ts";
import type { LayerRateScales } from "../../strategies/layerwise_rates.ts";
import type { TrainConfig } from "../engine/train_config.ts";
import { type ClassifierHead, pooledHidden } from "./classifier_head.ts";
import { multiSampleDropoutLoss } from "./multi_sample_dropout.ts";

/** A run's classification-head settings, read from its configuration. */
export interface ClassifierSettings {
  /** Weight of the masked mean in the pooled state (0: last token). */
  poolMeanWeight: number;
  /** Dropout masks per example (1: plain head dropout). */
  samples: number;
  /** Head dropout probability. */
  dropout: number;
  /** Cross-entropy label smoothing ε. */
  labelSmoothing: number;
  /** Layer-wise rate multipliers, or null for one rate everywhere. */
  layerScales: LayerRateScales | null;
}

/**
 * The classification settings of a configuration: pooling and multi-sample dropout from its
 * options (defaults: last token, 1 sample), and layer-wise rates when any of the three scales is
 * set (a scale left unset is 1).
 *
 * @example
 * ```ts
 * import { parseTrainArgs } from "../engine/train_config.ts";
 * console.log(classifierSettings(parseTrainArgs(["--task=quora", "--strategy=taskc"])).layerScales);
 * // { lower: 0.5, upper: 1, head: 2 }
 * ```
 */
export function classifierSettings(config: TrainConfig): ClassifierSettings {
  const o = config.options;
  const scaled = [o.lowerLayerScale, o.upperLayerScale, o.headScale].some((v) => v !== undefined);
  return {
    poolMeanWeight: o.poolMeanWeight ?? 0,
    samples: o.dropoutSamples ?? 1,
    dropout: config.dropout,
    labelSmoothing: config.labelSmoothing,
    layerScales: scaled
      ? { lower: o.lowerLayerScale ?? 1, upper: o.upperLayerScale ?? 1, head: o.headScale ?? 1 }
      : null,
  };
}

/**
 * The training loss of a labelled batch: GPT-2 in training mode, the pooled state, then the mean
 * over `settings.samples` dropout masks of the head's cross-entropy.
 *
 * @example
 * ```ts
 * import { loadModel } from "../../model/load.ts";
 * import { encode, padBatch } from "../../model/tokenizer.ts";
 * import { parseTrainArgs } from "../engine/train_config.ts";
 * import { createClassifierHead } from "./classifier_head.ts";
 * const model = await loadModel("tiny");
 * const head = createClassifierHead(model.gpu, model.config.nEmbd, 2, { seed: 1 });
 * const settings = classifierSettings(parseTrainArgs(["--task=quora", "--strategy=taskc"]));
 * const b = padBatch(["how do i learn ? how can i learn ?", "is it red ? why now ?"].map((s) => encode(s)));
 * const input = { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen };
 * const loss = classifierLoss(model, head, input, [1, 0], settings, 7);
 * console.log(await loss.item()); // about ln 2 ≈ 0.69 for a new head
 * model.dispose();
 * ```
 */
export function classifierLoss(
  model: GPT2,
  head: ClassifierHead,
  input: ModelInput,
  labels: readonly number[],
  settings: ClassifierSettings,
  seed: number,
): Tensor {
  const pooled = pooledHidden(model, input, { training: true, seed }, settings.poolMeanWeight);
  return multiSampleDropoutLoss(pooled, head, labels, {
    samples: settings.samples,
    dropout: settings.dropout,
    seed,
    labelSmoothing: settings.labelSmoothing,
  });
}
