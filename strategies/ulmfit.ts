/**
 * ULMFiT's pieces (Howard & Ruder 2018) and layer-wise rates, as pure functions over GPT-2's
 * layer groups; each usable alone. (The slanted triangular schedule is in `schedules.ts`.)
 *
 * Layer groups, bottom to top, named by HF parameter-name prefixes (an optional `transformer.`
 * in front of a name is ignored):
 *
 * ```
 * group 0        ["wte", "wpe"]          token and position embeddings
 * group 1 … L−1  ["h.0"] … ["h.L-2"]     one transformer block each
 * group L        ["h.L-1", "ln_f"]       the last block with the final LayerNorm on its output
 * group L+1      ["head"]                the task head (prefixes configurable)
 * ```
 *
 * With `blocksPerGroup` k > 1 consecutive blocks share a group (the last group of blocks keeps
 * `ln_f`). GPT-2 124M has 12 blocks, so 14 groups by default.
 *
 * @module
 */

/** One layer group: the parameter-name prefixes it owns and the blocks it holds. */
export interface LayerGroup {
  /** Readable name: `embeddings`, `h.3`, `h.0-h.2`, `h.11+ln_f`, `head`. */
  name: string;
  /** Parameter-name prefixes (a name belongs when it equals one or starts with it and a dot). */
  prefixes: string[];
  /** Indices of the transformer blocks in the group (empty for embeddings and head). */
  blocks: number[];
}

/** Options of {@linkcode layerGroups}. */
export interface LayerGroupOptions {
  /** Consecutive blocks per group (default 1). */
  blocksPerGroup?: number;
  /** Prefixes of the task head's parameters (default `["head"]`). */
  headPrefixes?: readonly string[];
}

function positiveInt(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${what} must be an integer ≥ 1, got ${value}`);
  }
}

/**
 * GPT-2's layer groups for `nLayer` blocks, bottom (embeddings) to top (head); see the module doc.
 *
 * @example
 * ```ts
 * import { layerGroups } from "./ulmfit.ts";
 * layerGroups(2).map((g) => g.prefixes);
 * // [["wte", "wpe"], ["h.0"], ["h.1", "ln_f"], ["head"]]
 * ```
 */
export function layerGroups(nLayer: number, options: LayerGroupOptions = {}): LayerGroup[] {
  positiveInt("layerGroups(): nLayer", nLayer);
  const k = options.blocksPerGroup ?? 1;
  positiveInt("layerGroups(): blocksPerGroup", k);
  const groups: LayerGroup[] = [{ name: "embeddings", prefixes: ["wte", "wpe"], blocks: [] }];
  for (let start = 0; start < nLayer; start += k) {
    const blocks = Array.from({ length: Math.min(k, nLayer - start) }, (_, j) => start + j);
    const prefixes = blocks.map((i) => `h.${i}`);
    const last = blocks[blocks.length - 1];
    let name = blocks.length === 1 ? `h.${start}` : `h.${start}-h.${last}`;
    if (last === nLayer - 1) {
      prefixes.push("ln_f");
      name += "+ln_f";
    }
    groups.push({ name, prefixes, blocks });
  }
  groups.push({ name: "head", prefixes: [...(options.headPrefixes ?? ["head"])], blocks: [] });
  return groups;
}

/**
 * Index of the group owning parameter `name`, or -1 when none does.
 *
 * @example
 * ```ts
 * import { groupOf, layerGroups } from "./ulmfit.ts";
 * const groups = layerGroups(12);
 * console.log(groupOf("transformer.h.3.attn.c_attn.weight", groups)); // 4
 * console.log(groupOf("ln_f.bias", groups)); // 12
 * ```
 */
export function groupOf(name: string, groups: readonly LayerGroup[]): number {
  const bare = name.startsWith("transformer.") ? name.slice("transformer.".length) : name;
  return groups.findIndex((g) => g.prefixes.some((p) => bare === p || bare.startsWith(p + ".")));
}

/**
 * Discriminative learning rates for `numGroups` groups, bottom to top: the top group gets
 * `baseLr` and each group below gets the rate of the one above divided by `factor` (2.6 in
 * ULMFiT): rate[i] = baseLr / factor^(numGroups − 1 − i).
 *
 * @example
 * ```ts
 * import { discriminativeRates } from "./ulmfit.ts";
 * console.log(discriminativeRates(1e-3, 3)); // [1e-3 / 2.6², 1e-3 / 2.6, 1e-3]
 * ```
 */
export function discriminativeRates(baseLr: number, numGroups: number, factor = 2.6): number[] {
  if (!(baseLr > 0)) throw new Error(`discriminativeRates(): baseLr must be > 0, got ${baseLr}`);
  positiveInt("discriminativeRates(): numGroups", numGroups);
  if (!(factor >= 1)) throw new Error(`discriminativeRates(): factor must be ≥ 1, got ${factor}`);
  return Array.from({ length: numGroups }, (_, i) => baseLr / factor ** (numGroups - 1 - i));
}

/**
 * Gradual unfreezing: how many groups, counted from the top, train in 0-based `epoch`.
 * Epoch 0 trains the head only, each later epoch one more group, until all `numGroups` train.
 *
 * @example
 * ```ts
 * import { unfrozenGroupsAtEpoch } from "./ulmfit.ts";
 * console.log([0, 1, 2, 20].map((e) => unfrozenGroupsAtEpoch(e, 14))); // [1, 2, 3, 14]
 * ```
 */
export function unfrozenGroupsAtEpoch(epoch: number, numGroups: number): number {
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new Error(`unfrozenGroupsAtEpoch(): epoch must be an integer ≥ 0, got ${epoch}`);
  }
  positiveInt("unfrozenGroupsAtEpoch(): numGroups", numGroups);
  return Math.min(epoch + 1, numGroups);
}

/**
 * Per group (bottom to top), whether it trains in `epoch` under gradual unfreezing.
 *
 * @example
 * ```ts
 * import { trainableGroupsAtEpoch } from "./ulmfit.ts";
 * console.log(trainableGroupsAtEpoch(1, 4)); // [false, false, true, true]
 * ```
 */
export function trainableGroupsAtEpoch(epoch: number, numGroups: number): boolean[] {
  const unfrozen = unfrozenGroupsAtEpoch(epoch, numGroups);
  return Array.from({ length: numGroups }, (_, i) => i >= numGroups - unfrozen);
}

/** Multipliers of {@linkcode layerwiseRates}. */
export interface LayerwiseScales {
  /** Embeddings and the lower half of the blocks (default 0.5). */
  lower?: number;
  /** The upper half of the blocks and `ln_f` (default 1). */
  upper?: number;
  /** The task head (default 2). */
  head?: number;
}

/**
 * Layer-wise rates of the paraphrase "Task C" recipe, one per group of `layerGroups(nLayer)`
 * (one block per group): embeddings and blocks 0 … ⌊L/2⌋ − 1 get `lower` × baseLr (0.5×),
 * blocks ⌊L/2⌋ … L − 1 (and `ln_f`) `upper` × (1×), the head `head` × (2×).
 *
 * @example
 * ```ts
 * import { layerwiseRates } from "./ulmfit.ts";
 * console.log(layerwiseRates(1e-5, 2)); // [5e-6, 5e-6, 1e-5, 2e-5]
 * ```
 */
export function layerwiseRates(
  baseLr: number,
  nLayer: number,
  { lower = 0.5, upper = 1, head = 2 }: LayerwiseScales = {},
): number[] {
  if (!(baseLr > 0)) throw new Error(`layerwiseRates(): baseLr must be > 0, got ${baseLr}`);
  for (const [key, value] of Object.entries({ lower, upper, head })) {
    if (!(value >= 0)) throw new Error(`layerwiseRates(): ${key} must be ≥ 0, got ${value}`);
  }
  const half = Math.floor(nLayer / 2);
  return layerGroups(nLayer).map((g, i, all) => {
    if (i === all.length - 1) return baseLr * head;
    if (i === 0) return baseLr * lower;
    return baseLr * (g.blocks[0] < half ? lower : upper);
  });
}
