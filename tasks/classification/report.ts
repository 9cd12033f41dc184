/**
 * The numbers a classification task logs and reports: the per-epoch metrics drawn from a
 * classification report, the mean dev cross-entropy, and the report as text.
 *
 * @module
 */
import type { ClassificationReport } from "../../eval/classification.ts";

/**
 * The numeric dev metrics of a report, as the engine logs them: `<prefix>_accuracy`,
 * `<prefix>_macro_f1` (scikit-learn's `f1_score(average="macro")`, as CS224N reports it: over the
 * labels in gold or predictions), `<prefix>_macro_f1_all_classes` (absent classes count 0) and per
 * class `<prefix>_precision_<k>` / `<prefix>_recall_<k>`.
 *
 * @example
 * ```ts
 * import { classificationReport } from "../../eval/classification.ts";
 * console.log(reportMetrics(classificationReport([0, 1], [0, 0], 2)));
 * // { dev_accuracy: 0.5, dev_macro_f1: 0.333…, dev_precision_0: 0.5, dev_recall_0: 1, … }
 * ```
 */
export function reportMetrics(r: ClassificationReport, prefix = "dev"): Record<string, number> {
  const out: Record<string, number> = {
    [`${prefix}_accuracy`]: r.accuracy,
    [`${prefix}_macro_f1`]: r.macroF1,
    [`${prefix}_macro_f1_all_classes`]: r.macroF1AllClasses,
  };
  r.perClass.forEach((c, k) => {
    out[`${prefix}_precision_${k}`] = c.precision;
    out[`${prefix}_recall_${k}`] = c.recall;
  });
  return out;
}

/**
 * Mean cross-entropy (natural log) of logits rows against gold classes, in f64: the dev loss.
 *
 * @example
 * ```ts
 * meanCrossEntropy([Float32Array.from([0, 0])], [1]); // Math.log(2)
 * ```
 */
export function meanCrossEntropy(logits: readonly Float32Array[], gold: readonly number[]): number {
  let sum = 0;
  logits.forEach((row, i) => {
    const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    sum += lse - row[gold[i]];
  });
  return sum / logits.length;
}

const fixed = (v: number) => v.toFixed(4);

/**
 * A classification report as text: accuracy, macro F1 (scikit-learn's: over the labels in gold
 * or predictions), macro F1 over all classes, a per-class table (precision, recall, F1, support)
 * and the confusion matrix (rows gold, columns predicted).
 *
 * @example
 * ```ts
 * import { classificationReport } from "../../eval/classification.ts";
 * console.log(formatClassificationReport(classificationReport([0, 1], [0, 0], 2)));
 * // accuracy   0.5000
 * // macro F1   0.3333 …
 * ```
 */
export function formatClassificationReport(r: ClassificationReport): string {
  const K = r.perClass.length;
  const lines = [
    `accuracy   ${fixed(r.accuracy)}`,
    `macro F1   ${fixed(r.macroF1)}`,
    `macro F1 over all ${K} classes (absent ones count 0)   ${fixed(r.macroF1AllClasses)}`,
    "",
    "class  precision  recall  f1      support",
    ...r.perClass.map((c, k) =>
      `${String(k).padEnd(7)}${fixed(c.precision).padEnd(11)}${fixed(c.recall).padEnd(8)}` +
      `${fixed(c.f1).padEnd(8)}${c.support}`
    ),
    "",
    "confusion matrix (rows gold, columns predicted):",
  ];
  const width = Math.max(4, ...r.confusion.flat().map((v) => String(v).length + 1));
  lines.push(
    "gold\\pred" + Array.from({ length: K }, (_, k) => String(k).padStart(width)).join(""),
  );
  r.confusion.forEach((row, g) => {
    lines.push(String(g).padEnd(9) + row.map((v) => String(v).padStart(width)).join(""));
  });
  return lines.join("\n") + "\n";
}
