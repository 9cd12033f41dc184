/**
 * Classification metrics matching scikit-learn's `accuracy_score`, `confusion_matrix`,
 * `precision_recall_fscore_support(labels=range(numClasses), zero_division=0)` per class,
 * `f1_score(average="macro")` (what CS224N reports) and binary
 * `f1_score(pos_label=1, zero_division=0)`.
 *
 * Conventions (as scikit-learn with `zero_division=0`, its effective default):
 * - precision of a class never predicted (tp + fp = 0) is 0;
 * - recall of a class absent from gold (tp + fn = 0) is 0;
 * - F1 = 2·tp / (2·tp + fp + fn), 0 when that denominator is 0; this equals 2PR / (P + R);
 * - `macroF1`, `macroPrecision` and `macroRecall` average over the labels present in gold or in
 *   the predictions (`macroLabels`), as scikit-learn does when `labels` is not given: a class
 *   that never occurs in either is left out, not counted as 0;
 * - `macroF1AllClasses` averages F1 over all `numClasses` classes (absent ones count 0), as
 *   `f1_score(labels=range(numClasses), average="macro")` does. The two differ only when some
 *   class is neither in gold nor predicted (e.g. on a small `--eval-limit` subset).
 *
 * @module
 */

/**
 * Scores of one class.
 *
 * @example
 * ```ts
 * const m: ClassMetrics = classificationReport([0, 1], [0, 0], 2).perClass[0];
 * // { precision: 0.5, recall: 1, f1: 2/3, support: 1 }
 * ```
 */
export interface ClassMetrics {
  /** tp / (tp + fp); 0 when the class is never predicted. */
  precision: number;
  /** tp / (tp + fn); 0 when the class never occurs in gold. */
  recall: number;
  /** 2·tp / (2·tp + fp + fn); 0 when that denominator is 0. */
  f1: number;
  /** Number of gold examples of the class. */
  support: number;
}

/**
 * Result of {@linkcode classificationReport}.
 *
 * @example
 * ```ts
 * const { accuracy, macroF1, macroF1AllClasses } = classificationReport([0, 1, 1], [0, 1, 0], 3);
 * // accuracy 2/3, macroF1 2/3 (classes 0 and 1), macroF1AllClasses 4/9 (class 2 counts 0)
 * ```
 */
export interface ClassificationReport {
  /** Correct predictions / examples. */
  accuracy: number;
  /** Unweighted mean of per-class F1 over `macroLabels` (scikit-learn's `average="macro"`). */
  macroF1: number;
  /** Unweighted mean of per-class F1 over all `numClasses` classes (absent classes count 0). */
  macroF1AllClasses: number;
  /** Unweighted mean of per-class precision over `macroLabels`. */
  macroPrecision: number;
  /** Unweighted mean of per-class recall over `macroLabels`. */
  macroRecall: number;
  /** The classes present in gold or predictions, ascending: those the macro averages cover. */
  macroLabels: number[];
  /** Scores of class 0 … numClasses − 1. */
  perClass: ClassMetrics[];
  /** `confusion[g][p]` = examples with gold class g predicted as p (rows gold, columns predicted). */
  confusion: number[][];
}

/**
 * Result of {@linkcode binaryReport}: scores of the positive class 1.
 *
 * @example
 * ```ts
 * const { accuracy, f1 } = binaryReport([1, 0, 1], [1, 1, 0]); // 1/3; P = R = F1 = 1/2
 * ```
 */
export interface BinaryReport {
  /** Correct predictions / examples. */
  accuracy: number;
  /** F1 of class 1. */
  f1: number;
  /** Precision of class 1 (0 when 1 is never predicted). */
  precision: number;
  /** Recall of class 1 (0 when 1 never occurs in gold). */
  recall: number;
  /** True positives: gold 1, predicted 1. */
  tp: number;
  /** False positives: gold 0, predicted 1. */
  fp: number;
  /** False negatives: gold 1, predicted 0. */
  fn: number;
  /** True negatives: gold 0, predicted 0. */
  tn: number;
}

function checkLabels(fn: string, gold: number[], pred: number[], numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`${fn}: numClasses must be an integer >= 1, got ${numClasses}`);
  }
  if (!Array.isArray(gold) || !Array.isArray(pred)) {
    throw new TypeError(`${fn}: gold and pred must be arrays of class indices`);
  }
  if (gold.length !== pred.length) {
    throw new RangeError(
      `${fn}: gold has ${gold.length} labels but pred has ${pred.length}; they must match`,
    );
  }
  if (gold.length === 0) throw new RangeError(`${fn}: gold and pred are empty`);
  const check = (name: string, labels: number[]) => {
    labels.forEach((label, i) => {
      if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
        throw new RangeError(
          `${fn}: ${name}[${i}] = ${label} is not a class index in 0..${numClasses - 1}`,
        );
      }
    });
  };
  check("gold", gold);
  check("pred", pred);
}

const ratio = (num: number, den: number): number => den === 0 ? 0 : num / den;

/**
 * Confusion matrix with rows = gold class and columns = predicted class.
 *
 * @example
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 0, 1], 2); // [[1, 0], [1, 1]]
 * ```
 */
export function confusionMatrix(gold: number[], pred: number[], numClasses: number): number[][] {
  checkLabels("confusionMatrix", gold, pred, numClasses);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < gold.length; i++) m[gold[i]][pred[i]]++;
  return m;
}

/**
 * Accuracy, macro F1/precision/recall (scikit-learn's, over the labels present), macro F1 over all
 * classes, per-class scores and the confusion matrix for labels `0 … numClasses − 1` (see the
 * module doc for zero-division and macro-average conventions).
 *
 * @example
 * ```ts
 * const r = classificationReport([0, 1, 2, 2], [0, 2, 2, 2], 3);
 * r.accuracy; // 0.75
 * r.perClass[1]; // { precision: 0, recall: 0, f1: 0, support: 1 }
 * ```
 */
export function classificationReport(
  gold: number[],
  pred: number[],
  numClasses: number,
): ClassificationReport {
  checkLabels("classificationReport", gold, pred, numClasses);
  const confusion = confusionMatrix(gold, pred, numClasses);
  let correct = 0;
  const perClass: ClassMetrics[] = [];
  for (let c = 0; c < numClasses; c++) {
    const tp = confusion[c][c];
    let support = 0;
    let predicted = 0;
    for (let k = 0; k < numClasses; k++) {
      support += confusion[c][k];
      predicted += confusion[k][c];
    }
    correct += tp;
    const fp = predicted - tp;
    const fn = support - tp;
    perClass.push({
      precision: ratio(tp, predicted),
      recall: ratio(tp, support),
      f1: ratio(2 * tp, 2 * tp + fp + fn),
      support,
    });
  }
  const predictedAs = new Set(pred);
  const macroLabels = perClass.flatMap((m, c) => m.support > 0 || predictedAs.has(c) ? [c] : []);
  const mean = (key: "precision" | "recall" | "f1") =>
    macroLabels.reduce((s, c) => s + perClass[c][key], 0) / macroLabels.length;
  return {
    accuracy: correct / gold.length,
    macroF1: mean("f1"),
    macroF1AllClasses: perClass.reduce((s, m) => s + m.f1, 0) / numClasses,
    macroPrecision: mean("precision"),
    macroRecall: mean("recall"),
    macroLabels,
    perClass,
    confusion,
  };
}

/**
 * Accuracy and precision/recall/F1 of the positive class 1 for 0/1 labels (paraphrase
 * detection), zero_division = 0.
 *
 * @example
 * ```ts
 * binaryReport([1, 1, 0, 0], [1, 0, 1, 0]); // accuracy 0.5, precision 0.5, recall 0.5, f1 0.5
 * ```
 */
export function binaryReport(gold: number[], pred: number[]): BinaryReport {
  checkLabels("binaryReport", gold, pred, 2);
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (let i = 0; i < gold.length; i++) {
    if (gold[i] === 1) pred[i] === 1 ? tp++ : fn++;
    else pred[i] === 1 ? fp++ : tn++;
  }
  return {
    accuracy: (tp + tn) / gold.length,
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    tp,
    fp,
    fn,
    tn,
  };
}
