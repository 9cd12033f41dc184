import assert from "node:assert/strict";
import { join } from "node:path";
import { formatClassificationReport } from "../classification/report.ts";
import { scoreSentimentPredictions } from "../sentiment/sentiment.ts";
import { parseEvalArgs, runEval } from "./eval.ts";

/**
 * SST-style gold (5 classes): a 0, b 0, c 1, d 2, e 2, f 4 — class 3 never occurs.
 * Predictions: a 0, b 2, c 1, d 2, e 0, f 3 — class 4 is never predicted.
 *
 * By hand: a, c, d right → accuracy 3/6 = 0.5.
 *   class 0: tp 1 (a), predicted 2 (a, e), support 2 (a, b) → P 1/2, R 1/2, F1 1/2
 *   class 1: tp 1, predicted 1, support 1                     → P 1,   R 1,   F1 1
 *   class 2: tp 1 (d), predicted 2 (b, d), support 2 (d, e)   → P 1/2, R 1/2, F1 1/2
 *   class 3: predicted once (f), never occurs                 → P 0,   R 0,   F1 0
 *   class 4: occurs once (f), never predicted                 → P 0,   R 0,   F1 0
 *   macro F1 = (1/2 + 1 + 1/2 + 0 + 0) / 5 = 0.4
 */
const GOLD = [
  "\tid\tsentence\tsentiment",
  "0\ta\tA fine film .\t0",
  '1\tb\t"A ""quoted"" one ."\t0',
  "2\tc\tDull .\t1",
  "3\td\tOkay .\t2",
  "4\te\tFine .\t2",
  "5\tf\tGreat !\t4",
].join("\n") + "\n";
const PRED_CSV = "id,Predicted_Sentiment\nf,3\ne,0\nd,2\nc,1\nb,2\na,0\n";
const PRED_CS224N = "id \t Predicted_Sentiment \na, 0 \nb, 2 \nc, 1 \nd, 2 \ne, 0 \nf, 3 \n";

Deno.test("scoreSentimentPredictions() matches hand-worked metrics with an absent and an unpredicted class", () => {
  for (const text of [PRED_CSV, PRED_CS224N]) {
    const { report: r, examples } = scoreSentimentPredictions(text, "p.csv", GOLD, "g.csv", 5);
    assert.equal(examples, 6);
    assert.equal(r.accuracy, 0.5);
    assert.ok(Math.abs(r.macroF1 - 0.4) < 1e-12, `macro F1 ${r.macroF1}`);
    assert.deepEqual(r.perClass.map((c) => [c.precision, c.recall, c.f1, c.support]), [
      [0.5, 0.5, 0.5, 2],
      [1, 1, 1, 1],
      [0.5, 0.5, 0.5, 2],
      [0, 0, 0, 0],
      [0, 0, 0, 1],
    ]);
    assert.deepEqual(r.confusion, [
      [1, 0, 1, 0, 0],
      [0, 1, 0, 0, 0],
      [1, 0, 1, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 1, 0],
    ]);
  }
});

Deno.test("scoreSentimentPredictions() names the id and the file when ids do not match", () => {
  const score = (pred: string) => scoreSentimentPredictions(pred, "p.csv", GOLD, "g.csv", 5);
  assert.throws(
    () => score(PRED_CSV + "zz,1\n"),
    /p\.csv:8: id zz is not in the gold file g\.csv/,
  );
  assert.throws(
    () => score("id,Predicted_Sentiment\na,0\nb,2\nc,1\nd,2\nf,3\n"),
    /p\.csv: no prediction for id e \(g\.csv:6\)/,
  );
  assert.throws(
    () => score("id,Predicted_Sentiment\na,0\nb,2\nc,1\n"),
    /no prediction for id d \(g\.csv:5\) and 2 more gold ids/,
  );
  assert.throws(
    () => score(PRED_CSV + "a,1\n"),
    /p\.csv:8: id a is predicted again \(first on line 7\)/,
  );
  assert.throws(
    () => score(PRED_CSV.replace("f,3", "f,5")),
    /p\.csv:2: id f has prediction "5", not a class in 0\.\.4/,
  );
  assert.throws(() => score(PRED_CSV.replace("f,3", "f,x")), /id f has prediction "x"/);
  assert.throws(
    () => score(PRED_CSV.replace("Predicted_Sentiment", "Predicted_Is_Paraphrase")),
    /p\.csv: the prediction column is "Predicted_Is_Paraphrase"/,
  );
  const twice = GOLD + "6\ta\tAgain .\t1\n";
  assert.throws(
    () => scoreSentimentPredictions(PRED_CSV, "p.csv", twice, "g.csv", 5),
    /g\.csv:8: id a appears again \(first on line 2\)/,
  );
});

Deno.test("scoreSentimentPredictions() scores binary CFIMDB files and reports skipped gold rows", () => {
  const gold = "\tid\tsentence\tsentiment\n0\tp\tGood .\t1\n1\tq\tBad .\t0\n2\tr\tMeh .\tx\n";
  const s = scoreSentimentPredictions("id,Predicted_Sentiment\nq,1\np,1\n", "p", gold, "g", 2);
  assert.equal(s.report.accuracy, 0.5);
  // class 0: never predicted → P 0, R 0, F1 0; class 1: P 1/2, R 1, F1 2/3
  assert.ok(Math.abs(s.report.macroF1 - 1 / 3) < 1e-12);
  assert.match(s.goldSummary, /g: loaded 2, skipped 1 \(line 4: non-numeric label "x"/);
});

Deno.test("formatClassificationReport() prints accuracy, macro F1, per-class rows and the confusion", () => {
  const { report } = scoreSentimentPredictions(PRED_CSV, "p", GOLD, "g", 5);
  const text = formatClassificationReport(report);
  assert.match(text, /^accuracy {3}0\.5000$/m);
  assert.match(text, /^macro F1 {3}0\.4000$/m);
  assert.match(text, /^macro F1 over all 5 classes \(absent ones count 0\) {3}0\.4000$/m);
  assert.match(text, /^3 +0\.0000 +0\.0000 +0\.0000 +0$/m);
  assert.match(text, /^0 +0\.5000 +0\.5000 +0\.5000 +2$/m);
  assert.match(text, /^gold\\pred +0 +1 +2 +3 +4$/m);
  assert.match(text, /^4 +0 +0 +0 +1 +0$/m);
});

Deno.test("parseEvalArgs() rejects unknown flags, missing files and flags of another task", () => {
  assert.deepEqual(parseEvalArgs(["--task=cfimdb", "--pred", "p.csv", "--gold=g.csv"]), {
    task: "cfimdb",
    pred: "p.csv",
    gold: "g.csv",
  });
  assert.deepEqual(parseEvalArgs(["--task=sonnet", "--generated=s.txt", "--gold=t.txt"]), {
    task: "sonnet",
    generated: "s.txt",
    gold: "t.txt",
  });
  assert.throws(() => parseEvalArgs(["--task=sst", "--pred=p", "--gold=g", "--x=1"]), /'--x'/);
  assert.throws(() => parseEvalArgs(["--task=sst", "--pred=p"]), /--gold=FILE is required/);
  assert.throws(
    () => parseEvalArgs(["--task=sst", "--pred=p", "--gold=g", "--generated=s"]),
    /--generated does not apply to --task=sst/,
  );
  assert.throws(() => parseEvalArgs(["--task=sonnet", "--pred=p", "--gold=g"]), /--pred does not/);
  assert.throws(
    () => parseEvalArgs(["--task=nope"]),
    /--task must be one of sonnet, sst, cfimdb, quora/,
  );
  assert.throws(() => parseEvalArgs(["--task=quora", "--pred=p"]), /--gold=FILE is required/);
  assert.throws(() => parseEvalArgs(["--task=sst", "extra"]), /eval: /);
});

Deno.test("runEval() scores files on disk for sentiment and sonnets", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "gold.csv"), GOLD);
    await Deno.writeTextFile(join(dir, "pred.csv"), PRED_CS224N);
    const text = await runEval([
      "--task=sst",
      `--pred=${join(dir, "pred.csv")}`,
      `--gold=${join(dir, "gold.csv")}`,
    ]);
    assert.match(text, /sst: 6 predictions scored/);
    assert.match(text, /^macro F1 {3}0\.4000$/m);
    assert.match(text, /^macro F1 over all 5 classes \(absent ones count 0\) {3}0\.4000$/m);
    const sonnet = "--Generated Sonnets-- \n\n\n132\nShall I compare thee to a summer's day?\n" +
      "Thou art more lovely and more temperate:\n\n";
    await Deno.writeTextFile(join(dir, "gen.txt"), sonnet);
    const scores = await runEval([
      "--task=sonnet",
      `--generated=${join(dir, "gen.txt")}`,
      `--gold=${join(dir, "gen.txt")}`,
    ]);
    assert.match(scores, /^sonnets +1$/m);
    assert.match(scores, /^chrf +100/m);
    for (
      const key of [
        "distinct_1_whole",
        "rhyme_accuracy_whole",
        "ten_syllable_share_whole",
        "study_letter_rhyme",
        "chrf_continuation",
        "rhyme_accuracy_continuation",
        "loose_iambic_share_continuation",
      ]
    ) {
      assert.match(scores, new RegExp(`^${key} +\\d`, "m"), key);
    }
    await assert.rejects(
      () =>
        runEval([
          "--task=sst",
          `--pred=${join(dir, "none.csv")}`,
          `--gold=${join(dir, "gold.csv")}`,
        ]),
      /none\.csv/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runEval() --strict makes an unpaired sonnet number an error, a warning otherwise", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const one = "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:";
    await Deno.writeTextFile(join(dir, "gold.txt"), `Gold\n\n132\n${one}\n\n133\n${one}\n`);
    await Deno.writeTextFile(join(dir, "gen.txt"), `Generated\n\n133\n${one}\n`);
    const files = [`--generated=${join(dir, "gen.txt")}`, `--gold=${join(dir, "gold.txt")}`];
    assert.equal(parseEvalArgs(["--task=sonnet", ...files, "--strict"]).strict, true);
    const warnings: string[] = [];
    const scores = await runEval(["--task=sonnet", ...files], (m) => warnings.push(m));
    assert.match(scores, /^chrf +100/m);
    assert.match(warnings.join("\n"), /gen\.txt lacks sonnet 132 of .*gold\.txt/);
    await assert.rejects(
      () => runEval(["--task=sonnet", ...files, "--strict"]),
      /--strict: .*gen\.txt lacks sonnet 132/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const quiet = () => {};

Deno.test("runEval() scores several --generated files against one gold as mean ± sd", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const gold = "Gold\n\n132\nShall I compare thee to a summer's day?\n" +
      "Thou art more lovely and more temperate:\n";
    const other = "Gen\n\n132\nShall I compare thee to a summer's day?\nRough winds do shake\n";
    await Deno.writeTextFile(join(dir, "gold.txt"), gold);
    await Deno.writeTextFile(join(dir, "a.txt"), gold); // chrF 100
    await Deno.writeTextFile(join(dir, "b.txt"), other);
    const g = `--gold=${join(dir, "gold.txt")}`;
    const a = `--generated=${join(dir, "a.txt")}`;
    const b = `--generated=${join(dir, "b.txt")}`;
    assert.deepEqual(parseEvalArgs(["--task=sonnet", a, b, g]), {
      task: "sonnet",
      generated: [join(dir, "a.txt"), join(dir, "b.txt")],
      gold: join(dir, "gold.txt"),
    });
    const chrfOf = async (flag: string) =>
      Number((await runEval(["--task=sonnet", flag, g], quiet)).match(/^chrf +([\d.]+)$/m)![1]);
    const [x, y] = [await chrfOf(a), await chrfOf(b)];
    assert.equal(x, 100);
    assert.ok(y < 100);
    const text = await runEval(["--task=sonnet", a, b, g], quiet);
    assert.match(text, /^samples +2 \(mean ± sd over the samples; sd: sample sd, n − 1\)$/m);
    assert.match(text, /^ {2}sample 2: .*b\.txt$/m);
    // two values: mean (x + y) / 2, sd |x − y| / √2
    const [, mean, sd] = text.match(/^chrf +([\d.]+) ± ([\d.]+)$/m)!;
    assert.equal(mean, ((x + y) / 2).toFixed(4));
    assert.equal(sd, (Math.abs(x - y) / Math.SQRT2).toFixed(4));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseEvalArgs() refuses a file flag given twice when the task takes one", () => {
  assert.throws(
    () => parseEvalArgs(["--task=sst", "--pred=p", "--pred=q", "--gold=g"]),
    /eval: --pred is given 2 times \(p, q\); --task=sst takes one/,
  );
  assert.throws(
    () => parseEvalArgs(["--task=sonnet", "--generated=a", "--gold=g", "--gold=h"]),
    /--gold is given 2 times/,
  );
});
