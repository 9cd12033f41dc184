import assert from "node:assert/strict";
import { classificationReport } from "../../eval/classification.ts";
import { formatPositiveClass, paraphraseMetrics } from "./paraphrase_metrics.ts";

Deno.test("paraphraseMetrics() adds the positive class's precision, recall and F1 to the report's metrics", () => {
  // gold 1 1 1 0 0, pred 1 1 0 1 0: tp 2, fp 1, fn 1, tn 1 → P 2/3, R 2/3, F1 2/3;
  // class 0: P 1/2, R 1/2, F1 1/2; macro F1 (2/3 + 1/2) / 2 = 7/12; accuracy 3/5
  const m = paraphraseMetrics(classificationReport([1, 1, 1, 0, 0], [1, 1, 0, 1, 0], 2));
  const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;
  assert.ok(close(m.dev_accuracy, 3 / 5) && close(m.dev_macro_f1, 7 / 12));
  assert.ok(close(m.dev_precision, 2 / 3) && close(m.dev_recall, 2 / 3) && close(m.dev_f1, 2 / 3));
  assert.ok(close(m.dev_precision_0, 1 / 2) && close(m.dev_recall_1, 2 / 3));
  assert.match(
    formatPositiveClass(classificationReport([1, 0], [1, 1], 2)),
    /precision 0\.5000, recall 1\.0000, f1 0\.6667/,
  );
  assert.throws(() => paraphraseMetrics(classificationReport([2], [2], 3)), /expected 2 classes/);
});
