/**
 * End to end: `train --task=sonnet --strategy=prefix-offset` (the study's offset prefix) on a
 * slice of the sonnets, then `train --adapter=<that run>/adapter --max-steps=0` loading the saved
 * offset onto the same base model: the second run's dev perplexity is the first run's (that
 * loading changes the logits at all is `strategies/saved_adapter_test.ts`'s business).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { testDataDir } from "./fixture.ts";
import { runTraining } from "../tasks/cli/train.ts";

const quiet = () => {};
const base = (out: string, steps: number) => [
  "--task=sonnet",
  "--model=tiny",
  `--data-dir=${testDataDir()}`,
  "--limit=4",
  "--batch-size=2",
  "--epochs=1",
  "--max-length=40",
  `--max-steps=${steps}`,
  "--eval-limit=1",
  "--max-new-tokens=4",
  `--out=${out}`,
];

Deno.test("train --strategy=prefix-offset runs end to end; --adapter loads its offset back for evaluation", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  const trained = await runTraining([...base(a, 2), "--strategy=prefix-offset"], { log: quiet });
  assert.equal(trained.status, "completed");
  const summary = JSON.parse(await Deno.readTextFile(join(a, "summary.json")));
  assert.equal(summary.strategy, "prefix-offset");
  assert.ok(summary.selected.dev_perplexity > 1);
  await Deno.stat(join(a, "generated_sonnets_dev.txt"));
  const config = JSON.parse(await Deno.readTextFile(join(a, "adapter/adapter_config.json")));
  assert.deepEqual([config.peft_type, config.offset_at, config.num_virtual_tokens], [
    "HIDDEN_OFFSET",
    "blocks",
    10,
  ]);
  const logs: string[] = [];
  const evaluated = await runTraining(
    [...base(b, 0), "--strategy=last4", `--adapter=${join(a, "adapter")}`],
    { log: (m) => logs.push(m) },
  );
  assert.equal(evaluated.status, "completed");
  assert.ok(logs.some((m) => m.includes("--adapter: loaded HIDDEN_OFFSET")), logs.join("\n"));
  const again = JSON.parse(await Deno.readTextFile(join(b, "summary.json")));
  assert.equal(again.selected.dev_perplexity, summary.selected.dev_perplexity);
  for (const d of [a, b]) await Deno.remove(d, { recursive: true });
});
