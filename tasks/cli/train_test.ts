import assert from "node:assert/strict";
import { defaultConfig } from "../engine/train_config.ts";
import { formatRunEnd } from "./train.ts";

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
