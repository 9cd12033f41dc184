/**
 * End-to-end `train --task=sonnet --samples=N` on `tiny` with 2 prompts and a few tokens: the
 * CS224N files hold the same first sample as `--samples=1`, the other samples are written beside
 * them and differ, the summary holds mean ± sd over the samples as `deno task eval` computes them,
 * and Ctrl-C between the sample parts resumes without redoing them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { testDataDir, testDataFile } from "./fixture.ts";
import { inTempDir } from "./temp_dir.ts";
import { runTraining } from "../tasks/cli/train.ts";
import { scoreSonnetFiles } from "../eval/sonnet_scores.ts";
import { parseSonnets } from "../tasks/data/sonnet_data.ts";

const quiet = () => {};
const base = (out: string, more: string[]) => [
  "--task=sonnet",
  "--model=tiny",
  `--data-dir=${testDataDir()}`,
  "--limit=2",
  "--batch-size=2",
  "--epochs=1",
  "--max-length=16",
  "--max-new-tokens=6",
  `--out=${out}`,
  ...more,
];
const FILES = ["generated_sonnets_dev", "generated_sonnets"];
const read = (dir: string, name: string) => Deno.readTextFile(join(dir, name));
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("train --samples=3 keeps --samples=1's first sample in the CS224N files and reports mean ± sd", async () => {
  await inTempDir(async (one) => {
    await inTempDir(async (three) => {
      const options = { log: quiet, progressWrite: quiet };
      await runTraining(base(one, ["--eval-limit=2"]), options);
      await runTraining(base(three, ["--eval-limit=2", "--samples=3"]), options);
      for (const f of FILES) {
        assert.equal(await read(three, `${f}.txt`), await read(one, `${f}.txt`), `${f}.txt`);
        assert.ok(!(await exists(join(one, `${f}_sample2.txt`))), "--samples=1 writes one file");
        const texts = [`${f}.txt`, `${f}_sample2.txt`, `${f}_sample3.txt`];
        const sonnets = await Promise.all(
          texts.map(async (t) => parseSonnets(await read(three, t), t).sonnets),
        );
        for (const s of sonnets) {
          assert.deepEqual(
            s.map((x) => x.number),
            sonnets[0].map((x) => x.number),
          );
        }
        for (const i of [0, 1]) {
          assert.equal(new Set(sonnets.map((s) => s[i].text)).size, 3, `${f}: sonnet ${i} samples`);
        }
      }
      const gold = await Deno.readTextFile(testDataFile("TRUE_sonnets_held_out_dev.txt")!);
      const score = async (name: string) =>
        scoreSonnetFiles(await read(three, name), name, gold, "gold", quiet);
      const [a, b, c] = await Promise.all(
        ["", "_sample2", "_sample3"].map((s) => score(`generated_sonnets_dev${s}.txt`)),
      );
      const selected = JSON.parse(await read(three, "summary.json")).selected;
      const single = JSON.parse(await read(one, "summary.json")).selected;
      assert.equal(selected.samples, 3);
      assert.ok(!("samples" in single) && !("chrf_mean" in single), "--samples=1: no new keys");
      for (const key of ["chrf", "rhyme_accuracy_continuation", "distinct_2_whole"] as const) {
        assert.equal(selected[key], a[key], `${key}: the first sample's`);
        assert.equal(single[key], a[key], `${key}: as --samples=1`);
        const m = (a[key] + b[key] + c[key]) / 3;
        const sd = Math.sqrt(((a[key] - m) ** 2 + (b[key] - m) ** 2 + (c[key] - m) ** 2) / 2);
        assert.ok(Math.abs(selected[`${key}_mean`] - m) < 1e-9, `${key}_mean`);
        assert.ok(Math.abs(selected[`${key}_sd`] - sd) < 1e-9, `${key}_sd`);
      }
      assert.equal(selected.dev_perplexity, single.dev_perplexity);
      assert.ok(
        !("dev_perplexity_mean" in selected),
        "model perplexity does not depend on samples",
      );
    });
  });
});

Deno.test("Ctrl-C after the dev samples' part: --resume keeps every dev file and writes the test samples", async () => {
  await inTempDir(async (out) => {
    const last = join(out, "generated_sonnets_dev_sample3.txt");
    const interrupt = {
      get requested() {
        return existsSync(last); // Ctrl-C once the dev samples 2–3 are written
      },
    };
    const first = await runTraining(base(out, ["--eval-limit=1", "--samples=3"]), {
      log: quiet,
      progressWrite: quiet,
      interrupt,
    });
    assert.equal(first.status, "interrupted");
    assert.ok(!(await exists(join(out, "generated_sonnets.txt"))), "test generations not started");
    const dev = await Promise.all(
      ["", "_sample2", "_sample3"].map((s) => read(out, `generated_sonnets_dev${s}.txt`)),
    );
    const notes: string[] = [];
    const second = await runTraining([`--resume=${out}`], {
      log: (m) => notes.push(m),
      progressWrite: quiet,
    });
    assert.equal(second.status, "completed");
    const text = notes.join("\n");
    assert.match(text, /dev generations already done before the interruption, kept/);
    assert.match(text, /dev generations, samples 2–3 already done before the interruption, kept/);
    for (const [i, s] of ["", "_sample2", "_sample3"].entries()) {
      assert.equal(await read(out, `generated_sonnets_dev${s}.txt`), dev[i]);
      assert.ok(await exists(join(out, `generated_sonnets${s}.txt`)), `test file ${s}`);
    }
    assert.equal(JSON.parse(await read(out, "summary.json")).selected.samples, 3);
  });
});

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
