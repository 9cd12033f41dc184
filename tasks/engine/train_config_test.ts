import assert from "node:assert/strict";
import {
  defaultConfig,
  HelpRequested,
  helpText,
  parseTrainArgs,
  TASK_STRATEGIES,
  type TrainConfig,
} from "./train_config.ts";

const NOW = new Date(Date.UTC(2025, 0, 31, 12, 34, 56));

function parse(...argv: string[]): TrainConfig {
  return parseTrainArgs(["--data-dir=/d", ...argv], { now: NOW });
}

// The study's settings, copied from SEED.md (not from the table under test).
const SEED_ROWS: [string, string, Partial<TrainConfig>][] = [
  ["sonnet", "last4", { batchSize: 8, epochs: 10, lr: 1e-5, uses: "last-blocks" }],
  ["sst", "full", { batchSize: 64, epochs: 6, lr: 2e-5, dropout: 0.3, uses: "full" }],
  ["cfimdb", "full", { batchSize: 8, epochs: 6, lr: 2e-5, dropout: 0.3, uses: "full" }],
  ["sst", "ulmfit", { batchSize: 64, epochs: 10, lr: 1e-3, dropout: 0.3, schedule: "slanted" }],
  ["sst", "last-linear", { lr: 1e-3, uses: "last-linear" }],
  ["cfimdb", "last-linear", { lr: 1e-3, uses: "last-linear" }],
  ["quora", "linear", { batchSize: 8, epochs: 10, lr: 1e-5, dropout: 0, uses: "full" }],
  ["quora", "cloze", { batchSize: 8, lr: 1e-5, hasHead: false }],
  ["quora", "taskc", { batchSize: 8, epochs: 10, lr: 1e-5, labelSmoothing: 0.1 }],
];

Deno.test("defaultConfig() holds SEED.md's numbers when given each studied task and strategy", () => {
  for (const [task, strategy, expected] of SEED_ROWS) {
    const config = defaultConfig(task, strategy);
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(config[key as keyof TrainConfig], value, `${task}/${strategy} ${key}`);
    }
  }
});

Deno.test("defaultConfig() holds the strategies' own settings when given them", () => {
  assert.deepEqual(defaultConfig("sonnet", "last4").options, { lastBlocks: 4 });
  const ulmfit = defaultConfig("sst", "ulmfit");
  assert.deepEqual(ulmfit.scheduleOptions, { cutFrac: 0.1, ratio: 32 });
  assert.equal(ulmfit.options.discriminativeFactor, 2.6);
  assert.equal(ulmfit.uses, "ulmfit");
  const taskc = defaultConfig("quora", "taskc");
  assert.equal(taskc.schedule, "cosine");
  assert.ok(taskc.dropout >= 0.1 && taskc.dropout <= 0.3, `dropout ${taskc.dropout}`);
  assert.equal(taskc.dropout, 0.2);
  assert.deepEqual(
    [taskc.options.poolMeanWeight, taskc.options.dropoutSamples],
    [0.7, 3],
  );
  assert.deepEqual(
    [taskc.options.lowerLayerScale, taskc.options.upperLayerScale, taskc.options.headScale],
    [0.5, 1, 2],
  );
});

Deno.test("defaultConfig() uses the shared choices when a row does not override them", () => {
  const c = defaultConfig("cfimdb");
  assert.deepEqual(
    [c.model, c.weightDecay, c.seed, c.gradClip, c.schedule, c.warmup, c.evalEveryEpochs],
    ["gpt2", 0, 11711, 0, "constant", 0, 1],
  );
  assert.deepEqual([c.maxLength, c.maxSteps, c.limit, c.evalLimit, c.resume], [
    null,
    null,
    null,
    null,
    null,
  ]);
  assert.equal(c.generation, null);
  assert.deepEqual(c.select, { metric: "dev_accuracy", mode: "max" });
});

Deno.test("defaultConfig() picks each task's default strategy when none is given", () => {
  assert.deepEqual(
    ["sonnet", "sst", "cfimdb", "quora"].map((t) => defaultConfig(t).strategy),
    ["last4", "full", "full", "linear"],
  );
  assert.deepEqual(TASK_STRATEGIES.sonnet, [
    "last4",
    "full",
    "unlikelihood",
    "prefix",
    "prefix-unlikelihood",
    "lora",
    "prefix-offset",
    "prefix-offset-unlikelihood",
  ]);
});

Deno.test("defaultConfig() gives sonnet the study's generation controls", () => {
  const g = defaultConfig("sonnet").generation;
  assert.ok(g !== null);
  assert.deepEqual(
    [g.temperature, g.topP, g.stopAtLines, g.punctuationAfterWords, g.newlineAfterWords],
    [1.2, 0.9, 14, 8, 12],
  );
  assert.equal(g.repetitionPenalty, 1); // window penalty off
});

Deno.test("defaultConfig() returns a fresh object when called twice", () => {
  const a = defaultConfig("sst", "ulmfit");
  a.options.discriminativeFactor = 9;
  a.scheduleOptions.ratio = 2;
  assert.equal(defaultConfig("sst", "ulmfit").options.discriminativeFactor, 2.6);
  assert.equal(defaultConfig("sst", "ulmfit").scheduleOptions.ratio, 32);
});

Deno.test("parseTrainArgs() returns the table's row when only --task is given", () => {
  const c = parse("--task=sst");
  assert.equal(c.strategy, "full");
  assert.equal(c.batchSize, 64);
  assert.equal(c.dataDir, "/d");
  assert.equal(c.out, "runs/sst-full-20250131-123456");
});

Deno.test("parseTrainArgs() applies every flag when given values", () => {
  const c = parse(
    ...["--task", "sonnet", "--strategy=full", "--model=tiny", "--epochs=3", "--batch-size", "2"],
    ...["--lr=3e-4", "--weight-decay=0.01", "--model-dropout=0", "--label-smoothing=0.05"],
    ...["--seed=7", "--max-steps=5", "--limit=16", "--eval-limit=4", "--max-length=64"],
    ...["--grad-clip=0", "--schedule=linear", "--warmup=2", "--temperature=0.7", "--top-p=0.95"],
    "--out=runs/mine",
  );
  assert.deepEqual(
    [c.strategy, c.model, c.epochs, c.batchSize, c.lr, c.weightDecay, c.modelDropout],
    ["full", "tiny", 3, 2, 3e-4, 0.01, 0],
  );
  assert.deepEqual(
    [c.labelSmoothing, c.seed, c.maxSteps, c.limit, c.evalLimit, c.maxLength, c.gradClip],
    [0.05, 7, 5, 16, 4, 64, 0],
  );
  assert.deepEqual([c.schedule, c.warmup, c.out], ["linear", 2, "runs/mine"]);
  assert.deepEqual([c.generation?.temperature, c.generation?.topP], [0.7, 0.95]);
  assert.equal(parse("--task=cfimdb", "--dropout=0.1").dropout, 0.1);
});

Deno.test("parseTrainArgs() continues in the resumed folder when --resume is given", () => {
  assert.equal(parse("--task=sst", "--resume=runs/old").out, "runs/old");
  assert.equal(parse("--task=sst", "--resume=runs/old", "--out=runs/old").resume, "runs/old");
  assert.throws(
    () => parse("--task=sst", "--resume=runs/old", "--out=runs/new"),
    /--out: .*runs\/old, got "runs\/new"/,
  );
});

Deno.test("parseTrainArgs() throws naming the flag when it is unknown", () => {
  assert.throws(() => parse("--task=sst", "--epoch=3"), /Unknown option '--epoch'/);
  assert.throws(() => parse("--task=sst", "extra"), /Unexpected argument 'extra'/);
  assert.throws(() => parse("--task=sst", "--epochs"), /'--epochs <value>' argument missing/);
});

Deno.test("parseTrainArgs() throws naming the flag and value when a value is bad", () => {
  const cases: [string, string, RegExp][] = [
    ["--epochs", "0", /integer ≥ 1/],
    ["--epochs", "2.5", /integer/],
    ["--batch-size", "eight", /integer/],
    ["--lr", "0", /number in \(0, 10\]/],
    ["--lr", "1e-3x", /number/],
    ["--weight-decay", "-0.1", /number in \[0, 1\]/],
    ["--dropout", "1", /number in \[0, 1\)/],
    ["--seed", "-1", /integer in \[0, 4294967295\]/],
    ["--max-length", "1", /integer ≥ 2/],
    ["--grad-clip", "inf", /number/],
    ["--schedule", "step", /one of constant, linear, cosine, slanted/],
    ["--warmup", "-2", /integer ≥ 0/],
    ["--select-on", "heldout:1", /expected dev or heldout:FRACTION/],
    ["--select-on", "train", /expected dev or heldout:FRACTION/],
    ["--lowercase", "yes", /expected true or false/],
    ["--model", "", /non-empty/],
  ];
  for (const [flag, value, why] of cases) {
    assert.throws(() => parse("--task=sst", `${flag}=${value}`), (error: Error) => {
      assert.ok(error.message.startsWith(`${flag}: `), error.message);
      assert.ok(error.message.endsWith(`got ${JSON.stringify(value)}`), error.message);
      assert.match(error.message, why);
      return true;
    });
  }
});

Deno.test("parseTrainArgs() throws naming the flag when it does not apply", () => {
  assert.throws(() => parse("--task=sst", "--top-p=0.5"), /--top-p: applies to --task=sonnet/);
  assert.throws(
    () => parse("--task=sonnet", "--lowercase=false"),
    /--lowercase: applies to tasks that lower-case \(sst, cfimdb.*got "false"/,
  );
  assert.throws(() => parse("--task=sonnet", "--dropout=0.1"), /--dropout: .*no classification/);
  assert.throws(() => parse("--task=quora", "--strategy=cloze", "--dropout=0.1"), /--dropout/);
  assert.throws(
    () => parse("--task=sst", "--strategy=ulmfit", "--warmup=3"),
    /--warmup: .*slanted.*got "3"/,
  );
});

Deno.test("parseTrainArgs() throws naming the task or strategy when unknown or missing", () => {
  assert.throws(() => parse("--epochs=2"), /--task is required/);
  assert.throws(() => parse("--task=imdb"), /--task: unknown task "imdb"/);
  assert.throws(
    () => parse("--task=sst", "--strategy=unlikelihood"),
    /--strategy: unknown .*"unlikelihood" for --task=sst \(it applies to sonnet\)/,
  );
  assert.throws(() => parse("--task=sst", "--lora-r=4"), /--lora-r: applies to .*lora/);
  assert.throws(
    () => parse("--task=sst", "--strategy=lora", "--lora-targets=c_proj"),
    /--lora-targets: "c_proj" is not a GPT-2 linear layer/,
  );
  assert.throws(() => parse("--task=sst", "--strategy=lora", "--lora-r=0"), /--lora-r/);
});

const ALL_FLAGS = [
  "--task",
  "--strategy",
  "--model",
  "--data-dir",
  "--epochs",
  "--batch-size",
  "--lr",
  "--weight-decay",
  "--dropout",
  "--model-dropout",
  "--label-smoothing",
  "--seed",
  "--max-steps",
  "--limit",
  "--eval-limit",
  "--max-length",
  "--grad-clip",
  "--schedule",
  "--warmup",
  "--select-on",
  "--lowercase",
  "--temperature",
  "--top-p",
  "--samples",
  "--out",
  "--resume",
  "--help",
];

Deno.test("parseTrainArgs() throws HelpRequested with every flag when --help is given", () => {
  assert.throws(() => parse("--task=sst", "--strategy=ulmfit", "--help"), (error: Error) => {
    assert.ok(error instanceof HelpRequested);
    for (const flag of ALL_FLAGS) assert.ok(error.message.includes(flag), flag);
    assert.match(error.message, /--lr=N .*\(default: 0\.001\)/);
    assert.match(error.message, /--batch-size=N .*\(default: 64\)/);
    assert.match(error.message, /--schedule=NAME .*\(default: slanted\)/);
    return true;
  });
  assert.throws(() => parseTrainArgs(["-h"]), HelpRequested);
});

Deno.test("helpText() lists every flag and the table when no task is given", () => {
  const text = helpText();
  for (const flag of ALL_FLAGS) assert.ok(text.includes(flag), flag);
  assert.match(text, /quora\s+taskc\s+full\s+10\s+8\s+0\.00001\s+0\.2\s+cosine/);
  assert.match(helpText("sonnet"), /--temperature=X .*\(default: 1\.2\)/);
});

Deno.test("parseTrainArgs() throws naming a flag given twice, with both values", () => {
  assert.throws(
    () => parseTrainArgs(["--task=sst", "--lr=1e-5", "--lr", "2e-5"]),
    /--lr is given twice \("1e-5" and "2e-5"\): give it once/,
  );
});

Deno.test("parseTrainArgs() reads --save-every, time-based by default", () => {
  assert.equal(parseTrainArgs(["--task=sst"]).saveEvery, null);
  assert.equal(parseTrainArgs(["--task=sst", "--save-every=25"]).saveEvery, 25);
  assert.throws(() => parseTrainArgs(["--task=sst", "--save-every=-1"]), /--save-every/);
  assert.match(helpText("sst"), /--save-every=N .*\(default: every 10 min\)/);
});

Deno.test("defaultConfig() selects on dev in the study's rows and on held-out train elsewhere", () => {
  const on = (task: string, strategy: string) => {
    const c = defaultConfig(task, strategy);
    return c.selectOn.source === "dev" ? "dev" : `heldout:${c.selectOn.fraction}`;
  };
  const study = [["sst", "full"], ["sst", "ulmfit"], ["sst", "last-linear"], ["cfimdb", "full"]];
  for (const [task, strategy] of [...study, ["cfimdb", "last-linear"], ["sonnet", "last4"]]) {
    assert.equal(on(task, strategy), "dev", `${task}/${strategy}`);
    assert.match(defaultConfig(task, strategy).source, /selects on dev as the study/);
  }
  for (const [task, strategy] of [["cfimdb", "ulmfit"], ["sonnet", "full"]]) {
    assert.equal(on(task, strategy), "heldout:0.1", `${task}/${strategy}`);
    assert.match(defaultConfig(task, strategy).source, /held-out 10% of train/);
  }
});

Deno.test("defaultConfig() turns clipping off in every row and lower-cases sentiment", () => {
  for (const [task, names] of Object.entries(TASK_STRATEGIES)) {
    for (const n of names) assert.equal(defaultConfig(task, n).gradClip, 0, `${task}/${n}`);
  }
  assert.equal(defaultConfig("sst").lowercase, true);
  assert.equal(defaultConfig("cfimdb", "ulmfit").lowercase, true);
  assert.equal(defaultConfig("sonnet").lowercase, null);
});

Deno.test("parseTrainArgs() sets --select-on and --lowercase when given", () => {
  const c = parse("--task=sst", "--select-on=heldout:0.2", "--lowercase=false");
  assert.deepEqual(c.selectOn, { source: "heldout", fraction: 0.2 });
  assert.equal(c.lowercase, false);
  assert.deepEqual(parse("--task=sonnet", "--strategy=full", "--select-on=dev").selectOn, {
    source: "dev",
  });
});

Deno.test("parseTrainArgs() sets --samples for sonnets (default 1) and refuses a bad value, naming it", () => {
  assert.equal(defaultConfig("sonnet").generation?.samples, 1);
  assert.equal(parse("--task=sonnet", "--samples=3").generation?.samples, 3);
  for (const value of ["0", "-1", "1.5", "three", "", "65537"]) {
    assert.throws(() => parse("--task=sonnet", `--samples=${value}`), (error: Error) => {
      const want = `--samples: expected an integer in [1, 65536], got ${JSON.stringify(value)}`;
      assert.equal(error.message, want);
      return true;
    });
  }
  assert.throws(
    () => parse("--task=sst", "--samples=2"),
    /--samples: applies to --task=sonnet only, got "2"/,
  );
  assert.match(helpText("sonnet"), /--samples=N +sonnets per prompt.*\(default: 1\)/);
});
