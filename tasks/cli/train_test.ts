import assert from "node:assert/strict";
import { defaultConfig } from "../engine/train_config.ts";
import { formatMetricLines, formatRunEnd } from "./train.ts";

const result = {
  status: "completed" as const,
  steps: 12,
  bestMetric: 0.61,
  bestEpoch: 2,
  selectedMetrics: { dev_accuracy: 0.5, dev_precision_0: 0.25 },
  lastEpochMetrics: { dev_accuracy: 0.45 },
};

Deno.test("formatRunEnd() names the selected epoch's and the last epoch's dev scores apart", () => {
  const config = { ...defaultConfig("cfimdb", "ulmfit"), out: "runs/x" };
  const text = formatRunEnd(result, config);
  assert.equal(
    text,
    "done: 12 steps; outputs in runs/x\n" +
      "selected (epoch 2 of 10, chosen on held-out heldout:0.1):\n  dev_accuracy: 0.5000\n" +
      "last epoch:\n  dev_accuracy: 0.4500",
  );
});

Deno.test("formatRunEnd() says when the epoch was chosen on dev or never evaluated", () => {
  const config = { ...defaultConfig("sst"), out: "runs/y" };
  assert.match(formatRunEnd(result, config), /selected \(epoch 2 of 6, chosen on dev\)/);
  assert.match(
    formatRunEnd({ ...result, bestEpoch: null }, config),
    /selected \(no evaluation: the last weights\)/,
  );
});

Deno.test("formatMetricLines() puts a metric's mean ± sd over samples on its own line", () => {
  const text = formatMetricLines({
    dev_perplexity: 12.5,
    chrf: 30,
    chrf_mean: 31.25,
    chrf_sd: 1.5,
    samples: 3,
    rhyme_accuracy_continuation: 0.125,
    rhyme_accuracy_continuation_mean: 0.25,
    rhyme_accuracy_continuation_sd: 0.125,
  });
  assert.equal(
    text,
    "  dev_perplexity: 12.5000\n" +
      "  chrf: 30 (sample 1); 31.2500 ± 1.5000 over 3 samples\n" +
      "  samples: 3\n" +
      "  rhyme_accuracy_continuation: 0.1250 (sample 1); 0.2500 ± 0.1250 over 3 samples",
  );
  assert.equal(formatMetricLines({ chrf: 30.5 }), "  chrf: 30.5000");
});
