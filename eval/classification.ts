/**
 * Classification metrics matching scikit-learn's `accuracy_score`, `confusion_matrix`,
 * `precision_recall_fscore_support(labels=range(numClasses), zero_division=0)` and binary
 * `f1_score(pos_label=1, zero_division=0)`.
 *
 * Conventions (as scikit-learn with `labels=range(numClasses)` and `zero_division=0`):
 * - precision of a class never predicted (tp + fp = 0) is 0;
 * - recall of a class absent from gold (tp + fn = 0) is 0;
 * - F1 = 2·tp / (2·tp + fp + fn), 0 when that denominator is 0; this equals 2PR / (P + R);
 * - macro averages run over ALL `numClasses` classes, including classes that never occur in
 *   gold and are never predicted (they contribute 0).
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
 * const { accuracy, macroF1, confusion } = classificationReport([0, 1, 1], [0, 1, 0], 2);
 * // accuracy 2/3, macroF1 2/3, confusion [[1, 0], [1, 1]]
 * ```
 */
export interface ClassificationReport {
  /** Correct predictions / examples. */
  accuracy: number;
  /** Unweighted mean of per-class F1 over all classes. */
  macroF1: number;
  /** Unweighted mean of per-class precision over all classes. */
  macroPrecision: number;
  /** Unweighted mean of per-class recall over all classes. */
  macroRecall: number;
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
 * Accuracy, macro F1/precision/recall, per-class scores and the confusion matrix for labels
 * `0 … numClasses − 1` (see the module doc for zero-division and macro-average conventions).
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
  const mean = (key: "precision" | "recall" | "f1") =>
    perClass.reduce((s, m) => s + m[key], 0) / numClasses;
  return {
    accuracy: correct / gold.length,
    macroF1: mean("f1"),
    macroPrecision: mean("precision"),
    macroRecall: mean("recall"),
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
