/**
 * The one interface every fine-tuning strategy implements (PEFT's shape): a strategy attaches
 * to a model and a task's own parameters (a classification head, or none) and owns everything
 * it changes — which parameters train (freezing), its extra parameters (adapters on named linear
 * layers, attention prefixes, which it attaches to the model so every forward pass includes
 * them), its optimizer parameter groups and learning rates, an optional per-epoch hook (gradual
 * unfreezing), an optional extra loss term, and how its parameters are saved. Tasks never switch
 * on a strategy's name: they call {@linkcode Strategy.attach} through the registry
 * (`strategies/registry.ts`) and use what it returns.
 *
 * @module
 */
import type { ParamGroup } from "../kernels/adamw.ts";
import type { Tensor } from "../kernels/tensor.ts";
import type { GPT2, ModelInput } from "../model/gpt2.ts";
import type { StrategyOptions } from "../tasks/engine/train_defaults.ts";

/** What a strategy needs to know when it attaches. */
export interface StrategyContext {
  /** Base learning rate (the top group's for discriminative rates). */
  lr: number;
  /** AdamW decoupled weight decay. */
  weightDecay: number;
  /** Epochs of the run (gradual unfreezing spreads its groups over them). */
  epochs: number;
  /** The run's seed (initialisation of adapters, adapter dropout). */
  seed: number;
  /** Strategy-specific settings of the defaults table row and flags. */
  options: StrategyOptions;
  /** The task's own parameters (a classification head), trained by every strategy. */
  taskParams: Map<string, Tensor>;
  /** Informational messages. */
  log: (message: string) => void;
}

/** What a language-modelling loss computed, for a strategy's extra loss term. */
export interface LmStep {
  /** Logits (N, V), N = B·T rows in the batch's order. */
  logits: Tensor;
  /** The batch (ids give each row's context). */
  input: ModelInput;
  /** Next-token target of each row, or a negative ignore index. */
  targets: Int32Array;
  /** Rows that count (the MLE loss is averaged over them). */
  count: number;
}

/** A strategy attached to one model: everything the engine and the task need from it. */
export interface AttachedStrategy {
  /** The strategy's own parameters (adapters, prefixes) by unique name; saved with the run. */
  params(): Map<string, Tensor>;
  /** Optimizer groups: every parameter that may train (task's, model's, own) in exactly one. */
  paramGroups(): ParamGroup[];
  /** Called before each epoch (gradual unfreezing changes what trains here). */
  onEpochStart?(epoch: number): void;
  /** An extra differentiable loss term added to a language-modelling loss (unlikelihood). */
  extraLoss?(step: LmStep): Tensor | null;
  /** Writes the strategy's parameters in their own layout (PEFT's) into `dir`, atomically. */
  save?(dir: string): Promise<void>;
  /** Removes what it attached to the model (adapters, prefixes). */
  detach(): void;
}

/** A named strategy of the registry. */
export interface Strategy {
  /** The registry name (a row of the defaults table may use it under another `--strategy`). */
  name: string;
  /** One line for `--help` and the README. */
  summary: string;
  /** The tasks it applies to (`--task` names). */
  tasks: readonly string[];
  /** Attaches to `model`; sets which parameters train. */
  attach(model: GPT2, context: StrategyContext): AttachedStrategy;
}

/**
 * One optimizer group holding every trainable parameter of the model and of `extra`, at the
 * base rate (the shape of `full`, `last-blocks`, LoRA and prefix-tuning).
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * const model = await loadModel("tiny"); // 2 blocks
 * const context = { lr: 1e-4, weightDecay: 0, epochs: 1, seed: 0, options: {}, taskParams: new Map(), log: () => {} };
 * const groups = singleGroup(model, context); // [{ name: "trainable", lr, weightDecay, params }]
 * console.log(groups[0].name, groups[0].params.length); // "trainable" and every trainable tensor
 * model.dispose();
 * ```
 */
export function singleGroup(
  model: GPT2,
  context: StrategyContext,
  own: Map<string, Tensor> = new Map(),
): ParamGroup[] {
  const extra = [...context.taskParams.values(), ...own.values()];
  return [{
    name: "trainable",
    lr: context.lr,
    weightDecay: context.weightDecay,
    params: [...model.trainable(), ...extra.filter((t) => t.requiresGrad)],
  }];
}
