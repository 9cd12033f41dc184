import assert from "node:assert/strict";
import { inTempDir, listDir } from "../../tests/temp_dir.ts";
import { join } from "node:path";
import {
  appendMetrics,
  createRunDir,
  loadTrainState,
  readMetrics,
  readRunConfig,
  saveTrainState,
  truncateMetrics,
  writeSummary,
} from "./run_dir.ts";

Deno.test("createRunDir() makes the folder and writes config.json when it is new", async () => {
  await inTempDir(async (tmp) => {
    const run = join(tmp, "runs", "sst-full-1");
    assert.equal(await createRunDir(run, { task: "sst", lr: 2e-5, betas: [0.9, 0.999] }), run);
    assert.equal(
      await Deno.readTextFile(join(run, "config.json")),
      '{\n  "task": "sst",\n  "lr": 0.00002,\n  "betas": [\n    0.9,\n    0.999\n  ]\n}\n',
    );
    assert.deepEqual(await listDir(run), ["config.json"]); // no temporary file left
    assert.deepEqual(await readRunConfig(run), { task: "sst", lr: 2e-5, betas: [0.9, 0.999] });
  });
});

Deno.test("createRunDir() throws naming config.json when the folder already has one", async () => {
  await inTempDir(async (tmp) => {
    await createRunDir(tmp, { a: 1 });
    await assert.rejects(
      createRunDir(tmp, { a: 2 }),
      /already holds a run \(config\.json\).*--resume/,
    );
    assert.deepEqual(await readRunConfig(tmp), { a: 1 });
  });
});

Deno.test("readRunConfig() throws naming the file when the folder is not a run", async () => {
  await inTempDir(async (tmp) => {
    await assert.rejects(readRunConfig(tmp), /config\.json not found/);
  });
});

Deno.test("createRunDir() names the path when --out is a file or a non-empty foreign folder", async () => {
  await inTempDir(async (tmp) => {
    const file = join(tmp, "notes.txt");
    await Deno.writeTextFile(file, "mine");
    await assert.rejects(createRunDir(file, {}), /--out: .*notes\.txt is a file, not a folder/);
    await assert.rejects(
      createRunDir(tmp, {}),
      /--out: .* is not empty and is not a run folder \(it holds notes\.txt\)/,
    );
    assert.deepEqual(await listDir(tmp), ["notes.txt"]);
  });
});

Deno.test("truncateMetrics() keeps the first records and drops the lines after them", async () => {
  await inTempDir(async (tmp) => {
    for (const epoch of [1, 2, 3]) await appendMetrics(tmp, { epoch });
    assert.equal(await truncateMetrics(tmp, 3), 0);
    assert.equal(await truncateMetrics(tmp, 1), 2);
    assert.deepEqual(await readMetrics(tmp), [{ epoch: 1 }]);
    assert.equal(await truncateMetrics(tmp, 0), 1);
    assert.equal(await Deno.readTextFile(join(tmp, "metrics.jsonl")), "");
  });
});

Deno.test("appendMetrics() appends one JSON line per record, non-finite numbers as null", async () => {
  await inTempDir(async (tmp) => {
    await appendMetrics(tmp, { epoch: 0, loss: 2.5 });
    await appendMetrics(tmp, { epoch: 1, loss: NaN, acc: Infinity });
    assert.equal(
      await Deno.readTextFile(join(tmp, "metrics.jsonl")),
      '{"epoch":0,"loss":2.5}\n{"epoch":1,"loss":null,"acc":null}\n',
    );
    assert.deepEqual(await readMetrics(tmp), [
      { epoch: 0, loss: 2.5 },
      { epoch: 1, loss: null, acc: null },
    ]);
  });
});

Deno.test("appendMetrics() throws when the record is not a plain object", async () => {
  await inTempDir(async (tmp) => {
    await assert.rejects(appendMetrics(tmp, [1, 2] as never), /plain object, got \[1,2\]/);
  });
});

Deno.test("readMetrics() returns [] when there is no metrics file yet", async () => {
  await inTempDir(async (tmp) => assert.deepEqual(await readMetrics(tmp), []));
});

Deno.test("readMetrics() throws naming the line when a line is not JSON", async () => {
  await inTempDir(async (tmp) => {
    await Deno.writeTextFile(join(tmp, "metrics.jsonl"), '{"a":1}\n\n{oops\n');
    await assert.rejects(readMetrics(tmp), /metrics\.jsonl:3: not valid JSON: \{oops/);
  });
});

Deno.test("writeSummary() writes summary.json and replaces an earlier one", async () => {
  await inTempDir(async (tmp) => {
    await writeSummary(tmp, { best: 1 });
    await writeSummary(tmp, { best: 2 });
    assert.equal(await Deno.readTextFile(join(tmp, "summary.json")), '{\n  "best": 2\n}\n');
    assert.deepEqual(await listDir(tmp), ["summary.json"]);
  });
});

Deno.test("saveTrainState() and loadTrainState() round-trip the state and extra keys", async () => {
  await inTempDir(async (tmp) => {
    assert.equal(await loadTrainState(tmp), null);
    const state = {
      step: 120,
      epoch: 1,
      batchInEpoch: 13,
      rngState: [1, 2, 3, 4],
      bestMetric: null,
      optimizerFile: "optimizer.bin",
    };
    await saveTrainState(tmp, state);
    assert.deepEqual(await loadTrainState(tmp), state);
    await saveTrainState(tmp, { ...state, step: 121, bestMetric: NaN });
    const again = await loadTrainState(tmp);
    assert.equal(again?.step, 121);
    assert.ok(Number.isNaN(again?.bestMetric));
    assert.deepEqual(await listDir(tmp), ["train_state.json"]);
  });
});

Deno.test("saveTrainState() throws naming the key when a counter is invalid", async () => {
  await inTempDir(async (tmp) => {
    const bad = { step: -1, epoch: 0, batchInEpoch: 0, rngState: 0, bestMetric: null };
    await assert.rejects(saveTrainState(tmp, bad), /"step" must be an integer ≥ 0, got -1/);
    assert.deepEqual(await listDir(tmp), []);
  });
});

Deno.test("loadTrainState() throws naming the file and key when the file is malformed", async () => {
  await inTempDir(async (tmp) => {
    const file = join(tmp, "train_state.json");
    await Deno.writeTextFile(file, '{"step":1,"epoch":"one","batchInEpoch":0,"rngState":1}');
    await assert.rejects(loadTrainState(tmp), /train_state\.json: key "epoch".*got "one"/);
    await Deno.writeTextFile(file, '{"step":1,"epoch":0,"batchInEpoch":0}');
    await assert.rejects(loadTrainState(tmp), /missing key "rngState"/);
  });
});
