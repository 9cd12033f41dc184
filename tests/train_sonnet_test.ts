/**
 * End-to-end runs of `train --task=sonnet --model=tiny` on a slice: outputs, metrics reproduced
 * by the scorer, interrupt + resume ending with the same weights as an uninterrupted run, and
 * Ctrl-C on the real command exiting with status 130 and a resumable checkpoint.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { testDataDir, testDataFile } from "./fixture.ts";
import { runTraining } from "../tasks/cli/train.ts";
import { scoreSonnetFiles } from "../eval/sonnet_scores.ts";
import { parseSonnets } from "../tasks/data/sonnet_data.ts";
import { readMetrics } from "../tasks/engine/run_dir.ts";

const dataDir = testDataDir();
const quiet = () => {};
const base = (out: string, steps: number) => [
  "--task=sonnet",
  "--model=tiny",
  `--data-dir=${dataDir}`,
  "--limit=4",
  "--batch-size=2",
  "--epochs=3",
  "--max-length=40",
  `--max-steps=${steps}`,
  "--eval-limit=2",
  "--max-new-tokens=10",
  `--out=${out}`,
];

Deno.test("train --task=sonnet --model=tiny writes checkpoints, generations and metrics", async () => {
  const out = await Deno.makeTempDir();
  const result = await runTraining(base(out, 3), { log: quiet });
  assert.equal(result.status, "completed");
  assert.equal(result.steps, 3);
  for (const f of ["config.json", "metrics.jsonl", "summary.json", "best/model.safetensors"]) {
    await Deno.stat(join(out, f));
  }
  await Deno.stat(join(out, "checkpoint/optimizer.safetensors"));
  const metrics = await readMetrics(out);
  assert.equal(metrics.length, 2, "evaluations after epoch 1 and at the last step");
  assert.ok((metrics[0].dev_perplexity as number) > 1);
  const dev = await Deno.readTextFile(join(out, "generated_sonnets_dev.txt"));
  const test = await Deno.readTextFile(join(out, "generated_sonnets.txt"));
  assert.deepEqual(parseSonnets(dev, "dev").sonnets.map((s) => s.number), [132, 133]);
  assert.deepEqual(parseSonnets(test, "test").sonnets.map((s) => s.number), [145, 146]);
  // Each generated sonnet starts with its prompt's three lines.
  const prompts = parseSonnets(
    await Deno.readTextFile(testDataFile("sonnets_held_out_dev.txt")!),
    "prompts",
  ).sonnets;
  parseSonnets(dev, "dev").sonnets.forEach((s, i) => {
    assert.deepEqual(s.lines.slice(0, 3), prompts[i].lines);
  });
  // `deno task eval` reproduces the run's file-based metrics from the files.
  const gold = await Deno.readTextFile(testDataFile("TRUE_sonnets_held_out_dev.txt")!);
  const scores = scoreSonnetFiles(dev, "dev", gold, "gold", quiet);
  const summary = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
  assert.equal(summary.selected.chrf, scores.chrf);
  assert.equal(summary.selected.rhyme_accuracy_whole, scores.rhyme_accuracy_whole);
  assert.equal(summary.selected.rhyme_accuracy_continuation, scores.rhyme_accuracy_continuation);
  assert.ok(summary.selected.dev_perplexity_continuation > 1);
  await Deno.remove(out, { recursive: true });
});

const timing = (records: Record<string, unknown>[]) =>
  records.map(({ tokens_per_second: _t, epoch_seconds: _s, ...rest }) => rest);

Deno.test("an interrupted and resumed run ends with the same weights and metrics lines as an uninterrupted one", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  await runTraining(base(a, 5), { log: quiet });
  let reads = 0;
  const interrupt = {
    get requested() {
      // Read after each step and after each epoch's save: the 4th read follows the 3rd step, in
      // the middle of epoch 2.
      return ++reads >= 4;
    },
  };
  const first = await runTraining(base(b, 5), { log: quiet, interrupt });
  assert.equal(first.status, "interrupted");
  assert.equal(first.steps, 3);
  const state = JSON.parse(await Deno.readTextFile(join(b, "checkpoint/train_state.json")));
  assert.deepEqual([state.step, state.epoch, state.batchInEpoch], [3, 1, 1]);
  const resumed = await runTraining(["--task=sonnet", `--resume=${b}`], { log: quiet });
  assert.equal(resumed.status, "completed");
  assert.equal(resumed.steps, 5);
  for (const file of ["checkpoint/model.safetensors", "checkpoint/optimizer.safetensors"]) {
    const [x, y] = await Promise.all([Deno.readFile(join(a, file)), Deno.readFile(join(b, file))]);
    assert.ok(x.length === y.length && x.every((v, i) => v === y[i]), `${file} differs`);
  }
  // The resumed epoch 2 reports the train_loss of the uninterrupted one (its first batch was
  // taken before the interruption), and no line is repeated.
  assert.deepEqual(timing(await readMetrics(b)), timing(await readMetrics(a)));
  await Deno.remove(a, { recursive: true });
  await Deno.remove(b, { recursive: true });
});

Deno.test("Ctrl-C on deno task train exits with 130 and leaves a resumable checkpoint", async () => {
  const out = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../tasks/cli/train.ts", import.meta.url).pathname,
      ...base(out, 200),
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("sonnets:")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await new Promise((r) => setTimeout(r, 2000));
  child.kill("SIGINT");
  (async () => {
    for (;;) if ((await reader.read()).done) break;
  })();
  const status = await child.status;
  assert.equal(status.code, 130, text);
  const state = JSON.parse(await Deno.readTextFile(join(out, "checkpoint/train_state.json")));
  assert.ok(state.step >= 1 && state.step < 200);
  await Deno.remove(out, { recursive: true });
});

Deno.test("train --task=sonnet --strategy=prefix-unlikelihood runs end to end and saves the prefix", async () => {
  const out = await Deno.makeTempDir();
  const argv = base(out, 2).map((a) => a.startsWith("--max-new-tokens") ? "--max-new-tokens=4" : a);
  const result = await runTraining([...argv, "--strategy=prefix-unlikelihood"], { log: quiet });
  assert.equal(result.status, "completed");
  const summary = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
  assert.equal(summary.strategy, "prefix-unlikelihood");
  assert.ok(summary.selected.dev_perplexity > 1);
  const config = JSON.parse(await Deno.readTextFile(join(out, "adapter/adapter_config.json")));
  assert.deepEqual([config.peft_type, config.num_virtual_tokens], ["PREFIX_TUNING", 10]);
  const extras = join(out, "checkpoint/extras.safetensors");
  assert.ok((await Deno.stat(extras)).size > 0, "the reparametrisation is kept for resuming");
  await Deno.remove(out, { recursive: true });
});
