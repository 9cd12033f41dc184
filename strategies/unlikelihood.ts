/**
 * Token-level unlikelihood training (Welleck et al. 2019) as a loss term any strategy can carry:
 * at each target position t the negative candidates are the earlier context tokens
 * {x₁ … x_t} minus the target x_{t+1} (`context`), or only the last K of them (`window:K`; our
 * reading of the study's 5-token window), and the term α · mean over targets of
 * Σ_c −log(1 − p(c | x≤t)) is added to the MLE loss. The term runs fused with its softmax on the
 * GPU (`kernels/unlikelihood.ts`); only the candidate lists are built on the host.
 *
 * `unlikelihood` is the study's Task A: the sonnet baseline (`last-blocks`) with this term;
 * `prefix-unlikelihood` (Task C) is prefix-tuning with it, built by {@linkcode withUnlikelihood}.
 *
 * @module
 */
import { reshape } from "../kernels/shape.ts";
import type { Tensor } from "../kernels/tensor.ts";
import { type CandidateSets, candidateSets, unlikelihood } from "../kernels/unlikelihood.ts";
import { LAST_BLOCKS } from "./freezing_strategies.ts";
import { PREFIX } from "./prefix.ts";
import type { LmStep, Strategy } from "./strategy.ts";

/** How negatives are chosen: every earlier token, or the last `size` of them. */
export type CandidateMode = { kind: "context" } | { kind: "window"; size: number };

/**
 * Parses `context` or `window:K`; throws naming the flag and the value otherwise.
 *
 * @example
 * ```ts
 * parseCandidateMode("window:5"); // { kind: "window", size: 5 }
 * ```
 */
export function parseCandidateMode(raw: string): CandidateMode {
  if (raw === "context") return { kind: "context" };
  const m = /^window:([1-9]\d*)$/.exec(raw);
  if (!m) {
    throw new Error(`--ul-candidates: expected context or window:K, got ${JSON.stringify(raw)}`);
  }
  return { kind: "window", size: Number(m[1]) };
}

/**
 * The negative candidates of every row of a right-padded batch: for the row at (b, t) with a
 * target (not negative), the distinct tokens ids[b, s] for s ≤ t (within the window) other than
 * the target; rows without a target get none.
 *
 * @example
 * ```ts
 * // "a b a" → targets [b, a, -]: row 0 {a}, row 1 {} (a is the target)
 * unlikelihoodCandidates(Int32Array.of(1, 2, 1), 1, 3, Int32Array.of(2, 1, -100), { kind: "context" });
 * // { offsets: [0, 1, 1, 1], ids: [1] }
 * ```
 */
export function unlikelihoodCandidates(
  ids: Int32Array,
  batch: number,
  seqLen: number,
  targets: Int32Array,
  mode: CandidateMode,
): CandidateSets {
  const rows: number[][] = [];
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < seqLen; t++) {
      const target = targets[b * seqLen + t];
      if (target < 0) {
        rows.push([]);
        continue;
      }
      const from = mode.kind === "window" ? Math.max(0, t - mode.size + 1) : 0;
      const row: number[] = [];
      for (let s = from; s <= t; s++) {
        const id = ids[b * seqLen + s];
        if (id !== target) row.push(id);
      }
      rows.push(row);
    }
  }
  return candidateSets(rows);
}

/**
 * The unlikelihood term of one language-modelling step: α / count · Σ_rows Σ_c −log(1 − p(c)).
 */
export function unlikelihoodTerm(step: LmStep, weight: number, mode: CandidateMode): Tensor {
  const { input, targets } = step;
  const logits = step.logits();
  const V = logits.shape[logits.shape.length - 1];
  const candidates = unlikelihoodCandidates(input.ids, input.batch, input.seqLen, targets, mode);
  return unlikelihood(reshape(logits, [logits.size / V, V]), candidates, weight / step.count);
}

/**
 * `base` with the unlikelihood term added to its language-modelling loss (weight
 * `options.unlikelihoodWeight`, default 1; candidates `options.unlikelihoodCandidates`, default
 * `context`). Applies to the tasks of `base` that train a language model.
 *
 * @example
 * ```ts
 * import { PREFIX } from "./prefix.ts";
 * const strategy = withUnlikelihood(PREFIX, "prefix-unlikelihood", "Task C", ["sonnet"]);
 * console.log(strategy.name, strategy.tasks); // prefix-unlikelihood ["sonnet"]
 * ```
 */
export function withUnlikelihood(
  base: Strategy,
  name: string,
  summary: string,
  tasks: readonly string[],
): Strategy {
  return {
    name,
    summary,
    tasks,
    attach(model, context) {
      const weight = context.options.unlikelihoodWeight ?? 1;
      if (!(weight >= 0)) throw new Error(`--ul-weight: must be ≥ 0, got ${weight}`);
      const mode = parseCandidateMode(context.options.unlikelihoodCandidates ?? "context");
      const attached = base.attach(model, context);
      return {
        ...attached,
        extraLoss: (step) => weight > 0 ? unlikelihoodTerm(step, weight, mode) : null,
      };
    },
  };
}

/** The study's Task A: the sonnet baseline (last N blocks train) with the unlikelihood term. */
export const UNLIKELIHOOD: Strategy = withUnlikelihood(
  LAST_BLOCKS,
  "unlikelihood",
  "last N blocks + token-level unlikelihood against earlier tokens (Welleck et al. 2019; Task A)",
  ["sonnet"],
);

/** The study's Task C: prefix-tuning with the unlikelihood term (the two composed). */
export const PREFIX_UNLIKELIHOOD: Strategy = withUnlikelihood(
  PREFIX,
  "prefix-unlikelihood",
  "prefix-tuning + token-level unlikelihood (Task C)",
  ["sonnet"],
);
