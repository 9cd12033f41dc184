import assert from "node:assert/strict";
import { binaryReport, classificationReport, confusionMatrix } from "./classification.ts";

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

// gold [0,0,1,1,2,2] vs pred [0,1,1,1,0,2]:
// class 0: tp 1, fp 1 (a gold 2), fn 1 → P 1/2, R 1/2, F1 2/(2+1+1) = 1/2
// class 1: tp 2, fp 1 (a gold 0), fn 0 → P 2/3, R 1,   F1 4/(4+1+0) = 4/5
// class 2: tp 1, fp 0, fn 1          → P 1,   R 1/2, F1 2/(2+0+1) = 2/3
const GOLD = [0, 0, 1, 1, 2, 2];
const PRED = [0, 1, 1, 1, 0, 2];

Deno.test("confusionMatrix() puts gold classes on rows and predictions on columns", () => {
  assert.deepEqual(confusionMatrix(GOLD, PRED, 3), [[1, 1, 0], [0, 2, 0], [1, 0, 1]]);
  assert.deepEqual(confusionMatrix([0, 1, 1], [0, 0, 1], 2), [[1, 0], [1, 1]]);
});

Deno.test("classificationReport() gives per-class and macro scores for three classes", () => {
  const r = classificationReport(GOLD, PRED, 3);
  close(r.accuracy, 4 / 6);
  close(r.perClass[0].precision, 1 / 2);
  close(r.perClass[0].recall, 1 / 2);
  close(r.perClass[0].f1, 1 / 2);
  close(r.perClass[1].precision, 2 / 3);
  assert.equal(r.perClass[1].recall, 1);
  close(r.perClass[1].f1, 4 / 5);
  assert.equal(r.perClass[2].precision, 1);
  close(r.perClass[2].f1, 2 / 3);
  assert.deepEqual(r.perClass.map((m) => m.support), [2, 2, 2]);
  close(r.macroF1, (1 / 2 + 4 / 5 + 2 / 3) / 3); // 59/90
  close(r.macroPrecision, 13 / 18); // (1/2 + 2/3 + 1)/3
  close(r.macroRecall, 2 / 3); // (1/2 + 1 + 1/2)/3
  close(r.macroF1AllClasses, 59 / 90); // every class occurs: the same
});

Deno.test("classificationReport() gives precision 0 when a class is never predicted", () => {
  // class 2 occurs once, never predicted: P 0 (zero division), R 0, F1 0.
  // class 0: F1 1; class 1: tp 1, fp 1, fn 0 → F1 2/3. Macro F1 = (1 + 2/3 + 0)/3 = 5/9.
  const r = classificationReport([0, 1, 2], [0, 1, 1], 3);
  assert.deepEqual(r.perClass[2], { precision: 0, recall: 0, f1: 0, support: 1 });
  close(r.macroF1, 5 / 9);
});

Deno.test("classificationReport() leaves a class absent from gold and predictions out of macroF1 only", () => {
  // As above with a 4th class that never appears. scikit-learn's f1_score(average="macro")
  // averages over the labels present, {0, 1, 2}: (1 + 2/3 + 0)/3 = 5/9. Over all 4 classes the
  // absent one adds F1 0: (1 + 2/3 + 0 + 0)/4 = 5/12.
  const r = classificationReport([0, 1, 2], [0, 1, 1], 4);
  assert.deepEqual(r.perClass[3], { precision: 0, recall: 0, f1: 0, support: 0 });
  assert.deepEqual(r.macroLabels, [0, 1, 2]);
  close(r.macroF1, 5 / 9);
  close(r.macroF1AllClasses, 5 / 12);
});

Deno.test("classificationReport() averages macro scores over labels in gold or predictions when a subset lacks classes", () => {
  // SST-5-like: 5 classes, a 4-example subset holding only classes 0 and 1.
  // class 0: tp 1, fp 0, fn 1 → P 1, R 1/2, F1 2/(2+0+1) = 2/3
  // class 1: tp 2, fp 1, fn 0 → P 2/3, R 1, F1 4/(4+1+0) = 4/5
  // present {0, 1}: macro F1 (2/3 + 4/5)/2 = 11/15, P (1 + 2/3)/2 = 5/6, R (1/2 + 1)/2 = 3/4
  // all 5 classes: macro F1 (2/3 + 4/5)/5 = 22/75
  const r = classificationReport([0, 0, 1, 1], [0, 1, 1, 1], 5);
  assert.deepEqual(r.macroLabels, [0, 1]);
  close(r.macroF1, 11 / 15);
  close(r.macroPrecision, 5 / 6);
  close(r.macroRecall, 3 / 4);
  close(r.macroF1AllClasses, 22 / 75);
});

Deno.test("classificationReport() counts a class that is only predicted in macroF1", () => {
  // gold [0, 0, 1], pred [0, 2, 1] with 4 classes: class 2 is predicted once (fp), never gold.
  // F1: class 0 2/3, class 1 1, class 2 0 → present {0, 1, 2}: 5/9; all 4: 5/12.
  const r = classificationReport([0, 0, 1], [0, 2, 1], 4);
  assert.deepEqual(r.macroLabels, [0, 1, 2]);
  close(r.macroF1, 5 / 9);
  close(r.macroF1AllClasses, 5 / 12);
});

Deno.test("classificationReport() scores F1 0 for a class predicted but absent from gold", () => {
  // gold [0,0], pred [0,1]: class 1 tp 0, fp 1 → P 0, R 0 (no support), F1 0.
  // class 0: tp 1, fn 1 → P 1, R 1/2, F1 2/3. Macro = 1/3.
  const r = classificationReport([0, 0], [0, 1], 2);
  assert.deepEqual(r.perClass[1], { precision: 0, recall: 0, f1: 0, support: 0 });
  close(r.macroF1, 1 / 3);
  assert.equal(r.accuracy, 0.5);
});

Deno.test("classificationReport() throws naming lengths, indices and numClasses", () => {
  assert.throws(
    () => classificationReport([0, 1], [0], 2),
    /gold has 2 labels but pred has 1/,
  );
  assert.throws(
    () => classificationReport([0, 5], [0, 1], 5),
    /gold\[1\] = 5 is not a class index in 0\.\.4/,
  );
  assert.throws(
    () => classificationReport([0, 1], [0, 0.5], 2),
    /pred\[1\] = 0.5 is not a class index/,
  );
  assert.throws(() => classificationReport([], [], 2), /gold and pred are empty/);
  assert.throws(() => classificationReport([0], [0], 0), /numClasses must be an integer >= 1/);
});

Deno.test("binaryReport() scores the positive class 1", () => {
  // tp = 3 (i 0,2,6), fn = 1 (i 1), fp = 2 (i 3,7), tn = 2 (i 4,5).
  // acc 5/8, P 3/5, R 3/4, F1 6/(6+2+1) = 2/3.
  const r = binaryReport([1, 1, 1, 0, 0, 0, 1, 0], [1, 0, 1, 1, 0, 0, 1, 1]);
  assert.deepEqual([r.tp, r.fp, r.fn, r.tn], [3, 2, 1, 2]);
  close(r.accuracy, 5 / 8);
  close(r.precision, 3 / 5);
  close(r.recall, 3 / 4);
  close(r.f1, 2 / 3);
});

Deno.test("binaryReport() gives 0 precision, recall and F1 when nothing is predicted positive", () => {
  const r = binaryReport([1, 0], [0, 0]);
  assert.equal(r.accuracy, 0.5);
  assert.deepEqual([r.precision, r.recall, r.f1], [0, 0, 0]);
  const none = binaryReport([0, 0], [0, 0]);
  assert.deepEqual([none.accuracy, none.precision, none.recall, none.f1], [1, 0, 0, 0]);
});

Deno.test("binaryReport() throws when a label is not 0 or 1", () => {
  assert.throws(
    () => binaryReport([0, 2], [0, 1]),
    /binaryReport: gold\[1\] = 2 is not a class index in 0\.\.1/,
  );
  assert.throws(() => binaryReport([0], [0, 1]), /gold has 1 labels but pred has 2/);
});
