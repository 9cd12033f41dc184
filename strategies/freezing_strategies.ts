/**
 * The strategies that only choose which parameters train: `full` (everything), `last-linear`
 * (GPT-2 frozen, the task's head trains: CS224N's option) and `last-blocks` (the last N
 * transformer blocks; the study's sonnet baseline `last4` is this with N = 4). Each trains in one
 * optimizer group at the base rate, except `full` with layer-wise rates (the study's Task C:
 * `--lower-lr-scale`, `--upper-lr-scale`, `--head-lr-scale`; `layerwise_rates.ts`).
 *
 * @module
 */
import { freezeAll, trainAll, trainLastBlocks } from "./freezing.ts";
import type { ParamGroup } from "../kernels/adamw.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { layerwiseRateGroups } from "./layerwise_rates.ts";
import { singleGroup, type Strategy, type StrategyContext } from "./strategy.ts";

/** Whether the options ask for layer-wise rates (any of the three scales set). */
export function hasLayerScales(options: StrategyContext["options"]): boolean {
  return [options.lowerLayerScale, options.upperLayerScale, options.headScale]
    .some((v) => v !== undefined);
}

/** Full fine-tuning's groups with layer-wise rates: lower blocks, upper blocks, the task's head. */
function layerwiseGroups(model: GPT2, context: StrategyContext): ParamGroup[] {
  const o = context.options;
  const scales = {
    lower: o.lowerLayerScale ?? 1,
    upper: o.upperLayerScale ?? 1,
    head: o.headScale ?? 1,
  };
  const byName = new Map([...model.params, ...context.taskParams]);
  const groups = layerwiseRateGroups(
    [...model.params.keys()],
    [...context.taskParams.keys()],
    model.config.nLayer,
    scales,
  );
  return groups.map((g) => ({
    name: g.name,
    params: g.names.map((n) => byName.get(n)!),
    lr: context.lr * g.scale,
    weightDecay: context.weightDecay,
  }));
}

/** Every parameter of GPT-2 and of the task's head trains. */
export const FULL: Strategy = {
  name: "full",
  summary:
    "every parameter trains (full fine-tuning; layer-wise rates with the --*-lr-scale flags)",
  tasks: ["sonnet", "sst", "cfimdb", "quora"],
  attach(model, context) {
    trainAll(model);
    const groups = hasLayerScales(context.options)
      ? () => layerwiseGroups(model, context)
      : () => singleGroup(model, context);
    return { params: () => new Map(), paramGroups: groups, detach() {} };
  },
};

/** GPT-2 frozen; only the task's classification head trains. */
export const LAST_LINEAR: Strategy = {
  name: "last-linear",
  summary: "GPT-2 frozen, only the classification head trains (CS224N's option)",
  tasks: ["sst", "cfimdb", "quora"],
  attach(model, context) {
    if (context.taskParams.size === 0) {
      throw new Error("last-linear: the task has no head to train (GPT-2 itself is frozen)");
    }
    freezeAll(model);
    return { params: () => new Map(), paramGroups: () => singleGroup(model, context), detach() {} };
  },
};

/**
 * The last `options.lastBlocks` transformer blocks train (default 4; all of them, with a message,
 * when the model has fewer); embeddings, the tied LM head and the final LayerNorm stay frozen.
 */
export const LAST_BLOCKS: Strategy = {
  name: "last-blocks",
  summary:
    "only the last N transformer blocks train (--last-blocks; the study's sonnet baseline: 4)",
  tasks: ["sonnet", "sst", "cfimdb", "quora"],
  attach(model, context) {
    const wanted = context.options.lastBlocks ?? 4;
    const count = Math.min(wanted, model.config.nLayer);
    if (count < wanted) {
      context.log(`the model has ${count} blocks: all of them train (wanted the last ${wanted})`);
    }
    trainLastBlocks(model, count);
    return { params: () => new Map(), paramGroups: () => singleGroup(model, context), detach() {} };
  },
};
