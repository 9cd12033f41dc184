/**
 * Reads an experiment folder for the report: the plan, and for every arm × seed cell its
 * configuration, per-epoch metrics, summary, dev predictions (classification) or generated
 * sonnets, and, for a cell that is not done, why (never run, crashed with its log's last lines,
 * interrupted).
 *
 * @module
 */
import { join } from "node:path";
import { readPredictions } from "../data/writers.ts";
import { type MetricsRecord, readMetrics } from "../engine/run_dir.ts";
import {
  type Cell,
  type CellState,
  cellState,
  EXPERIMENT_FILES,
  logTail,
  planCells,
  readCellRecord,
  readExperimentPlan,
} from "./layout.ts";
import type { Plan } from "./plan.ts";
import { type GoldLabels, type TaskView, taskView } from "./task_views.ts";

/** One cell as the report sees it. */
export interface CellData extends Cell {
  /** Done (summary written) or why not. */
  status: "done" | "crashed" | "interrupted" | "missing";
  /** Its saved configuration (absent when it never started). */
  config?: Record<string, unknown>;
  /** `metrics.jsonl`, one record per evaluation. */
  metrics: MetricsRecord[];
  /** `summary.json`'s `final` metrics (the selected checkpoint's). */
  final?: Record<string, number>;
  /** `summary.json`'s `last_epoch`: dev scores of the weights after the last epoch (if written). */
  lastEpoch?: Record<string, number>;
  /** Classification: dev predictions by example id. */
  predictions?: Map<string, number>;
  /** Sonnets: the generated dev file's text. */
  generated?: string;
  /** For a cell that is not done: the error and the log's last lines. */
  problem?: { error: string; logTail: string };
}

/** An experiment as the report sees it. */
export interface ExperimentData {
  /** The folder. */
  dir: string;
  /** Its plan. */
  plan: Plan;
  /** The task's view. */
  view: TaskView;
  /** Every cell of the plan, in grid order. */
  cells: CellData[];
  /** Dev gold labels (classification), or null with the reason they could not be read. */
  gold: GoldLabels | null;
  /** Why `gold` is null ("" when it is not). */
  goldProblem: string;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return undefined;
  }
}

function why(
  state: CellState,
  record: Awaited<ReturnType<typeof readCellRecord>>,
): CellData["status"] {
  if (record?.status === "crashed") return "crashed";
  if (state === "resumable" || record?.status === "interrupted") return "interrupted";
  return state === "started" ? "crashed" : "missing";
}

async function readCell(cell: Cell, view: TaskView): Promise<CellData> {
  const state = await cellState(cell);
  const config = await readJson(join(cell.dir, "config.json"));
  const metrics = config ? await readMetrics(cell.dir).catch(() => []) : [];
  const data: CellData = { ...cell, status: "done", config, metrics };
  if (state !== "done") {
    const record = await readCellRecord(cell);
    data.status = why(state, record);
    data.problem = {
      error: record?.error ??
        (data.status === "missing" ? "never run" : "no record of the attempt"),
      logTail: await logTail(cell, 12),
    };
    return data;
  }
  const summary = await readJson(join(cell.dir, EXPERIMENT_FILES.summary));
  // `selected`: the kept checkpoint's dev scores (runs before --select-on wrote them as `final`)
  data.final = (summary?.selected ?? summary?.final ?? {}) as Record<string, number>;
  if (summary?.last_epoch) data.lastEpoch = summary.last_epoch as Record<string, number>;
  if (view.kind === "classification") {
    try {
      const file = await readPredictions(join(cell.dir, view.predictionsFile));
      data.predictions = new Map(file.rows.map((r) => [r.id, Number(r.value)]));
    } catch {
      // A run without a predictions file still has its metrics; the per-example tests skip it.
    }
  } else {
    try {
      data.generated = await Deno.readTextFile(join(cell.dir, view.generatedFile));
    } catch {
      // As above: the generations are shown when present.
    }
  }
  return data;
}

/**
 * Reads the experiment in `dir` (see the module doc). Throws only when `dir` holds no plan.
 *
 * @example
 * ```ts
 * import { saveExperimentPlan } from "./layout.ts";
 * import { planFromArms } from "./plan.ts";
 * const dir = await Deno.makeTempDir(); // an experiment whose cells have not run yet
 * await saveExperimentPlan(dir, planFromArms("sst", "full,last-linear", { seeds: "2" }));
 * const data = await collectExperiment(dir);
 * console.log(data.cells.map((c) => `${c.arm} ${c.seed}: ${c.status}`));
 * // ["full 11711: missing", "last-linear 11711: missing", "full 11712: missing", …]
 * ```
 */
export async function collectExperiment(dir: string): Promise<ExperimentData> {
  const plan = await readExperimentPlan(dir);
  const view = taskView(plan.task);
  const cells = await Promise.all(planCells(plan, dir).map((c) => readCell(c, view)));
  let gold: GoldLabels | null = null;
  let goldProblem = "";
  if (view.kind === "classification") {
    const first = cells.find((c) => c.status === "done" && c.config);
    if (!first) goldProblem = "no finished cell";
    else {
      const dataDir = String(first.config!.dataDir);
      const limit = (first.config!.evalLimit as number | null) ?? null;
      try {
        gold = await view.loadGold(dataDir, limit);
      } catch (error) {
        goldProblem = `dev gold labels not readable from ${dataDir}: ${(error as Error).message}`;
      }
    }
  }
  return { dir, plan, view, cells, gold, goldProblem };
}
