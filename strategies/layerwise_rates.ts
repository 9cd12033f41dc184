/**
 * Layer-wise learning rates (the study's Task C): GPT-2's lower half of the transformer blocks
 * trains at `lower` × the base rate, the upper half at `upper` ×, the classification head at
 * `head` × (the study: 0.5, 1, 2). A pure function over parameter names, so it serves any model
 * that names its parameters as GPT-2's checkpoints do and any task with a head.
 *
 * Where the parameters outside the blocks go: the embeddings `wte`/`wpe` sit below block 0, so
 * they join the lower half; the final LayerNorm `ln_f` sits above the last block, so it joins the
 * upper half. With L blocks, blocks 0 … ⌊L/2⌋ − 1 are the lower half (GPT-2 124M: h.0–h.5) and
 * the rest the upper half; with one block there is no lower block (only the embeddings).
 *
 * @module
 */

/** The three multipliers of the base learning rate. */
export interface LayerRateScales {
  /** Lower half of the blocks and the embeddings (the study: 0.5). */
  lower: number;
  /** Upper half of the blocks and the final LayerNorm (1). */
  upper: number;
  /** The task's head parameters (2). */
  head: number;
}

/** The study's Task C multipliers. */
export const TASK_C_SCALES: Readonly<LayerRateScales> = Object.freeze({
  lower: 0.5,
  upper: 1,
  head: 2,
});

/** One parameter group: its name, its multiplier of the base rate, and its parameter names. */
export interface RateGroup {
  /** `lower`, `upper` or `head`. */
  name: keyof LayerRateScales;
  /** Multiplier of the base learning rate. */
  scale: number;
  /** Parameter names in the order given. */
  names: string[];
}

const BLOCK = /^h\.(\d+)\./;
const BELOW_BLOCKS = /^(wte|wpe)\./;
const ABOVE_BLOCKS = /^ln_f\./;

/**
 * Splits GPT-2 parameter names (`wte.weight`, `h.{i}.…`, `ln_f.…`) and head parameter names into
 * the `lower`, `upper` and `head` groups with their multipliers; empty groups are left out.
 * Throws naming the parameter when a GPT-2 name is none of those or a block index is not below
 * `nLayer`, and naming the scale when one is not a positive number.
 *
 * @example
 * ```ts
 * layerwiseRateGroups(["wte.weight", "h.0.ln_1.weight", "h.1.ln_1.weight", "ln_f.bias"],
 *   ["head.weight"], 2, TASK_C_SCALES);
 * // [{ name: "lower", scale: 0.5, names: ["wte.weight", "h.0.ln_1.weight"] },
 * //  { name: "upper", scale: 1, names: ["h.1.ln_1.weight", "ln_f.bias"] },
 * //  { name: "head", scale: 2, names: ["head.weight"] }]
 * ```
 */
export function layerwiseRateGroups(
  modelNames: readonly string[],
  headNames: readonly string[],
  nLayer: number,
  scales: LayerRateScales,
): RateGroup[] {
  for (const key of ["lower", "upper", "head"] as const) {
    if (!(scales[key] > 0 && Number.isFinite(scales[key]))) {
      throw new Error(
        `layerwiseRateGroups(): the ${key} scale must be positive, got ${scales[key]}`,
      );
    }
  }
  const firstUpper = Math.floor(nLayer / 2);
  const lower: string[] = [];
  const upper: string[] = [];
  for (const name of modelNames) {
    const block = BLOCK.exec(name);
    if (block) {
      const i = Number(block[1]);
      if (i >= nLayer) {
        throw new Error(`layerwiseRateGroups(): ${name} is in block ${i}, the model has ${nLayer}`);
      }
      (i < firstUpper ? lower : upper).push(name);
    } else if (BELOW_BLOCKS.test(name)) lower.push(name);
    else if (ABOVE_BLOCKS.test(name)) upper.push(name);
    else {
      throw new Error(
        `layerwiseRateGroups(): ${name} is not a GPT-2 parameter (wte, wpe, h.{i}, ln_f); pass ` +
          `head parameters as headNames`,
      );
    }
  }
  const groups: RateGroup[] = [
    { name: "lower", scale: scales.lower, names: lower },
    { name: "upper", scale: scales.upper, names: upper },
    { name: "head", scale: scales.head, names: [...headNames] },
  ];
  return groups.filter((g) => g.names.length > 0);
}
