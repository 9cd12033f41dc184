/**
 * End-to-end reliability of `deno task train` on `tiny` and a two-sonnet slice: a runaway
 * learning rate, CRLF data, Ctrl-C during the final outputs, a SIGKILLed writer, a second writer
 * and a crash in the middle of a save.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dataFile, testDataDir } from "../tasks/data/data_dir.ts";
import { runTraining } from "../tasks/cli/train.ts";
import { createRunDir, readMetrics } from "../tasks/engine/run_dir.ts";
import { parseTrainArgs } from "../tasks/engine/train_config.ts";
import { inTempDir, listDir } from "./temp_dir.ts";

const dataDir = testDataDir();
const base = (out: string, more: string[] = [], data = dataDir) => [
  "--task=sonnet",
  "--model=tiny",
  `--data-dir=${data}`,
  "--limit=2",
  "--batch-size=2",
  "--max-length=16",
  "--eval-limit=1",
  "--max-new-tokens=2",
  `--out=${out}`,
  ...more,
];
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function onlyNumbersOrNull(value: unknown, where: string): void {
  if (value === null || typeof value === "number" || typeof value === "boolean") return;
  if (typeof value === "object") {
    for (const [k, v] of Object.entries(value)) onlyNumbersOrNull(v, `${where}.${k}`);
    return;
  }
  assert.fail(`${where} is ${JSON.stringify(value)}`);
}

Deno.test("train --lr=10 --grad-clip=0 warns, writes best/ and only numbers or null in metrics", async () => {
  await inTempDir(async (out) => {
    let shown = "";
    const args = base(out, [
      "--strategy=full",
      "--select-on=dev",
      "--epochs=2",
      "--lr=10",
      "--grad-clip=0",
    ]);
    const result = await runTraining(args, { log: () => {}, progressWrite: (t) => shown += t });
    assert.match(shown, /warning: the loss [\d.]+ at step 2 is far above its start \(10\.8/);
    assert.equal(result.status, "completed");
    assert.ok(await exists(join(out, "best/model.safetensors")), "best/ written");
    const metrics = await readMetrics(out);
    assert.equal(metrics.length, 2);
    metrics.forEach((m, i) => onlyNumbersOrNull(m, `metrics.jsonl line ${i + 1}`));
    assert.equal(metrics[1].dev_perplexity, null, "an overflowing perplexity is null");
    assert.ok((metrics[1].train_loss as number) > 4 * (metrics[0].train_loss as number));
    const summary = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
    onlyNumbersOrNull(summary.selected, "summary.selected");
    onlyNumbersOrNull(summary.last_epoch, "summary.last_epoch");
  });
});

Deno.test("train gives the same first loss for a CRLF sonnets file with a BOM as for the LF file", async () => {
  await inTempDir(async (tmp) => {
    const crlfDir = join(tmp, "data");
    await Deno.mkdir(crlfDir);
    for (
      const name of [
        "sonnets.txt",
        "TRUE_sonnets_held_out_dev.txt",
        "sonnets_held_out_dev.txt",
        "sonnets_held_out.txt",
      ]
    ) {
      const text = await Deno.readTextFile(dataFile(dataDir, name));
      await Deno.writeTextFile(join(crlfDir, name), "\uFEFF" + text.replaceAll("\n", "\r\n"));
    }
    const firstLoss = async (out: string, data: string) => {
      await runTraining(base(out, ["--max-steps=1"], data), { log: () => {} });
      return (await readMetrics(out))[0].train_loss;
    };
    const lf = await firstLoss(join(tmp, "lf"), dataDir);
    const crlf = await firstLoss(join(tmp, "crlf"), crlfDir);
    assert.equal(typeof lf, "number");
    assert.equal(crlf, lf);
  });
});

Deno.test("Ctrl-C after the dev generations stops the run; --resume writes only the test generations", async () => {
  await inTempDir(async (out) => {
    // A run killed before its first save: config.json only.
    await createRunDir(out, parseTrainArgs(base(out, ["--epochs=1"])));
    const dev = join(out, "generated_sonnets_dev.txt");
    const test = join(out, "generated_sonnets.txt");
    const interrupt = {
      get requested() {
        return existsSync(dev); // Ctrl-C as soon as the dev generations are written
      },
    };
    const notes: string[] = [];
    const first = await runTraining([`--resume=${out}`], { log: (m) => notes.push(m), interrupt });
    assert.equal(first.status, "interrupted");
    assert.match(notes.join("\n"), /was never saved .*from step 0/);
    assert.ok(await exists(dev));
    assert.ok(!(await exists(test)), "the test generations were not started");
    const devText = await Deno.readTextFile(dev);
    const later: string[] = [];
    const second = await runTraining([`--resume=${out}`], { log: (m) => later.push(m) });
    assert.equal(second.status, "completed");
    assert.equal(second.steps, 1);
    assert.match(later.join("\n"), /dev generations already done before the interruption, kept/);
    assert.equal(await Deno.readTextFile(dev), devText);
    assert.ok(await exists(test));
    assert.equal((await readMetrics(out)).length, 1, "the evaluation is not repeated");
  });
});

Deno.test("a second --resume is refused while the first runs; after a SIGKILL the run resumes", async () => {
  await inTempDir(async (out) => {
    let reads = 0;
    const stopAtOnce = {
      get requested() {
        return ++reads >= 1;
      },
    };
    await runTraining(base(out, ["--epochs=100", "--save-every=1"]), {
      log: () => {},
      interrupt: stopAtOnce,
    });
    const writer = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../tasks/cli/train.ts", import.meta.url).pathname,
        `--resume=${out}`,
        "--max-steps=100",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = writer.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const waitFor = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) assert.fail(`the writer ended before ${pattern}:\n${text}`);
        text += value;
      }
    };
    await waitFor(/resumed at step 1/);
    await assert.rejects(
      () => runTraining([`--resume=${out}`], { log: () => {} }),
      new RegExp(`is in use by process ${writer.pid} on `),
    );
    await waitFor(/epoch 3\/100 step 1\/1/); // two more steps, saved after each
    writer.kill("SIGKILL");
    reader.cancel().catch(() => {});
    await writer.status;
    const lastStep = Math.max(
      ...[...text.matchAll(/epoch (\d+)\/100 step 1\/1/g)].map((m) => +m[1]),
    );
    const notes: string[] = [];
    const steps = lastStep + 3;
    const resumed = await runTraining([`--resume=${out}`, `--max-steps=${steps}`], {
      log: (m) => notes.push(m),
    });
    assert.equal(resumed.status, "completed");
    assert.equal(resumed.steps, steps);
    assert.match(notes.join("\n"), new RegExp(`taking over from process ${writer.pid} .*ended`));
    const epochs = (await readMetrics(out)).map((m) => m.epoch);
    assert.deepEqual(epochs, Array.from({ length: steps }, (_, i) => i + 1), "no line repeated");
    assert.ok(!(await listDir(out)).some((n) => /\.(tmp|old)-|run\.lock/.test(n)));

    // A crash between the two renames of a save, with the next save half-written.
    await Deno.rename(join(out, "checkpoint"), join(out, "checkpoint.old-crash"));
    await Deno.mkdir(join(out, "checkpoint.tmp-crash"));
    const half = await Deno.readFile(join(out, "checkpoint.old-crash/model.safetensors"));
    await Deno.writeFile(join(out, "checkpoint.tmp-crash/model.safetensors"), half.slice(0, 999));
    const repaired: string[] = [];
    const again = await runTraining([`--resume=${out}`, `--max-steps=${steps + 1}`], {
      log: (m) => repaired.push(m),
    });
    assert.equal(again.steps, steps + 1);
    assert.match(repaired.join("\n"), /restored checkpoint\.old-crash \(step \d+\)/);
    assert.match(repaired.join("\n"), /removed checkpoint\.tmp-crash \(incomplete save\)/);
    assert.equal((await readMetrics(out)).length, steps + 1);
    assert.ok(!(await listDir(out)).some((n) => /\.(tmp|old)-/.test(n)));
  });
});

Deno.test("a failed start leaves no run folder behind, so the corrected command runs", async () => {
  await inTempDir(async (tmp) => {
    const out = join(tmp, "run");
    await assert.rejects(
      () =>
        runTraining(
          base(out).map((a) => a.startsWith("--max-length=") ? "--max-length=4096" : a),
          { log: () => {} },
        ),
      /--max-length: the model's context is 256 tokens, got "4096"/,
    );
    const noModel = `--model=${join(tmp, "no-model")}`;
    await assert.rejects(
      () =>
        runTraining(base(out).map((a) => a.startsWith("--model=") ? noModel : a), {
          log: () => {},
        }),
      /no-model/,
    );
    assert.ok(!(await exists(out)), "no folder after the failed starts");
  });
});
