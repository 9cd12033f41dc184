import assert from "node:assert/strict";
import { testDataDir } from "../data/data_dir.ts";
import { runTraining } from "./train.ts";

Deno.test("train --profile prints the run's per-kernel device time and host buckets", async () => {
  const out = await Deno.makeTempDir();
  const lines: string[] = [];
  const result = await runTraining([
    "--task=sonnet",
    "--model=tiny",
    `--data-dir=${testDataDir()}`,
    "--limit=2",
    "--batch-size=2",
    "--epochs=1",
    "--max-length=24",
    "--max-steps=1",
    "--eval-limit=1",
    "--max-new-tokens=2",
    `--out=${out}`,
    "--profile",
  ], { log: (m) => lines.push(m) });
  assert.equal(result.status, "completed");
  const text = lines.join("\n");
  assert.match(text, /profile of the whole run/);
  // The training step's fused head + loss and the generation's head kernel both show up (the
  // texture-reading variants, `_tex`, on a software adapter).
  assert.match(text, /\| lm_head_loss_stats(_tex)? \| \d+ \|/);
  assert.match(text, /\| row_head_1(_tex)? \| \d+ \|/);
  assert.match(text, /\| readback wait \(includes device work\) \| \d+ \|/);
  // --profile is not part of the saved configuration.
  const saved = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
  assert.equal(JSON.stringify(saved).includes("profile"), false);
  await Deno.remove(out, { recursive: true });
});
