/**
 * ULMFiT (Howard & Ruder 2018) applied to a GPT-2 model and its task parameters (a head):
 * discriminative learning rates as optimizer parameter groups, one per layer group, and gradual
 * unfreezing per epoch by `requiresGrad`. Each piece works alone; {@linkcode ulmfit} combines
 * them. The third piece, the slanted triangular schedule, is the run's schedule
 * (`strategies/schedules.ts`), which scales every group's rate by the same factor.
 *
 * Every layer group is in the optimizer from the start: a frozen parameter gets no gradient, so
 * AdamW skips it and creates its moments the first time it is updated after being unfrozen.
 *
 * @module
 */
import type { ParamGroup } from "../kernels/adamw.ts";
import type { Tensor } from "../kernels/tensor.ts";
import type { GPT2 } from "../model/gpt2.ts";
import type { Strategy } from "./strategy.ts";
import {
  discriminativeRates,
  groupOf,
  type LayerGroup,
  type LayerGroupOptions,
  layerGroups,
  trainableGroupsAtEpoch,
} from "./ulmfit.ts";

/** Options of the ULMFiT pieces. */
export interface UlmfitOptions extends LayerGroupOptions {
  /** Each lower group's rate is the one above divided by this (default 2.6). */
  factor?: number;
  /** AdamW decoupled weight decay of every group (default 0). */
  weightDecay?: number;
}

/** A parameter with its name and the index of its layer group (bottom to top). */
interface Placed {
  name: string;
  tensor: Tensor;
  group: number;
}

/**
 * Every parameter of `model` and `extras` with its layer group; throws naming the first
 * parameter that no group owns (an extra whose name does not start with a head prefix).
 */
function place(model: GPT2, extras: Map<string, Tensor>, groups: LayerGroup[]): Placed[] {
  const all = [...model.params, ...extras];
  return all.map(([name, tensor]) => {
    const group = groupOf(name, groups);
    if (group === -1) {
      const prefixes = groups.at(-1)!.prefixes.join(", ");
      throw new Error(
        `ULMFiT: parameter '${name}' belongs to no layer group (task parameters must start ` +
          `with one of the head prefixes: ${prefixes})`,
      );
    }
    return { name, tensor, group };
  });
}

/**
 * Optimizer groups with discriminative learning rates: one group per ULMFiT layer group
 * (embeddings, each block, the last block with `ln_f`, the head), bottom to top, named after the
 * layer group; the head's group gets `lr` and each lower group the rate above divided by
 * `factor`. Every parameter is in exactly one group, frozen or not.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * import { tensorFrom } from "../kernels/tensor.ts";
 * const model = await loadModel("tiny"); // 2 blocks
 * const head = new Map([["head.weight", tensorFrom(model.gpu, new Float32Array(128 * 5), [128, 5])]]);
 * const groups = ulmfitParamGroups(model, head, 1e-3);
 * console.log(groups.map((g) => [g.name, g.lr]));
 * // 2 blocks: [["embeddings", 1e-3/2.6³], ["h.0", 1e-3/2.6²], ["h.1+ln_f", 1e-3/2.6], ["head", 1e-3]]
 * model.dispose();
 * ```
 */
export function ulmfitParamGroups(
  model: GPT2,
  extras: Map<string, Tensor>,
  lr: number,
  options: UlmfitOptions = {},
): ParamGroup[] {
  const groups = layerGroups(model.config.nLayer, options);
  const rates = discriminativeRates(lr, groups.length, options.factor ?? 2.6);
  const placed = place(model, extras, groups);
  return groups.map((g, i) => ({
    name: g.name,
    lr: rates[i],
    weightDecay: options.weightDecay ?? 0,
    params: placed.filter((p) => p.group === i).map((p) => p.tensor),
  }));
}

/**
 * Gradual unfreezing: sets `requiresGrad` on every parameter of `model` and `extras` so that in
 * 0-based `epoch` only the top `epoch + 1` layer groups train (epoch 0: the head only). Returns
 * the names of the groups that train, bottom to top.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * import { tensorFrom } from "../kernels/tensor.ts";
 * const model = await loadModel("tiny"); // 2 blocks
 * const head = new Map([["head.weight", tensorFrom(model.gpu, new Float32Array(128 * 5), [128, 5])]]);
 * console.log(applyGradualUnfreezing(model, head, 1)); // 2 blocks: ["h.1+ln_f", "head"]
 * model.dispose();
 * ```
 */
export function applyGradualUnfreezing(
  model: GPT2,
  extras: Map<string, Tensor>,
  epoch: number,
  options: LayerGroupOptions = {},
): string[] {
  const groups = layerGroups(model.config.nLayer, options);
  const trains = trainableGroupsAtEpoch(epoch, groups.length);
  for (const p of place(model, extras, groups)) p.tensor.requiresGrad = trains[p.group];
  return groups.filter((_, i) => trains[i]).map((g) => g.name);
}

/** ULMFiT bound to one model and its task parameters. */
export interface Ulmfit {
  /** The optimizer groups (see {@linkcode ulmfitParamGroups}). */
  groups: ParamGroup[];
  /** Applies gradual unfreezing for the epoch; returns the names of the groups that train. */
  onEpochStart(epoch: number): string[];
}

/**
 * Both pieces for a run: the discriminative-rate groups and the per-epoch unfreezing, with
 * epoch 0's freezing applied at once (the head alone trains until the first `onEpochStart`).
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * import { tensorFrom } from "../kernels/tensor.ts";
 * const model = await loadModel("tiny"); // 2 blocks
 * const head = new Map([["head.weight", tensorFrom(model.gpu, new Float32Array(128 * 5), [128, 5])]]);
 * const u = ulmfit(model, head, { lr: 1e-3 });
 * const task = { paramGroups: () => u.groups, onEpochStart: (e: number) => void u.onEpochStart(e) };
 * console.log(task.paramGroups().map((g) => g.name)); // bottom to top, the head last
 * model.dispose();
 * ```
 */
export function ulmfit(
  model: GPT2,
  extras: Map<string, Tensor>,
  options: UlmfitOptions & { lr: number },
): Ulmfit {
  const groups = ulmfitParamGroups(model, extras, options.lr, options);
  applyGradualUnfreezing(model, extras, 0, options);
  return {
    groups,
    onEpochStart: (epoch) => applyGradualUnfreezing(model, extras, epoch, options),
  };
}

/**
 * The fewest blocks per layer group that let gradual unfreezing reach every group within
 * `epochs` epochs: groups = embeddings + ⌈nLayer / k⌉ block groups + head must be ≤ epochs. When
 * even one group of all blocks is too many (epochs < 3), returns `nLayer` (the embeddings then
 * never unfreeze; {@linkcode ULMFIT} says so in the log).
 *
 * @example
 * ```ts
 * defaultBlocksPerGroup(12, 10); // 2: embeddings + 6 block groups + head = 8 groups ≤ 10 epochs
 * ```
 */
export function defaultBlocksPerGroup(nLayer: number, epochs: number): number {
  for (let k = 1; k < nLayer; k++) if (2 + Math.ceil(nLayer / k) <= epochs) return k;
  return nLayer;
}

/**
 * ULMFiT in the registry: discriminative rates (÷ `options.discriminativeFactor`, 2.6) over layer
 * groups of `options.ulmfitBlocksPerGroup` blocks (default {@linkcode defaultBlocksPerGroup}, so
 * every group trains by the last epoch) and gradual unfreezing per epoch; the slanted triangular
 * schedule is the run's (the table's row names it).
 */
export const ULMFIT: Strategy = {
  name: "ulmfit",
  summary: "ULMFiT: gradual unfreezing + discriminative rates (÷2.6) + slanted triangular schedule",
  tasks: ["sst", "cfimdb", "quora"],
  attach(model, context) {
    const L = model.config.nLayer;
    const blocksPerGroup = context.options.ulmfitBlocksPerGroup ??
      defaultBlocksPerGroup(L, context.epochs);
    const options = {
      blocksPerGroup,
      factor: context.options.discriminativeFactor ?? 2.6,
      weightDecay: context.weightDecay,
    };
    const u = ulmfit(model, context.taskParams, { ...options, lr: context.lr });
    const groups = u.groups.length;
    context.log(
      `ULMFiT: ${groups} layer groups of ${blocksPerGroup} block(s) over ${context.epochs} ` +
        `epochs` +
        (groups > context.epochs
          ? `: the lowest ${groups - context.epochs} group(s) never unfreeze`
          : ": every group trains by the last epoch"),
    );
    return {
      params: () => new Map(),
      paramGroups: () => u.groups,
      onEpochStart: (epoch) => void u.onEpochStart(epoch),
      detach() {},
    };
  },
};
