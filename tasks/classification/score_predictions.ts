/**
 * Scores a CS224N predictions file (`id,<column>`) against labelled gold examples: every
 * prediction must name a gold id and every gold id must be predicted, once. Shared by the
 * sentiment and paraphrase tasks' `deno task eval`.
 *
 * @module
 */
import { type ClassificationReport, classificationReport } from "../../eval/classification.ts";
import { parsePredictions } from "../data/writers.ts";

/** A labelled gold example as the loaders return it. */
export interface GoldExample {
  /** The example's id. */
  id: string;
  /** 1-based line in the gold file. */
  line: number;
  /** Gold class (loaders skip unlabelled rows, so it is present). */
  label?: number | null;
}

/** A scored predictions file. */
export interface PredictionScore {
  /** The metrics of the predictions, in gold order. */
  report: ClassificationReport;
  /** Examples scored. */
  examples: number;
}

const INTEGER = /^[+-]?\d+$/;

/**
 * Scores a predictions file's text against labelled gold examples. Throws naming the file, the
 * line and the id for: a header column other than `column`, a value that is not a class in
 * 0..numClasses−1, an id predicted twice, a predicted id absent from the gold file, a gold id
 * that appears twice, and a gold id with no prediction.
 *
 * @example
 * ```ts
 * const gold = [{ id: "a", line: 2, label: 1 }, { id: "b", line: 3, label: 0 }];
 * const s = scorePredictions("id,Predicted_Sentiment\na,1\nb,1\n", "p.csv", gold, "g.csv", {
 *   column: "Predicted_Sentiment",
 *   numClasses: 2,
 * });
 * s.report.accuracy; // 0.5
 * ```
 */
export function scorePredictions(
  predText: string,
  predName: string,
  gold: readonly GoldExample[],
  goldName: string,
  { column, numClasses }: { column: string; numClasses: number },
): PredictionScore {
  const pred = parsePredictions(predText, predName);
  if (pred.header !== column) {
    throw new Error(
      `${predName}: the prediction column is ${JSON.stringify(pred.header)}, expected ` +
        JSON.stringify(column),
    );
  }
  if (gold.length === 0) throw new Error(`${goldName}: no labelled rows to score`);
  const goldLine = new Map<string, number>();
  for (const e of gold) {
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
  const missing = gold.filter((e) => !predicted.has(e.id));
  if (missing.length > 0) {
    const first = missing[0];
    throw new Error(
      `${predName}: no prediction for id ${first.id} (${goldName}:${first.line})` +
        (missing.length > 1 ? ` and ${missing.length - 1} more gold ids` : ""),
    );
  }
  const goldLabels = gold.map((e) => e.label!);
  const predLabels = gold.map((e) => predicted.get(e.id)!.value);
  return {
    report: classificationReport(goldLabels, predLabels, numClasses),
    examples: goldLabels.length,
  };
}
