/**
 * The report on synthetic experiment folders (hand-written run folders, no training): numbers,
 * missing cells, and the HTML's self-containment and one chart per chart section.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { formatSonnetFile } from "../data/writers.ts";
import { dirname } from "node:path";
import { testDataFile } from "../../tests/fixture.ts";
import { cellDir, saveExperimentPlan, writeCellRecord } from "./layout.ts";
import { planFromArms } from "./plan.ts";
import { writeReport } from "./report.ts";

const DEV = 12;
const GOLD = Array.from({ length: DEV }, (_, i) => i % 5);

async function writeRun(
  dir: string,
  config: object,
  epochs: object[],
  final: object,
  files: Record<string, string>,
  summary: object = { final },
) {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify(config));
  await Deno.writeTextFile(
    join(dir, "metrics.jsonl"),
    epochs.map((e) => JSON.stringify(e)).join("\n") + "\n",
  );
  await Deno.writeTextFile(join(dir, "summary.json"), JSON.stringify(summary));
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
}

/** An SST experiment: full × 3 seeds, last-linear × 2 seeds and a crashed third. */
async function sstExperiment(): Promise<string> {
  const out = await Deno.makeTempDir();
  const data = join(out, "data");
  await Deno.mkdir(data);
  const rows = GOLD.map((g, i) => `${i}\tid${i}\tsentence ${i} .\t${g}`);
  await Deno.writeTextFile(
    join(data, "ids-sst-dev.csv"),
    ["\tid\tsentence\tsentiment", ...rows].join("\n") + "\n",
  );
  const plan = planFromArms("sst", "full,last-linear", {
    seeds: "3",
    flags: [`--data-dir=${data}`, "--eval-limit=12"],
  });
  await saveExperimentPlan(out, plan);
  const accuracy: Record<string, number[]> = { full: [0.5, 0.55, 0.6], "last-linear": [0.3, 0.35] };
  for (const [arm, values] of Object.entries(accuracy)) {
    for (const [k, acc] of values.entries()) {
      const seed = plan.seeds[k];
      const right = arm === "full" ? 8 : 4; // first `right` examples predicted correctly
      const preds = GOLD.map((g, i) => (i < right ? g : (g + 1) % 5));
      const config = {
        task: "sst",
        dataDir: data,
        evalLimit: DEV,
        select: { metric: "dev_accuracy", mode: "max" },
      };
      const epoch = (e: number, a: number, best: boolean) => ({
        epoch: e,
        train_loss: 1.6 - 0.2 * e - k * 0.01,
        dev_accuracy: a,
        dev_macro_f1: a / 2,
        dev_loss: 1.5 - a,
        best,
      });
      await writeRun(cellDir(out, arm, seed), config, [
        epoch(1, acc - 0.1, false),
        epoch(2, acc, true),
      ], {
        dev_accuracy: acc,
        dev_macro_f1: acc / 2,
        dev_loss: 1.5 - acc,
      }, {
        "sst-dev-out.csv": [
          "id,Predicted_Sentiment",
          ...preds.map((p, i) => `id${i},${p}`),
        ].join("\n") + "\n",
      });
    }
  }
  const crashed = {
    arm: "last-linear",
    seed: plan.seeds[2],
    dir: cellDir(out, "last-linear", plan.seeds[2]),
  };
  await Deno.mkdir(crashed.dir, { recursive: true });
  await Deno.writeTextFile(
    join(crashed.dir, "train.log"),
    "adapter: test\nerror: out of memory at step 3\n",
  );
  await writeCellRecord(crashed, {
    status: "crashed",
    seconds: 3,
    exitCode: 2,
    error: "error: out of memory at step 3",
    endedAt: "",
  });
  return out;
}

/** Every chart section of an HTML report holds exactly one SVG, and nothing is fetched. */
function checkHtml(html: string, sectionsWithCharts: string[]): void {
  assert.ok(
    !/<script|<link|<iframe|<img|@import|url\([^#]/i.test(html),
    "no script, link, image or url() outside the page (url(#gradient) is the SVG's own)",
  );
  const withoutNamespaces = html.replace(/xmlns(:\w+)?="http:\/\/www\.w3\.org\/[^"]*"/g, "");
  assert.ok(!/https?:\/\//.test(withoutNamespaces), "no http(s) address outside SVG namespaces");
  const sections = [
    ...html.matchAll(/<section id="([\w-]+)"( class="has-chart")?>([\s\S]*?)<\/section>/g),
  ];
  const charted = sections.filter((s) => s[2]).map((s) => s[1]);
  assert.deepEqual(charted, sectionsWithCharts);
  for (const s of sections) {
    const svgs = (s[3].match(/<svg[\s>]/g) ?? []).length;
    assert.equal(svgs, s[2] ? 1 : 0, `section ${s[1]} has ${svgs} charts`);
    if (s[2]) {
      assert.match(
        s[3],
        /<figure class="chart"[^>]*><svg[^>]*><rect/,
        `section ${s[1]}: a rendered chart`,
      );
    }
  }
}

Deno.test("writeReport() reports every done cell, names the missing one and computes the spread", async () => {
  const out = await sstExperiment();
  const messages: string[] = [];
  const { md, html } = await writeReport(out, { resamples: 500, log: (m) => messages.push(m) });
  const text = await Deno.readTextFile(md);
  assert.match(messages[0], /1 cell\(s\) missing: last-linear seed 11713 \(crashed\)/);
  assert.match(
    text,
    /## Missing cells[\s\S]*\| last-linear \| 11713 \| crashed \| error: out of memory at step 3 \|/,
  );
  assert.match(text, /error: out of memory at step 3\n```/, "the crashed cell's log tail");
  // full: 50, 55, 60 → 55.0 ± 5.0, t interval 55 ± 4.3027 · 5 / √3 = [42.6, 67.4].
  assert.match(
    text,
    /\| accuracy \(%\) \| full \| 3 \| 55\.0 ± 5\.0 \| \[42\.6, 67\.4\] \| 55\.0 ± 5\.0 \|/,
  );
  assert.match(text, /\| accuracy \(%\) \| last-linear \| 2 \| 32\.5 ± 3\.5 \|/);
  for (const seed of [11711, 11712, 11713]) {
    assert.match(text, new RegExp(`\\| full \\| ${seed} \\| done \\|`));
  }
  assert.match(text, /\| last-linear \| 11712 \| done \| 2 \| 2 \| dev_accuracy 0\.3500 \|/);
  // Seeds 11711 and 11712 pair up: full − last-linear = +20 points each.
  assert.match(text, /\| accuracy \| selected \| full − last-linear \| 2 \| \+20\.0 \|/);
  // Per example: full right on 8 of 12, last-linear on 4 (a subset): McNemar b = 4, c = 0.
  assert.match(
    text,
    /\| full − last-linear \| 11711 \| 12 \| \+33\.3 \[[^\]]*\] \| [^|]+ \|[^|]+\|[^|]+\| 4 \/ 0 \| 0\.125 \|/,
  );
  checkHtml(await Deno.readTextFile(html), ["metrics", "curves", "confusion"]);
  await Deno.remove(out, { recursive: true });
});

Deno.test("writeReport() on sonnets shows the prompt-only floor and generations side by side", async () => {
  const out = await Deno.makeTempDir();
  const dataDir = dirname(testDataFile("sonnets_held_out_dev.txt")!); // shared, else the shipped copy
  const plan = planFromArms("sonnet", "last4,full", { seeds: "2", flags: ["--eval-limit=2"] });
  await saveExperimentPlan(out, plan);
  const prompts = await Deno.readTextFile(join(dataDir, "sonnets_held_out_dev.txt"));
  const numbers = [...prompts.matchAll(/^\s*(\d+)\s*$/gm)].slice(0, 2).map((m) => Number(m[1]));
  for (const arm of ["last4", "full"]) {
    for (const seed of plan.seeds) {
      const generated = formatSonnetFile(
        numbers.map((n) => ({ number: n, text: `${arm} line one\n${arm} line two ${seed}` })),
      );
      await writeRun(
        cellDir(out, arm, seed),
        {
          task: "sonnet",
          dataDir,
          evalLimit: 2,
          select: { metric: "dev_perplexity", mode: "min" },
        },
        [{ epoch: 1, train_loss: 5, dev_perplexity: 900, best: true }],
        {
          dev_perplexity: 900,
          chrf: arm === "full" ? 40 : 30,
          rhyme_accuracy_continuation: 0.25,
        },
        { "generated_sonnets_dev.txt": generated },
      );
    }
  }
  const { md, html } = await writeReport(out, { log: () => {} });
  const text = await Deno.readTextFile(md);
  assert.match(
    text,
    /\| metric \| arm \| seeds \| selected: mean ± sd \| 95% CI \| final epoch: mean ± sd \| study \| prompt-only floor \|/,
  );
  assert.match(
    text,
    /\| chrF \(CS224N: whole text\) \| full \| 2 \| 40\.00 ± 0\.00 \|[^\n]*\| \d+\.\d\d \|/,
    "chrF with its floor",
  );
  assert.match(
    text,
    /\| rhyme, pairs with a generated line \(CMU\) \(%\) \| full \| 2 \| 25\.0 ± 0\.0 \|[^\n]*\| 0\.0 \|\n/,
    "a continuation metric as the summary names it, the prompts alone scoring 0",
  );
  assert.match(
    text,
    /## Example generations \(seed 11711\)[\s\S]*\*\*last4\*\*\n\n```\nlast4 line one/,
  );
  const page = await Deno.readTextFile(html);
  checkHtml(page, ["metrics", "curves"]);
  assert.match(
    page,
    /<div class="side" style="grid-template-columns: repeat\(3, 1fr\)">/,
    "gold and 2 arms side by side",
  );
  await Deno.remove(out, { recursive: true });
});

Deno.test("writeReport() draws held-out curves for arms that select on held-out training examples", async () => {
  const out = await Deno.makeTempDir();
  try {
    const plan = planFromArms("sst", "full,last-linear", {
      seeds: "2",
      flags: ["--eval-limit=12"],
    });
    await saveExperimentPlan(out, plan);
    const config = { task: "sst", dataDir: join(out, "none"), evalLimit: DEV };
    for (const [k, seed] of plan.seeds.entries()) {
      // full selects on dev: dev_accuracy per epoch. last-linear selects on held-out train:
      // heldout_accuracy per epoch, dev only in the summary.
      await writeRun(
        cellDir(out, "full", seed),
        { ...config, select: { metric: "dev_accuracy", mode: "max" } },
        [1, 2].map((e) => ({
          epoch: e,
          train_loss: 1,
          dev_accuracy: 0.4 + 0.1 * e,
          best: e === 2,
        })),
        { dev_accuracy: 0.6 },
        {},
      );
      await writeRun(
        cellDir(out, "last-linear", seed),
        { ...config, select: { metric: "heldout_accuracy", mode: "max" } },
        [1, 2].map((e) => ({
          epoch: e,
          train_loss: 1,
          heldout_accuracy: 0.2 * e + 0.1 * k, // seeds: 0.2, 0.3 then 0.4, 0.5
          best: e === 2,
        })),
        { dev_accuracy: 0.4 },
        {},
        { selected: { dev_accuracy: 0.4 }, last_epoch: { dev_accuracy: 0.3 + 0.1 * k } },
      );
    }
    const { md, html } = await writeReport(out, { resamples: 100, log: () => {} });
    const text = await Deno.readTextFile(md);
    assert.match(text, /marked \(held-out\)/);
    // Its final-epoch dev score comes from the summary's last_epoch (0.3, 0.4).
    assert.match(
      text,
      /\| accuracy \(%\) \| last-linear \| 2 \| 40\.0 ± 0\.0 \| [^|]+ \| 35\.0 ± 7\.1 \|/,
    );
    // dev curve: full only; held-out curve: last-linear, mean ± sd over its 2 seeds.
    assert.match(text, /accuracy \(dev\)[\s\S]*?\| 2 \| 60\.0 ± 0\.0 \| – \|/);
    assert.match(
      text,
      /accuracy \(held-out training examples, heldout_accuracy\)[\s\S]*?\| 1 \| – \| 25\.0 ± 7\.1 \|\n\| 2 \| – \| 45\.0 ± 7\.1 \|/,
    );
    const page = await Deno.readTextFile(html);
    assert.match(page, /last-linear \(held-out\)/, "the chart names the held-out line");
    checkHtml(page, ["metrics", "curves"]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
