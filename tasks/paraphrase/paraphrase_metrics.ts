/**
 * The numbers a Quora evaluation logs: accuracy and macro F1 (CS224N's official Quora score is
 * scikit-learn's macro F1), the per-class precision and recall, and the positive class's
 * precision, recall and F1 (the study's table columns).
 *
 * @module
 */
import type { ClassificationReport } from "../../eval/classification.ts";
import { reportMetrics } from "../classification/report.ts";

/**
 * The metrics of a 2-class report: `reportMetrics`'s (`dev_accuracy`, `dev_macro_f1`,
 * `dev_precision_k`, `dev_recall_k`) plus `dev_precision`, `dev_recall` and `dev_f1` of the
 * paraphrase class 1.
 *
 * @example
 * ```ts
 * import { classificationReport } from "../../eval/classification.ts";
 * console.log(paraphraseMetrics(classificationReport([1, 1, 0], [1, 0, 0], 2)).dev_f1); // 2/3
 * ```
 */
export function paraphraseMetrics(r: ClassificationReport, prefix = "dev"): Record<string, number> {
  if (r.perClass.length !== 2) {
    throw new Error(`paraphraseMetrics(): expected 2 classes, got ${r.perClass.length}`);
  }
  const positive = r.perClass[1];
  return {
    ...reportMetrics(r, prefix),
    [`${prefix}_precision`]: positive.precision,
    [`${prefix}_recall`]: positive.recall,
    [`${prefix}_f1`]: positive.f1,
  };
}

/**
 * The positive class's line of a report as text (for `deno task eval --task=quora`).
 *
 * @example
 * ```ts
 * import { classificationReport } from "../../eval/classification.ts";
 * console.log(formatPositiveClass(classificationReport([1, 0], [1, 1], 2)));
 * // "paraphrase (class 1): precision 0.5000, recall 1.0000, f1 0.6667"
 * ```
 */
export function formatPositiveClass(r: ClassificationReport): string {
  const p = r.perClass[1];
  return `paraphrase (class 1): precision ${p.precision.toFixed(4)}, recall ` +
    `${p.recall.toFixed(4)}, f1 ${p.f1.toFixed(4)}`;
}
