/**
 * The strategy registry: registry names to {@linkcode Strategy} modules, with the tasks each one
 * applies to. A task's row of the defaults table names the registry strategy it uses (`uses`,
 * default: the row's own `--strategy` name); `--help`, the defaults table and the errors read
 * this list. Adding a strategy is a module in `strategies/` exporting a {@linkcode Strategy}, one
 * line here, and a row in each task's defaults that should offer it.
 *
 * @module
 */
import { FULL, hasLayerScales, LAST_BLOCKS, LAST_LINEAR } from "./freezing_strategies.ts";
import type { Tensor } from "../kernels/tensor.ts";
import type { GPT2 } from "../model/gpt2.ts";
import type { TrainConfig } from "../tasks/engine/train_defaults.ts";
import type { AttachedStrategy, Strategy } from "./strategy.ts";
import { LORA } from "./lora.ts";
import { PREFIX } from "./prefix.ts";
import { PREFIX_OFFSET, PREFIX_OFFSET_UNLIKELIHOOD } from "./prefix_offset.ts";
import { ULMFIT } from "./ulmfit_strategy.ts";
import { PREFIX_UNLIKELIHOOD, UNLIKELIHOOD } from "./unlikelihood.ts";

/** Folder of a run where a strategy saves its own parameters (PEFT's layout). */
export const STRATEGY_DIR = "adapter";

/** Every registered strategy, in `--help` order. */
export const STRATEGIES: readonly Strategy[] = Object.freeze([
  FULL,
  LAST_LINEAR,
  LAST_BLOCKS,
  ULMFIT,
  LORA,
  UNLIKELIHOOD,
  PREFIX,
  PREFIX_UNLIKELIHOOD,
  PREFIX_OFFSET,
  PREFIX_OFFSET_UNLIKELIHOOD,
]);

/**
 * The registered strategy `name`; throws naming the value and the known names when unknown, and
 * the tasks it applies to when `task` is given and is not one of them.
 *
 * @example
 * ```ts
 * findStrategy("ulmfit", "sst").tasks; // ["sst", "cfimdb", "quora"]
 * ```
 */
export function findStrategy(name: string, task?: string): Strategy {
  const found = STRATEGIES.find((s) => s.name === name);
  if (!found) {
    throw new Error(
      `strategy ${JSON.stringify(name)} is not registered; known: ` +
        STRATEGIES.map((s) => s.name).join(", "),
    );
  }
  if (task !== undefined && !found.tasks.includes(task)) {
    throw new Error(
      `strategy ${JSON.stringify(name)} does not apply to --task=${task} ` +
        `(it applies to ${found.tasks.join(", ")})`,
    );
  }
  return found;
}

/**
 * Attaches the registry strategy a run's configuration uses (`config.uses`) to `model` and the
 * task's own parameters (a head, or none): the one call a task makes.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * const model = await loadModel("tiny"); // 2 blocks
 * import { defaultConfig } from "../tasks/engine/train_defaults.ts";
 * const config = defaultConfig("sonnet", "last4");
 * const strategy = attachStrategy(config, model, new Map(), () => {});
 * const groups = strategy.paramGroups();
 * console.log(groups.length, groups[0].lr); // the optimizer groups and their rates
 * model.dispose();
 * ```
 */
export function attachStrategy(
  config: Pick<TrainConfig, "uses" | "task" | "lr" | "weightDecay" | "epochs" | "seed" | "options">,
  model: GPT2,
  taskParams: Map<string, Tensor>,
  log: (message: string) => void,
): AttachedStrategy {
  if (config.uses !== "full" && hasLayerScales(config.options)) {
    throw new Error(
      `--lower-lr-scale/--upper-lr-scale/--head-lr-scale: layer-wise rates need full ` +
        `fine-tuning, not the strategy ${JSON.stringify(config.uses)}`,
    );
  }
  return findStrategy(config.uses, config.task).attach(model, {
    lr: config.lr,
    weightDecay: config.weightDecay,
    epochs: config.epochs,
    seed: config.seed,
    options: config.options,
    taskParams,
    log,
  });
}
