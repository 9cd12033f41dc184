/**
 * `deno task eval`: scores output files without a model.
 *
 * - `--task=sst|cfimdb --pred FILE --gold FILE`: a predictions file (`id,Predicted_Sentiment`,
 *   either CS224N style) against a labelled data file (`ids-sst-dev.csv`, …): accuracy, macro F1,
 *   per-class precision, recall and F1, and the confusion matrix. Every prediction must name a
 *   gold id and every gold id must be predicted, once.
 * - `--task=sonnet --generated FILE --gold FILE`: a generated sonnet file against the gold
 *   sonnets (`TRUE_sonnets_held_out_dev.txt`) with every file-based sonnet metric.
 *
 * The pure functions are exported for tests and scripts; unknown flags are errors.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type ClassificationReport, classificationReport } from "../eval/classification.ts";
import { formatLoadSummary } from "./csv.ts";
import { CFIMDB_NUM_CLASSES, parseSentiment, SST_NUM_CLASSES } from "./sentiment_data.ts";
import { scoreSonnetFiles, type SonnetScores } from "./sonnet_scoring.ts";
import { parsePredictions } from "./writers.ts";

/** Classes of the sentiment tasks `deno task eval` scores. */
export const EVAL_SENTIMENT_CLASSES: Readonly<Record<"sst" | "cfimdb", number>> = Object.freeze({
  sst: SST_NUM_CLASSES,
  cfimdb: CFIMDB_NUM_CLASSES,
});

/** A scored predictions file. */
export interface SentimentScore {
  /** The metrics of the predictions, in gold order. */
  report: ClassificationReport;
  /** Examples scored. */
  examples: number;
  /** The gold file's loaded and skipped counts (one line). */
  goldSummary: string;
}

const INTEGER = /^[+-]?\d+$/;

/**
 * Scores a predictions file's text against a labelled sentiment file's text. Throws naming the
 * file, the line and the id for: a header column other than `Predicted_Sentiment`, a value that
 * is not a class in 0..numClasses−1, an id predicted twice, a predicted id absent from the gold
 * file, and a gold id with no prediction.
 *
 * @example
 * ```ts
 * const gold = "id\tsentence\tsentiment\na\tGood .\t1\nb\tBad .\t0\n";
 * const s = scoreSentimentPredictions("id,Predicted_Sentiment\na,1\nb,1\n", "p.csv", gold, "g.csv", 2);
 * s.report.accuracy; // 0.5
 * ```
 */
export function scoreSentimentPredictions(
  predText: string,
  predName: string,
  goldText: string,
  goldName: string,
  numClasses: number,
): SentimentScore {
  const pred = parsePredictions(predText, predName);
  if (pred.header !== "Predicted_Sentiment") {
    throw new Error(
      `${predName}: the prediction column is ${JSON.stringify(pred.header)}, expected ` +
        `"Predicted_Sentiment"`,
    );
  }
  const gold = parseSentiment(goldText, goldName, { labelled: true, numClasses });
  if (gold.examples.length === 0) throw new Error(`${goldName}: no labelled rows to score`);
  const goldLine = new Map<string, number>();
  for (const e of gold.examples) {
    const seen = goldLine.get(e.id);
    if (seen !== undefined) {
      throw new Error(`${goldName}:${e.line}: id ${e.id} appears again (first on line ${seen})`);
    }
    goldLine.set(e.id, e.line);
  }
  const predicted = new Map<string, { value: number; line: number }>();
  for (const row of pred.rows) {
    const where = `${predName}:${row.line}`;
    const value = Number(row.value);
    if (!INTEGER.test(row.value) || value < 0 || value >= numClasses) {
      throw new Error(
        `${where}: id ${row.id} has prediction ${JSON.stringify(row.value)}, not a class in ` +
          `0..${numClasses - 1}`,
      );
    }
    const before = predicted.get(row.id);
    if (before) {
      throw new Error(`${where}: id ${row.id} is predicted again (first on line ${before.line})`);
    }
    if (!goldLine.has(row.id)) {
      throw new Error(`${where}: id ${row.id} is not in the gold file ${goldName}`);
    }
    predicted.set(row.id, { value, line: row.line });
  }
  const missing = gold.examples.filter((e) => !predicted.has(e.id));
  if (missing.length > 0) {
    const first = missing[0];
    throw new Error(
      `${predName}: no prediction for id ${first.id} (${goldName}:${first.line})` +
        (missing.length > 1 ? ` and ${missing.length - 1} more gold ids` : ""),
    );
  }
  const goldLabels = gold.examples.map((e) => e.label!);
  const predLabels = gold.examples.map((e) => predicted.get(e.id)!.value);
  return {
    report: classificationReport(goldLabels, predLabels, numClasses),
    examples: goldLabels.length,
    goldSummary: formatLoadSummary(goldName, gold),
  };
}

const fixed = (v: number) => v.toFixed(4);

/**
 * A classification report as text: accuracy, macro F1 (scikit-learn's: over the labels in gold
 * or predictions), macro F1 over all classes, a per-class table (precision, recall, F1, support)
 * and the confusion matrix (rows gold, columns predicted).
 *
 * @example
 * ```ts
 * console.log(formatClassificationReport(classificationReport([0, 1], [0, 0], 2)));
 * // accuracy   0.5000
 * // macro F1   0.3333 …
 * ```
 */
export function formatClassificationReport(r: ClassificationReport): string {
  const K = r.perClass.length;
  const lines = [
    `accuracy   ${fixed(r.accuracy)}`,
    `macro F1   ${fixed(r.macroF1)}`,
    `macro F1 over all ${K} classes (absent ones count 0)   ${fixed(r.macroF1AllClasses)}`,
    "",
    "class  precision  recall  f1      support",
    ...r.perClass.map((c, k) =>
      `${String(k).padEnd(7)}${fixed(c.precision).padEnd(11)}${fixed(c.recall).padEnd(8)}` +
      `${fixed(c.f1).padEnd(8)}${c.support}`
    ),
    "",
    "confusion matrix (rows gold, columns predicted):",
  ];
  const width = Math.max(4, ...r.confusion.flat().map((v) => String(v).length + 1));
  lines.push(
    "gold\\pred" + Array.from({ length: K }, (_, k) => String(k).padStart(width)).join(""),
  );
  r.confusion.forEach((row, g) => {
    lines.push(String(g).padEnd(9) + row.map((v) => String(v).padStart(width)).join(""));
  });
  return lines.join("\n") + "\n";
}

/**
 * Sonnet scores as text, one metric per line.
 *
 * @example
 * ```ts
 * console.log(formatSonnetScores(scoreSonnetFiles(gen, "gen.txt", gold, "gold.txt")));
 * // sonnets                    12
 * // chrf                       41.9700 …
 * ```
 */
export function formatSonnetScores(s: SonnetScores): string {
  return Object.entries(s).map(([k, v]) => `${k.padEnd(27)}${Number.isInteger(v) ? v : fixed(v)}`)
    .join("\n") + "\n";
}

/** The parsed `deno task eval` command line. */
export type EvalArgs =
  | { task: "sst" | "cfimdb"; pred: string; gold: string }
  | { task: "sonnet"; generated: string; gold: string };

/** Usage text of `deno task eval`. */
export const EVAL_USAGE = `Usage:
  deno task eval --task=sst|cfimdb --pred=FILE --gold=FILE
  deno task eval --task=sonnet --generated=FILE --gold=FILE
`;

/**
 * Parses the `deno task eval` flags strictly: unknown flags, positionals, a missing or
 * inapplicable file flag, or an unknown task throw naming the flag.
 *
 * @example
 * ```ts
 * parseEvalArgs(["--task=sst", "--pred", "dev-out.csv", "--gold", "ids-sst-dev.csv"]);
 * // { task: "sst", pred: "dev-out.csv", gold: "ids-sst-dev.csv" }
 * ```
 */
export function parseEvalArgs(argv: string[]): EvalArgs {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        task: { type: "string" },
        pred: { type: "string" },
        gold: { type: "string" },
        generated: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new Error(`eval: ${(error as Error).message}\n${EVAL_USAGE}`);
  }
  const { task, pred, gold, generated } = values;
  const need = (flag: string, v: string | undefined): string => {
    if (v === undefined || v === "") {
      throw new Error(`eval: --${flag}=FILE is required for --task=${task}`);
    }
    return v;
  };
  const forbid = (flag: string, v: string | undefined) => {
    if (v !== undefined) throw new Error(`eval: --${flag} does not apply to --task=${task}`);
  };
  if (task === "sst" || task === "cfimdb") {
    forbid("generated", generated);
    return { task, pred: need("pred", pred), gold: need("gold", gold) };
  }
  if (task === "sonnet") {
    forbid("pred", pred);
    return { task, generated: need("generated", generated), gold: need("gold", gold) };
  }
  throw new Error(
    `eval: --task must be sst, cfimdb or sonnet, got ${
      JSON.stringify(task ?? null)
    }\n${EVAL_USAGE}`,
  );
}

/**
 * Runs `deno task eval` on `argv`: reads the files, scores them and returns the report text
 * (warnings go to `warn`). Throws on bad flags or files, naming them.
 *
 * @example
 * ```ts
 * console.log(await runEval(["--task=cfimdb", "--pred=out.csv", "--gold=ids-cfimdb-dev.csv"]));
 * ```
 */
export async function runEval(
  argv: string[],
  warn: (message: string) => void = (m) => console.error(m),
): Promise<string> {
  const args = parseEvalArgs(argv);
  const goldText = await Deno.readTextFile(args.gold);
  if (args.task === "sonnet") {
    const generated = await Deno.readTextFile(args.generated);
    const scores = scoreSonnetFiles(generated, args.generated, goldText, args.gold, warn);
    return formatSonnetScores(scores);
  }
  const predText = await Deno.readTextFile(args.pred);
  const classes = EVAL_SENTIMENT_CLASSES[args.task];
  const s = scoreSentimentPredictions(predText, args.pred, goldText, args.gold, classes);
  return `${s.goldSummary}\n${args.task}: ${s.examples} predictions scored\n\n` +
    formatClassificationReport(s.report);
}

if (import.meta.main) {
  try {
    console.log(await runEval(Deno.args));
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(2);
  }
}
