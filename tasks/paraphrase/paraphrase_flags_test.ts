import assert from "node:assert/strict";
import { classifierSettings } from "../classification/classifier_training.ts";
import { helpText, parseTrainArgs } from "../engine/train_config.ts";

const quora = (...flags: string[]) => parseTrainArgs(["--task=quora", ...flags]);

Deno.test("parseTrainArgs() gives each quora row its framing and the taskc row the study's recipe", () => {
  const linear = quora();
  assert.equal(linear.strategy, "linear");
  assert.deepEqual(linear.options, { framing: "linear", preprocess: "cs224n", separator: "[SEP]" });
  assert.equal(quora("--strategy=cloze").options.framing, "cloze");
  const c = quora("--strategy=taskc");
  assert.deepEqual(classifierSettings(c), {
    poolMeanWeight: 0.7,
    samples: 3,
    dropout: 0.2,
    labelSmoothing: 0.1,
    layerScales: { lower: 0.5, upper: 1, head: 2 },
  });
  assert.equal(c.schedule, "cosine");
  assert.equal(classifierSettings(linear).layerScales, null);
});

Deno.test("parseTrainArgs() sets the quora and classification flags when they apply", () => {
  const c = quora("--preprocess=none", "--separator=<|sep|>", "--pooling=mean", "--msd-samples=5");
  assert.equal(c.options.preprocess, "none");
  assert.equal(c.options.separator, "<|sep|>");
  assert.equal(c.options.poolMeanWeight, 1);
  assert.equal(c.options.dropoutSamples, 5);
  // each Task C part alone on another classification task; unset scales are 1
  const sst = parseTrainArgs(["--task=sst", "--pooling=mixed:0.7", "--head-lr-scale=2"]);
  assert.deepEqual(classifierSettings(sst).layerScales, { lower: 1, upper: 1, head: 2 });
  assert.equal(classifierSettings(sst).poolMeanWeight, 0.7);
});

Deno.test("parseTrainArgs() names the flag and value when a quora flag is bad or does not apply", () => {
  const cases: [string[], RegExp][] = [
    [
      ["--task=quora", "--strategy=cloze", "--pooling=mean"],
      /--pooling: this strategy has no classification head/,
    ],
    [
      ["--task=quora", "--strategy=cloze", "--separator=|"],
      /--separator: does not apply to --task=quora --strategy=cloze/,
    ],
    [["--task=sst", "--preprocess=none"], /--preprocess: does not apply to --task=sst/],
    [["--task=quora", "--preprocess=lower"], /--preprocess: expected cs224n or none, got "lower"/],
    [["--task=quora", "--pooling=max"], /--pooling: expected last, mean or mixed:W.*got "max"/],
    [
      ["--task=quora", "--msd-samples=0"],
      /--msd-samples: expected an integer in \[1, 64\], got "0"/,
    ],
    [
      ["--task=quora", "--lower-lr-scale=0"],
      /--lower-lr-scale: expected a number in \(0, 100\], got "0"/,
    ],
    [
      ["--task=sonnet", "--msd-samples=2"],
      /--msd-samples: this strategy has no classification head/,
    ],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseTrainArgs(argv), message, argv.join(" "));
  }
});

Deno.test("helpText() lists the quora flags with the taskc defaults", () => {
  const text = helpText("quora", "taskc");
  assert.match(text, /--pooling=NAME .*\(default: mixed:0\.7\)/);
  assert.match(text, /--msd-samples=N .*\(default: 3\)/);
  assert.match(text, /--lower-lr-scale=N .*\(default: 0\.5\)/);
  assert.match(text, /--head-lr-scale=N .*\(default: 2\)/);
  assert.match(text, /--preprocess=NAME .*\(default: cs224n\)/);
  assert.match(text, /--separator=TEXT .*\(default: \[SEP\]\)/);
  assert.match(helpText("quora", "linear"), /--lower-lr-scale=N .*\(default: off\)/);
});
