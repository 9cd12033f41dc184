import assert from "node:assert/strict";
import { classificationReport } from "../../eval/classification.ts";
import { meanCrossEntropy, reportMetrics } from "./report.ts";

Deno.test("reportMetrics() names accuracy, macro F1 and per-class precision and recall", () => {
  // gold [0, 1, 1], pred [0, 0, 1]: class 0 P 1/2 R 1; class 1 P 1 R 1/2; F1 2/3 each
  const m = reportMetrics(classificationReport([0, 1, 1], [0, 0, 1], 2));
  assert.deepEqual(Object.keys(m), [
    "dev_accuracy",
    "dev_macro_f1",
    "dev_macro_f1_all_classes",
    "dev_precision_0",
    "dev_recall_0",
    "dev_precision_1",
    "dev_recall_1",
  ]);
  assert.ok(Math.abs(m.dev_accuracy - 2 / 3) < 1e-12 && Math.abs(m.dev_macro_f1 - 2 / 3) < 1e-12);
  assert.deepEqual([m.dev_precision_0, m.dev_recall_0, m.dev_precision_1, m.dev_recall_1], [
    0.5,
    1,
    1,
    0.5,
  ]);
});

Deno.test("reportMetrics() gives scikit-learn's macro F1 and the all-classes variant apart", () => {
  // 5 classes, only 0 and 1 occur: sklearn's macro F1 averages over {0, 1} (2/3 each), the
  // all-classes variant over 5 (2·(2/3) / 5)
  const m = reportMetrics(classificationReport([0, 1, 1], [0, 0, 1], 5), "heldout");
  assert.ok(Math.abs(m.heldout_macro_f1 - 2 / 3) < 1e-12, String(m.heldout_macro_f1));
  assert.ok(Math.abs(m.heldout_macro_f1_all_classes - 4 / 15) < 1e-12);
});

Deno.test("meanCrossEntropy() equals −log softmax of the gold class averaged over rows", () => {
  const rows = [Float32Array.from([0, 0]), Float32Array.from([Math.log(3), 0])];
  // row 0: −log(1/2); row 1 (gold 0): −log(3/4)
  const want = (Math.log(2) + Math.log(4 / 3)) / 2;
  assert.ok(Math.abs(meanCrossEntropy(rows, [1, 0]) - want) < 1e-7);
});
