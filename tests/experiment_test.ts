/**
 * `deno task experiment` end to end on the `tiny` model: 2 arms × 2 seeds of SST on a few
 * examples, stopped with Ctrl-C in the middle of the second cell, then continued by the same
 * command without redoing the finished cell; the report names every cell.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { testDataFile, testNeeds } from "./fixture.ts";

const needs = testNeeds(import.meta.url);

const CLI = new URL("../tasks/experiment/experiment_cli.ts", import.meta.url).pathname;

/** The first `rows` examples of each SST file, so that a cell's evaluation takes seconds. */
async function smallSst(dir: string, rows: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const split of ["train", "dev", "test-student"]) {
    const name = `ids-sst-${split}.csv`;
    const lines = (await Deno.readTextFile(testDataFile(name)!)).split("\n");
    await Deno.writeTextFile(join(dir, name), lines.slice(0, rows + 1).join("\n") + "\n");
  }
}

function experiment(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

async function readAll(
  stream: ReadableStream<Uint8Array>,
  onText?: (text: string) => void,
): Promise<string> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    onText?.(text);
  }
  return text;
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test(
  "deno task experiment stops on Ctrl-C and the same command finishes without redoing cells",
  needs.data("ids-sst-train.csv", "ids-sst-dev.csv", "ids-sst-test-student.csv"),
  async () => {
    const root = await Deno.makeTempDir();
    const data = join(root, "data");
    await smallSst(data, 6);
    const out = join(root, "exp");
    const args = [
      "--task=sst",
      "--arms=full,last-linear",
      "--seeds=2",
      "--model=tiny",
      `--data-dir=${data}`,
      "--limit=6",
      "--eval-limit=6",
      "--batch-size=1",
      "--max-steps=5",
      "--max-length=16",
      `--out=${out}`,
    ];
    const first = experiment(args);
    let signalled = false;
    const log1 = await readAll(first.stderr, (text) => {
      const second = text.indexOf("[cell 2/4] running last-linear seed 11711");
      if (!signalled && second !== -1 && text.indexOf("step 1/", second) !== -1) {
        signalled = true;
        first.kill("SIGINT");
      }
    });
    const status1 = await first.status;
    assert.equal(status1.code, 130, log1);
    const cell = (arm: string, seed: number, file: string) => join(out, arm, `seed-${seed}`, file);
    assert.ok(await exists(cell("full", 11711, "summary.json")), "cell 1 finished");
    assert.ok(!(await exists(cell("last-linear", 11711, "summary.json"))), "cell 2 was stopped");
    assert.ok(
      await exists(cell("last-linear", 11711, "checkpoint/train_state.json")),
      "cell 2 resumable",
    );
    assert.ok(!(await exists(cell("full", 11712, "config.json"))), "cell 3 not started");
    assert.match(log1, /run the same command again to continue/);
    const finishedAt = (await Deno.stat(cell("full", 11711, "summary.json"))).mtime!.getTime();

    const again = experiment(args);
    const log2 = await readAll(again.stderr);
    assert.equal((await again.status).code, 0, log2);
    assert.match(log2, /4 cells \(2 arms × 2 seeds\), 1 done, 3 to run/);
    assert.match(log2, /\[cell 1\/3\] resuming last-linear seed 11711/);
    assert.equal(
      (await Deno.stat(cell("full", 11711, "summary.json"))).mtime!.getTime(),
      finishedAt,
    );
    assert.match(
      await Deno.readTextFile(cell("last-linear", 11711, "train.log")),
      /resumed at step [1-5] /,
    );
    const report = await Deno.readTextFile(join(out, "report.md"));
    assert.match(report, /4 of 4 cells done/);
    for (const arm of ["full", "last-linear"]) {
      for (const seed of [11711, 11712]) {
        assert.match(
          report,
          new RegExp(`\\| ${arm} \\| ${seed} \\| done \\|`),
          `${arm} ${seed} in the report`,
        );
      }
    }
    assert.match(
      report,
      /\| full − last-linear \| 11712 \| 6 \|/,
      "per-example tests of seed 11712",
    );
    const html = await Deno.readTextFile(join(out, "report.html"));
    assert.equal((html.match(/<figure class="chart"/g) ?? []).length, 3);
    await Deno.remove(root, { recursive: true });
  },
);
