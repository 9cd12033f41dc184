/**
 * What a run chooses its kept checkpoint on (`--select-on`): the dev set, as the study did, or a
 * held-out slice of the training examples, so that dev stays untouched until the end and the dev
 * scores the run reports are not the maximum of several looks at dev.
 *
 * @module
 */
import { seededRandom } from "../../model/sampling.ts";

/** `--select-on`: the dev set, or a held-out fraction of the training examples. */
export type SelectOn =
  | { source: "dev" }
  | { source: "heldout"; fraction: number };

/** The study's way (SEED.md, CS224N): the best epoch by the dev metric itself. */
export const SELECT_ON_DEV: Readonly<SelectOn> = Object.freeze({ source: "dev" });

/** The default for new runs: 10% of the training examples, held out and never trained on. */
export const SELECT_ON_HELDOUT: Readonly<SelectOn> = Object.freeze({
  source: "heldout",
  fraction: 0.1,
});

/**
 * Parses `dev` or `heldout:FRACTION` (0 < FRACTION < 1); throws saying what was expected.
 *
 * @example
 * ```ts
 * parseSelectOn("heldout:0.2"); // { source: "heldout", fraction: 0.2 }
 * parseSelectOn("dev"); // { source: "dev" }
 * ```
 */
export function parseSelectOn(raw: string): SelectOn {
  if (raw === "dev") return { source: "dev" };
  const m = /^heldout:(\d*\.?\d+(?:[eE][+-]?\d+)?)$/.exec(raw);
  const fraction = m ? Number(m[1]) : NaN;
  if (!(fraction > 0 && fraction < 1)) {
    throw new Error("expected dev or heldout:FRACTION with 0 < FRACTION < 1");
  }
  return { source: "heldout", fraction };
}

/**
 * The flag form of a {@linkcode SelectOn} (what `--select-on` takes).
 *
 * @example
 * ```ts
 * formatSelectOn({ source: "heldout", fraction: 0.1 }); // "heldout:0.1"
 * ```
 */
export function formatSelectOn(s: SelectOn): string {
  return s.source === "dev" ? "dev" : `heldout:${s.fraction}`;
}

/** Training examples split into the ones that train and the ones held out for selection. */
export interface SelectionSplit {
  /** Indices of the examples that train, ascending. */
  train: number[];
  /** Indices of the held-out examples, ascending (empty when selecting on dev). */
  heldout: number[];
}

/**
 * Splits `size` training examples for `selectOn`: on `dev` every example trains; on
 * `heldout:f` a seeded random `round(f · size)` of them (at least 1, at most `size − 1`) are
 * held out and the rest train. The same (size, fraction, seed) always gives the same split, so a
 * resumed run holds out the same examples. Throws when fewer than 2 examples are left to split.
 *
 * @example
 * ```ts
 * const { train, heldout } = selectionSplit(10, { source: "heldout", fraction: 0.2 }, 1);
 * // train: 8 indices, heldout: 2 others
 * ```
 */
export function selectionSplit(size: number, selectOn: SelectOn, seed: number): SelectionSplit {
  const all = Array.from({ length: size }, (_, i) => i);
  if (selectOn.source === "dev") return { train: all, heldout: [] };
  if (size < 2) {
    throw new Error(
      `--select-on=${formatSelectOn(selectOn)}: needs at least 2 training examples to hold ` +
        `some out, got ${size} (use --select-on=dev)`,
    );
  }
  const count = Math.min(size - 1, Math.max(1, Math.round(selectOn.fraction * size)));
  const random = seededRandom((Math.imul(seed, 0x9e3779b1) ^ 0x5e1ec7) >>> 0);
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  const byIndex = (a: number, b: number) => a - b;
  return { train: all.slice(count).sort(byIndex), heldout: all.slice(0, count).sort(byIndex) };
}

/**
 * The metric a run selects on: the task's dev metric, or the same metric on the held-out
 * training examples (`dev_accuracy` → `heldout_accuracy`).
 *
 * @example
 * ```ts
 * selectionMetric("dev_perplexity", { source: "heldout", fraction: 0.1 }); // "heldout_perplexity"
 * ```
 */
export function selectionMetric(devMetric: string, selectOn: SelectOn): string {
  return selectOn.source === "dev" ? devMetric : `heldout_${devMetric.replace(/^dev_/, "")}`;
}
