/**
 * The numbers of an experiment report, from the collected cells: per arm and metric the spread
 * over seeds (mean, sd, 95% t interval) of the selected checkpoint's score and of the final
 * epoch's; between every two arms the paired tests over seeds; for classification, per seed,
 * the paired bootstrap over dev examples and McNemar's test; learning curves (mean and sd over
 * seeds per epoch; of the held-out training examples, `heldout_*`, for the cells that select on
 * them and so log no dev metric per epoch); confusion matrices summed over seeds; for sonnets,
 * the prompt-only floor and example generations.
 *
 * @module
 */
import {
  accuracyOf,
  type BootstrapResult,
  macroF1Of,
  pairedBootstrap,
} from "../../eval/stats/bootstrap.ts";
import { confusionMatrix } from "../../eval/classification.ts";
import { describe, type Description } from "../../eval/stats/describe.ts";
import { mcnemar, type McNemarResult } from "../../eval/stats/mcnemar.ts";
import {
  MAX_EXACT_PAIRS,
  type PairedTTest,
  pairedTTest,
  type SignFlipResult,
  signFlipTest,
  type WilcoxonResult,
  wilcoxonSignedRank,
} from "../../eval/stats/paired_tests.ts";
import { scoreSonnets } from "../../eval/sonnet_scores.ts";
import { loadSonnets, parseSonnets, type Sonnet } from "../data/sonnet_data.ts";
import { join } from "node:path";
import type { CellData, ExperimentData } from "./collect.ts";
import type { MetricSpec } from "./task_views.ts";

/** A metric's value in one seed. */
export interface SeedValue {
  /** Seed. */
  seed: number;
  /** Value. */
  value: number;
}

/** One arm's spread over seeds for one metric. */
export interface ArmMetric {
  /** Arm name. */
  arm: string;
  /** The metric. */
  metric: MetricSpec;
  /** Selected checkpoint's score per done seed. */
  selected: SeedValue[];
  /** Their spread (null without values). */
  selectedStats: Description | null;
  /** Last epoch's score per done seed (empty when the metric is not logged per epoch). */
  final: SeedValue[];
  /** Their spread. */
  finalStats: Description | null;
  /** The study's reported number, when the plan gives one. */
  study?: number;
}

/** Paired tests over seeds between two arms for one metric. */
export interface SeedComparison {
  /** First arm (differences are a − b). */
  a: string;
  /** Second arm. */
  b: string;
  /** The metric. */
  metric: MetricSpec;
  /** Selected-checkpoint or final-epoch scores. */
  scores: "selected" | "final";
  /** Seeds both arms finished. */
  seeds: number[];
  /** Paired t-test (null for fewer than 2 pairs). */
  tTest: PairedTTest | null;
  /** Wilcoxon signed-rank (null without pairs). */
  wilcoxon: WilcoxonResult | null;
  /** Exact sign-flip test (null without pairs or over its limit). */
  signFlip: SignFlipResult | null;
}

/** Per-example comparison of two arms' predictions with the same seed. */
export interface ExampleComparison {
  /** First arm. */
  a: string;
  /** Second arm. */
  b: string;
  /** Seed. */
  seed: number;
  /** Paired bootstrap of the accuracy difference. */
  accuracy: BootstrapResult;
  /** Paired bootstrap of the macro-F1 difference. */
  macroF1: BootstrapResult;
  /** McNemar's test. */
  mcnemar: McNemarResult;
}

/** Mean and sd over seeds of a per-epoch metric. */
export interface CurvePoint {
  /** Arm. */
  arm: string;
  /** 1-based epoch. */
  epoch: number;
  /** `metrics.jsonl` key. */
  metric: string;
  /** Mean over the seeds that logged it. */
  mean: number;
  /** Sample sd (0 for one seed). */
  sd: number;
  /** Seeds. */
  n: number;
}

/** A sonnet shown beside the others. */
export interface SonnetSample {
  /** Sonnet number. */
  number: number;
  /** Gold text. */
  gold: string;
  /** Generated text per arm (same seed). */
  byArm: Record<string, string>;
}

/** Everything the report prints. */
export interface Analysis {
  /** Arm names in plan order. */
  arms: string[];
  /** Per arm × metric. */
  armMetrics: ArmMetric[];
  /** Paired tests over seeds. */
  seedComparisons: SeedComparison[];
  /** Per-seed per-example comparisons (classification). */
  exampleComparisons: ExampleComparison[];
  /**
   * Learning curves of the view's curve metric (dev), of its held-out twin (`heldout_*`, logged
   * per epoch by cells that select on held-out training examples) and of the train loss.
   */
  curves: CurvePoint[];
  /** Confusion matrices summed over seeds, by arm (classification). */
  confusions: { arm: string; matrix: number[][]; seeds: number }[];
  /** Sonnets: scores of the prompt lines alone against gold. */
  floor: Record<string, number> | null;
  /** Sonnets: a few dev sonnets of one seed, every arm side by side. */
  samples: { seed: number; sonnets: SonnetSample[] } | null;
  /** Things the reader should know (skipped tests, unreadable files). */
  notes: string[];
}

/** Options of {@linkcode analyze}. */
export interface AnalysisOptions {
  /** Bootstrap resamples (default 10,000). */
  resamples?: number;
  /** Sonnets shown side by side (default 3). */
  samples?: number;
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const stats = (values: SeedValue[]) => values.length ? describe(values.map((v) => v.value)) : null;

function armMetric(data: ExperimentData, arm: string, metric: MetricSpec): ArmMetric {
  const done = data.cells.filter((c) => c.arm === arm && c.status === "done");
  const selected = done.filter((c) => finite(c.final?.[metric.key]))
    .map((c) => ({ seed: c.seed, value: c.final![metric.key] }));
  // The last epoch's dev score: the summary's `last_epoch` (runs that select on held-out training
  // examples score dev only there), else the last evaluation logged.
  const lastOf = (c: CellData) =>
    finite(c.lastEpoch?.[metric.key]) ? c.lastEpoch[metric.key] : c.metrics.at(-1)?.[metric.key];
  const final = done.filter((c) => finite(lastOf(c)))
    .map((c) => ({ seed: c.seed, value: lastOf(c) as number }));
  const study = data.plan.arms.find((a) => a.name === arm)?.study[metric.key];
  return {
    arm,
    metric,
    selected,
    selectedStats: stats(selected),
    final,
    finalStats: stats(final),
    ...(study !== undefined ? { study } : {}),
  };
}

function compareSeeds(x: ArmMetric, y: ArmMetric, scores: "selected" | "final"): SeedComparison {
  const ys = new Map(y[scores].map((v) => [v.seed, v.value]));
  const pairs = x[scores].filter((v) => ys.has(v.seed));
  const a = pairs.map((v) => v.value);
  const b = pairs.map((v) => ys.get(v.seed)!);
  const n = pairs.length;
  return {
    a: x.arm,
    b: y.arm,
    metric: x.metric,
    scores,
    seeds: pairs.map((v) => v.seed),
    tTest: n >= 2 ? pairedTTest(a, b) : null,
    wilcoxon: n >= 1 ? wilcoxonSignedRank(a, b) : null,
    signFlip: n >= 1 && n <= MAX_EXACT_PAIRS ? signFlipTest(a, b) : null,
  };
}

function aligned(cell: CellData, ids: string[]): number[] | null {
  if (!cell.predictions) return null;
  const out = ids.map((id) => cell.predictions!.get(id));
  return out.every((v) => v !== undefined && Number.isInteger(v)) ? out as number[] : null;
}

/**
 * The per-epoch metric a run that selects on held-out training examples logs in place of the dev
 * metric `metric` (`dev_perplexity` → `heldout_perplexity`), or null when `metric` is not a dev
 * metric.
 *
 * @example
 * ```ts
 * heldoutCurveMetric("dev_accuracy"); // "heldout_accuracy"
 * heldoutCurveMetric("train_loss"); // null
 * ```
 */
export function heldoutCurveMetric(metric: string): string | null {
  return metric.startsWith("dev_") ? `heldout_${metric.slice(4)}` : null;
}

function curves(data: ExperimentData): CurvePoint[] {
  const out: CurvePoint[] = [];
  const heldout = heldoutCurveMetric(data.view.curveMetric);
  const metrics = [data.view.curveMetric, ...(heldout ? [heldout] : []), "train_loss"];
  for (const arm of data.plan.arms.map((a) => a.name)) {
    const cells = data.cells.filter((c) => c.arm === arm && c.metrics.length > 0);
    for (const metric of metrics) {
      const byEpoch = new Map<number, number[]>();
      for (const c of cells) {
        for (const r of c.metrics) {
          if (!finite(r.epoch) || !finite(r[metric])) continue;
          byEpoch.set(r.epoch, [...(byEpoch.get(r.epoch) ?? []), r[metric] as number]);
        }
      }
      for (const [epoch, values] of [...byEpoch].sort((p, q) => p[0] - q[0])) {
        const d = describe(values);
        out.push({ arm, epoch, metric, mean: d.mean, sd: values.length > 1 ? d.sd : 0, n: d.n });
      }
    }
  }
  return out;
}

async function sonnetExtras(data: ExperimentData, count: number, notes: string[]) {
  if (data.view.kind !== "sonnet") return { floor: null, samples: null };
  const view = data.view;
  const first = data.cells.find((c) => c.status === "done" && c.config);
  if (!first) return { floor: null, samples: null };
  const dataDir = String(first.config!.dataDir);
  const limit = (first.config!.evalLimit as number | null) ?? undefined;
  let floor: Record<string, number> | null = null;
  let gold: Sonnet[] = [];
  try {
    gold = (await loadSonnets(join(dataDir, view.goldFile))).sonnets.slice(0, limit);
    const prompts = (await loadSonnets(join(dataDir, view.promptsFile))).sonnets.slice(0, limit);
    floor = { ...scoreSonnets(prompts, gold) };
  } catch (error) {
    notes.push(`prompt-only floor not computed: ${(error as Error).message}`);
  }
  const seed = data.plan.seeds.find((s) =>
    data.cells.filter((c) => c.seed === s).every((c) => c.generated !== undefined)
  );
  if (seed === undefined || gold.length === 0) return { floor, samples: null };
  const parsed = new Map(
    data.cells.filter((c) => c.seed === seed).map((
      c,
    ) => [c.arm, parseSonnets(c.generated!, c.dir).sonnets]),
  );
  const sonnets = gold.slice(0, count).map((g) => ({
    number: g.number,
    gold: g.text,
    byArm: Object.fromEntries(
      [...parsed].map(([arm, list]) => [arm, list.find((s) => s.number === g.number)?.text ?? "–"]),
    ),
  }));
  return { floor, samples: { seed, sonnets } };
}

/**
 * Computes the report's numbers for a collected experiment (see the module doc).
 *
 * @example
 * ```ts
 * import { collectExperiment } from "./collect.ts";
 * import { planCells, saveExperimentPlan } from "./layout.ts";
 * import { planFromArms } from "./plan.ts";
 * const dir = await Deno.makeTempDir();
 * const plan = planFromArms("sst", "full", { seeds: "2" });
 * await saveExperimentPlan(dir, plan);
 * // each cell as a finished `deno task train` run leaves it (config, metrics, summary)
 * for (const [i, cell] of planCells(plan, dir).entries()) {
 *   const accuracy = 0.4 + 0.1 * i;
 *   await Deno.mkdir(cell.dir, { recursive: true });
 *   await Deno.writeTextFile(`${cell.dir}/config.json`, JSON.stringify({ task: "sst" }));
 *   const epoch = { epoch: 1, train_loss: 1.4, dev_accuracy: accuracy };
 *   await Deno.writeTextFile(`${cell.dir}/metrics.jsonl`, JSON.stringify(epoch) + "\n");
 *   const summary = { selected: { dev_accuracy: accuracy } };
 *   await Deno.writeTextFile(`${cell.dir}/summary.json`, JSON.stringify(summary));
 * }
 * const analysis = await analyze(await collectExperiment(dir), { resamples: 1000 });
 * const full = analysis.armMetrics.find((m) => m.metric.key === "dev_accuracy");
 * console.log(full?.selected, full?.selectedStats?.mean); // the two seeds' values, mean 0.45
 * ```
 */
export async function analyze(
  data: ExperimentData,
  options: AnalysisOptions = {},
): Promise<Analysis> {
  const arms = data.plan.arms.map((a) => a.name);
  const notes: string[] = [];
  const armMetrics = arms.flatMap((arm) => data.view.metrics.map((m) => armMetric(data, arm, m)))
    .filter((m) => m.selected.length > 0 || m.study !== undefined);
  const seedComparisons: SeedComparison[] = [];
  const exampleComparisons: ExampleComparison[] = [];
  for (let i = 0; i < arms.length; i++) {
    for (let j = i + 1; j < arms.length; j++) {
      for (const metric of data.view.metrics) {
        const x = armMetrics.find((m) => m.arm === arms[i] && m.metric.key === metric.key);
        const y = armMetrics.find((m) => m.arm === arms[j] && m.metric.key === metric.key);
        if (!x || !y) continue;
        for (const scores of ["selected", "final"] as const) {
          const c = compareSeeds(x, y, scores);
          if (c.seeds.length > 0) seedComparisons.push(c);
        }
      }
      if (data.view.kind !== "classification" || !data.gold) continue;
      const { ids, labels } = data.gold;
      for (const seed of data.plan.seeds) {
        const ca = data.cells.find((c) =>
          c.arm === arms[i] && c.seed === seed && c.status === "done"
        );
        const cb = data.cells.find((c) =>
          c.arm === arms[j] && c.seed === seed && c.status === "done"
        );
        if (!ca || !cb) continue;
        const pa = aligned(ca, ids);
        const pb = aligned(cb, ids);
        if (!pa || !pb) {
          notes.push(`${arms[i]} vs ${arms[j]} seed ${seed}: predictions do not cover the dev ids`);
          continue;
        }
        const opts = { resamples: options.resamples ?? 10_000, seed };
        exampleComparisons.push({
          a: arms[i],
          b: arms[j],
          seed,
          accuracy: pairedBootstrap(labels, pa, pb, accuracyOf, opts),
          macroF1: pairedBootstrap(labels, pa, pb, macroF1Of(data.view.numClasses), opts),
          mcnemar: mcnemar(labels, pa, pb),
        });
      }
    }
  }
  if (data.view.kind === "classification" && !data.gold) {
    notes.push(`per-example tests and confusion matrices skipped: ${data.goldProblem}`);
  }
  const confusions: Analysis["confusions"] = [];
  if (data.view.kind === "classification" && data.gold) {
    const { ids, labels } = data.gold;
    const K = data.view.numClasses;
    for (const arm of arms) {
      const preds = data.cells.filter((c) => c.arm === arm && c.status === "done")
        .map((c) => aligned(c, ids)).filter((p): p is number[] => p !== null);
      if (preds.length === 0) continue;
      const matrix = Array.from({ length: K }, () => new Array<number>(K).fill(0));
      for (const p of preds) {
        confusionMatrix(labels, p, K).forEach((row, g) => row.forEach((v, k) => matrix[g][k] += v));
      }
      confusions.push({ arm, matrix, seeds: preds.length });
    }
  }
  const { floor, samples } = await sonnetExtras(data, options.samples ?? 3, notes);
  return {
    arms,
    armMetrics,
    seedComparisons,
    exampleComparisons,
    curves: curves(data),
    confusions,
    floor,
    samples,
    notes,
  };
}
