import assert from "node:assert/strict";
import { inTempDir } from "../../tests/temp_dir.ts";
import { resumedConfig } from "./resume_flags.ts";
import { createRunDir } from "./run_dir.ts";
import { parseTrainArgs } from "./train_config.ts";

async function savedRun(dir: string) {
  const config = parseTrainArgs(["--task=sonnet", "--model=tiny", "--epochs=3", `--out=${dir}`]);
  await createRunDir(dir, config);
  return config;
}

Deno.test("resumedConfig() returns the saved configuration when only --resume is given", async () => {
  await inTempDir(async (dir) => {
    const saved = await savedRun(dir);
    const notes: string[] = [];
    const config = await resumedConfig([`--resume=${dir}`], (m) => notes.push(m));
    assert.deepEqual(config, { ...saved, resume: dir, out: dir });
    assert.deepEqual(notes, []);
    assert.equal(await resumedConfig(["--task=sst"], () => {}), null);
  });
});

Deno.test("resumedConfig() applies --epochs, --max-steps and --lr with a note each", async () => {
  await inTempDir(async (dir) => {
    await savedRun(dir);
    const notes: string[] = [];
    const config = await resumedConfig(
      ["--task=sonnet", `--resume=${dir}`, "--epochs=5", "--max-steps=9", "--lr=2e-5"],
      (m) => notes.push(m),
    );
    assert.deepEqual([config?.epochs, config?.maxSteps, config?.lr], [5, 9, 2e-5]);
    assert.deepEqual(notes.map((n) => n.split(":")[0]), ["--epochs", "--lr", "--max-steps"]);
    assert.match(notes[1], /--lr: 0\.00001 → 0\.00002 \(from the saved step on/);
  });
});

Deno.test("resumedConfig() refuses --task, --strategy, --model and fixed settings, naming each", async () => {
  await inTempDir(async (dir) => {
    await savedRun(dir);
    await assert.rejects(
      () => resumedConfig([`--resume=${dir}`, "--task=sst", "--model=gpt2"], () => {}),
      /--task=sst: the run is --task=sonnet; --model=gpt2: the run is --model=tiny\. Only --epochs/,
    );
    await assert.rejects(
      () => resumedConfig([`--resume=${dir}`, "--strategy=full"], () => {}),
      /--strategy=full: the run is --strategy=last4/,
    );
    await assert.rejects(
      () => resumedConfig([`--resume=${dir}`, "--batch-size=4", "--seed=1"], () => {}),
      /--batch-size=4: the run has 8, which cannot change.*; --seed=1: the run has 11711/,
    );
    // Repeating a saved value is not a change.
    const same = await resumedConfig([`--resume=${dir}`, "--batch-size=8"], () => {});
    assert.equal(same?.batchSize, 8);
  });
});
