/**
 * What a report shows for each task: its metrics (name in `metrics.jsonl` / `summary.json`, label,
 * units, direction), which per-epoch metric the learning curves plot, and where a cell's dev
 * predictions and the dev gold labels are (classification) or its generated sonnets and the
 * prompt-only floor (sonnets).
 *
 * @module
 */
import { join } from "node:path";
import { CFIMDB_NUM_CLASSES, loadSentiment, SST_NUM_CLASSES } from "../data/sentiment_data.ts";
import { loadQuora } from "../data/paraphrase_data.ts";

/** One metric as the report shows it. */
export interface MetricSpec {
  /** Key in `summary.json`'s `final` and in `metrics.jsonl`. */
  key: string;
  /** Column label. */
  label: string;
  /** A share in [0, 1] shown as a percentage. */
  percent: boolean;
  /** Whether larger is better. */
  higherIsBetter: boolean;
}

/** Dev gold labels by example id, in file order (after `--eval-limit`). */
export interface GoldLabels {
  /** Example ids. */
  ids: string[];
  /** Class of each id. */
  labels: number[];
}

/** A classification task's view. */
export interface ClassificationView {
  /** Kind. */
  kind: "classification";
  /** Metrics shown (the first is the one tested most). */
  metrics: MetricSpec[];
  /** Per-epoch metric of the learning curves (the selection metric). */
  curveMetric: string;
  /** Number of classes. */
  numClasses: number;
  /** The dev predictions file inside a run folder. */
  predictionsFile: string;
  /** Loads the dev gold labels a run was scored on. */
  loadGold(dataDir: string, evalLimit: number | null): Promise<GoldLabels>;
}

/** The sonnet task's view. */
export interface SonnetView {
  /** Kind. */
  kind: "sonnet";
  /** Metrics shown. */
  metrics: MetricSpec[];
  /** Per-epoch metric of the learning curves. */
  curveMetric: string;
  /** Generated dev sonnets inside a run folder. */
  generatedFile: string;
  /** The prompts (first 3 lines of each dev sonnet) in the data folder: the floor. */
  promptsFile: string;
  /** The gold dev sonnets in the data folder. */
  goldFile: string;
}

/** A task's view. */
export type TaskView = ClassificationView | SonnetView;

const pct = (key: string, label: string): MetricSpec => ({
  key,
  label,
  percent: true,
  higherIsBetter: true,
});
const num = (key: string, label: string, higherIsBetter: boolean): MetricSpec => ({
  key,
  label,
  percent: false,
  higherIsBetter,
});

async function sentimentGold(
  file: string,
  numClasses: number,
  dataDir: string,
  limit: number | null,
) {
  const { examples } = await loadSentiment(join(dataDir, file), { labelled: true, numClasses });
  const used = examples.slice(0, limit ?? undefined);
  return { ids: used.map((e) => e.id), labels: used.map((e) => e.label!) };
}

function sentimentView(task: string, numClasses: number): ClassificationView {
  return {
    kind: "classification",
    metrics: [
      pct("dev_accuracy", "accuracy"),
      pct("dev_macro_f1", "macro F1"),
      num("dev_loss", "dev loss", false),
    ],
    curveMetric: "dev_accuracy",
    numClasses,
    predictionsFile: `${task}-dev-out.csv`,
    loadGold: (dir, limit) => sentimentGold(`ids-${task}-dev.csv`, numClasses, dir, limit),
  };
}

/**
 * The sonnet metrics, as `summary.json` names them (the first sample's with `--samples=N`): model
 * perplexity, CS224N's chrF, then what the model wrote (lines 4–14), then the whole texts with the
 * 3 prompt lines, and the study's own readings (named apart).
 */
const SONNET_METRICS: MetricSpec[] = [
  num("dev_perplexity", "model perplexity (gold dev)", false),
  num("dev_perplexity_continuation", "model perplexity (gold lines 4–14)", false),
  num("chrf", "chrF (CS224N: whole text)", true),
  num("chrf_continuation", "chrF (lines 4–14)", true),
  num("distinct_1_continuation", "distinct-1 (lines 4–14)", true),
  num("distinct_2_continuation", "distinct-2 (lines 4–14)", true),
  pct("rhyme_accuracy_continuation", "rhyme, pairs with a generated line (CMU)"),
  pct("ten_syllable_share_continuation", "lines 4–14 with 10±1 syllables"),
  pct("loose_iambic_share_continuation", "lines 4–14 loose iambic"),
  num("distinct_1_whole", "distinct-1 (whole)", true),
  num("distinct_2_whole", "distinct-2 (whole)", true),
  pct("rhyme_accuracy_whole", "rhyme, all pairs (CMU, whole)"),
  pct("ten_syllable_share_whole", "lines with 10±1 syllables (whole)"),
  num("study_unigram_perplexity", "study 'perplexity' (unigram)", false),
  num("distinct_1_per_sonnet_whole", "distinct-1 per sonnet (study)", true),
  num("distinct_2_per_sonnet_whole", "distinct-2 per sonnet (study)", true),
  pct("study_letter_rhyme", "study letter rhyme"),
];

/**
 * The view of `task`. Throws naming the task when the report knows no view for it.
 *
 * @example
 * ```ts
 * taskView("sst").metrics[0].key; // "dev_accuracy"
 * ```
 */
export function taskView(task: string): TaskView {
  switch (task) {
    case "sst":
      return sentimentView("sst", SST_NUM_CLASSES);
    case "cfimdb":
      return sentimentView("cfimdb", CFIMDB_NUM_CLASSES);
    case "quora":
      return {
        kind: "classification",
        metrics: [
          pct("dev_accuracy", "accuracy"),
          pct("dev_f1", "F1"),
          pct("dev_precision", "precision"),
          pct("dev_recall", "recall"),
        ],
        curveMetric: "dev_accuracy",
        numClasses: 2,
        predictionsFile: "quora-dev-out.csv",
        async loadGold(dir, limit) {
          const { examples } = await loadQuora(join(dir, "quora-dev.csv"), { labelled: true });
          const used = examples.slice(0, limit ?? undefined);
          return { ids: used.map((e) => e.id), labels: used.map((e) => e.label!) };
        },
      };
    case "sonnet":
      return {
        kind: "sonnet",
        metrics: SONNET_METRICS,
        curveMetric: "dev_perplexity",
        generatedFile: "generated_sonnets_dev.txt",
        promptsFile: "sonnets_held_out_dev.txt",
        goldFile: "TRUE_sonnets_held_out_dev.txt",
      };
    default:
      throw new Error(`report: no report view for task ${JSON.stringify(task)}`);
  }
}

/**
 * A metric value as the report prints it: percentages with one decimal, perplexities with two,
 * other numbers with three; "–" for a missing or non-finite value.
 *
 * @example
 * ```ts
 * formatMetric(taskView("sst").metrics[0], 0.5183); // "51.8"
 * ```
 */
export function formatMetric(spec: MetricSpec, value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return "–";
  if (spec.percent) return (value * 100).toFixed(1);
  if (/perplexity|chrf|loss/.test(spec.key)) return value.toFixed(2);
  return value.toFixed(3);
}
