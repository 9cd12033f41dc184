/**
 * The strategies that only choose which parameters train: `full` (everything), `last-linear`
 * (GPT-2 frozen, the task's head trains: CS224N's option) and `last-blocks` (the last N
 * transformer blocks; the study's sonnet baseline `last4` is this with N = 4). Each trains in one
 * optimizer group at the base rate.
 *
 * @module
 */
import { freezeAll, trainAll, trainLastBlocks } from "./freezing.ts";
import { singleGroup, type Strategy } from "./strategy.ts";

/** Every parameter of GPT-2 and of the task's head trains. */
export const FULL: Strategy = {
  name: "full",
  summary: "every parameter trains (full fine-tuning)",
  tasks: ["sonnet", "sst", "cfimdb", "quora"],
  attach(model, context) {
    trainAll(model);
    return { params: () => new Map(), paramGroups: () => singleGroup(model, context), detach() {} };
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
