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
 * classifierSettings(parseTrainArgs(["--task=quora", "--strategy=taskc"])).layerScales;
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
 * const loss = classifierLoss(model, head, batch, batch.labels, settings, ctx.seed);
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
