/**
 * An experiment folder:
 *
 * ```
 * <experiment>/experiment.json          the resolved plan (task, arms with their flags, seeds)
 * <experiment>/<arm>/seed-<seed>/       one ordinary run folder per cell (deno task train --out)
 * <experiment>/<arm>/seed-<seed>/train.log   the cell's output (every attempt, appended)
 * <experiment>/<arm>/seed-<seed>/cell.json   the last attempt: status, seconds, error
 * <experiment>/report.md, report.html   written by deno task report
 * ```
 *
 * A cell is done when its run folder has `summary.json` (the train command writes it last), and
 * resumable when it has a training checkpoint (`checkpoint/train_state.json`).
 *
 * @module
 */
import { join } from "node:path";
import { pathExists } from "../../model/path_exists.ts";
import { writeTextAtomic } from "../data/writers.ts";
import type { Plan } from "./plan.ts";

/** File names inside an experiment folder and its cells. */
export const EXPERIMENT_FILES: Readonly<{
  plan: string;
  log: string;
  cell: string;
  summary: string;
  checkpointState: string;
  reportMd: string;
  reportHtml: string;
}> = Object.freeze({
  plan: "experiment.json",
  log: "train.log",
  cell: "cell.json",
  summary: "summary.json",
  checkpointState: "checkpoint/train_state.json",
  reportMd: "report.md",
  reportHtml: "report.html",
});

/** One cell of the grid. */
export interface Cell {
  /** Arm name. */
  arm: string;
  /** Seed. */
  seed: number;
  /** Its run folder. */
  dir: string;
}

/** What `cell.json` records of a cell's last attempt. */
export interface CellRecord {
  /** How the attempt ended. */
  status: "completed" | "crashed" | "interrupted";
  /** Wall seconds of the attempt. */
  seconds: number;
  /** Exit code of the train command (null when it could not start). */
  exitCode: number | null;
  /** The error, for a crash. */
  error?: string;
  /** UTC time the attempt ended. */
  endedAt: string;
}

/** Where a cell stands before it runs. */
export type CellState = "done" | "resumable" | "started" | "new";

/**
 * The run folder of `arm` with `seed` inside `experimentDir`.
 *
 * @example
 * ```ts
 * cellDir("runs/exp", "full", 11711); // "runs/exp/full/seed-11711"
 * ```
 */
export function cellDir(experimentDir: string, arm: string, seed: number): string {
  return join(experimentDir, arm, `seed-${seed}`);
}

/**
 * Every cell of `plan`, seed-major (all arms of the first seed, then the next seed), so that
 * paired comparisons are possible as early as possible.
 *
 * @example
 * ```ts
 * import { planFromArms } from "./plan.ts";
 * const plan = planFromArms("sst", "full,last-linear", { seeds: "2" });
 * console.log(planCells(plan, "runs/exp").map((c) => `${c.arm}/${c.seed}`));
 * // ["full/11711", "last-linear/11711", "full/11712", "last-linear/11712"]
 * ```
 */
export function planCells(plan: Plan, experimentDir: string): Cell[] {
  return plan.seeds.flatMap((seed) =>
    plan.arms.map((a) => ({ arm: a.name, seed, dir: cellDir(experimentDir, a.name, seed) }))
  );
}

/**
 * Whether `cell` is done (`summary.json`), resumable (a training checkpoint), started without a
 * checkpoint (`config.json` only: it must start over) or new.
 *
 * @example
 * ```ts
 * const dir = await Deno.makeTempDir();
 * console.log(await cellState({ arm: "full", seed: 1, dir: `${dir}/full/seed-1` })); // "new"
 * ```
 */
export async function cellState(cell: Cell): Promise<CellState> {
  if (await pathExists(join(cell.dir, EXPERIMENT_FILES.summary))) return "done";
  if (await pathExists(join(cell.dir, EXPERIMENT_FILES.checkpointState))) return "resumable";
  if (await pathExists(join(cell.dir, "config.json"))) return "started";
  return "new";
}

/**
 * Writes the plan to `experiment.json`; throws when the folder already holds an experiment of
 * another task or other arms (naming both), so that one folder never mixes two grids. Seeds may
 * change between invocations (adding seeds extends the grid).
 *
 * @example
 * ```ts
 * import { planFromArms } from "./plan.ts";
 * const dir = await Deno.makeTempDir();
 * await saveExperimentPlan(dir, planFromArms("sst", "full,last-linear", { seeds: "3" }));
 * // the same arms with more seeds extend the grid; other arms are refused:
 * await saveExperimentPlan(dir, planFromArms("sst", "full,last-linear", { seeds: "5" }));
 * ```
 */
export async function saveExperimentPlan(experimentDir: string, plan: Plan): Promise<void> {
  const file = join(experimentDir, EXPERIMENT_FILES.plan);
  if (await pathExists(file)) {
    const before = await readExperimentPlan(experimentDir);
    const shape = (p: Plan) =>
      JSON.stringify({ task: p.task, arms: p.arms.map((a) => [a.name, a.strategy, a.flags]) });
    if (shape(before) !== shape(plan)) {
      throw new Error(
        `${file} holds another experiment (task ${before.task}, arms ${
          before.arms.map((a) => `${a.name} [${a.flags.join(" ")}]`).join(", ")
        }); choose another --out`,
      );
    }
  }
  await Deno.mkdir(experimentDir, { recursive: true });
  await writeTextAtomic(file, JSON.stringify(plan, null, 2) + "\n");
}

/**
 * The plan saved in an experiment folder. Throws naming the file when it is missing or malformed.
 *
 * @example
 * ```ts
 * import { planFromArms } from "./plan.ts";
 * const dir = await Deno.makeTempDir();
 * await saveExperimentPlan(dir, planFromArms("sst", "full", { seeds: "2" }));
 * const plan = await readExperimentPlan(dir);
 * console.log(plan.task, plan.seeds); // sst [11711, 11712]
 * ```
 */
export async function readExperimentPlan(experimentDir: string): Promise<Plan> {
  const file = join(experimentDir, EXPERIMENT_FILES.plan);
  if (!(await pathExists(file))) {
    throw new Error(`${file} not found: ${experimentDir} is not an experiment folder`);
  }
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(await Deno.readTextFile(file));
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  for (const key of ["name", "task", "seeds", "arms"]) {
    if (!(key in value)) throw new Error(`${file}: missing key "${key}"`);
  }
  if (!Array.isArray(value.arms) || !Array.isArray(value.seeds)) {
    throw new Error(`${file}: "arms" and "seeds" must be lists`);
  }
  return value as unknown as Plan;
}

/**
 * Records how a cell's attempt ended (`cell.json`, atomic).
 *
 * @example
 * ```ts
 * const cell = { arm: "full", seed: 11711, dir: await Deno.makeTempDir() };
 * const endedAt = new Date().toISOString();
 * await writeCellRecord(cell, { status: "completed", seconds: 12, exitCode: 0, endedAt });
 * ```
 */
export async function writeCellRecord(cell: Cell, record: CellRecord): Promise<void> {
  await Deno.mkdir(cell.dir, { recursive: true });
  await writeTextAtomic(
    join(cell.dir, EXPERIMENT_FILES.cell),
    JSON.stringify(record, null, 2) + "\n",
  );
}

/**
 * The cell's last attempt, or null when it has none (or the file is unreadable).
 *
 * @example
 * ```ts
 * const cell = { arm: "full", seed: 11711, dir: await Deno.makeTempDir() };
 * console.log(await readCellRecord(cell)); // null: no attempt yet
 * const endedAt = new Date().toISOString();
 * await writeCellRecord(cell, { status: "crashed", seconds: 3, exitCode: 2, endedAt });
 * console.log((await readCellRecord(cell))?.status); // "crashed"
 * ```
 */
export async function readCellRecord(cell: Cell): Promise<CellRecord | null> {
  try {
    return JSON.parse(await Deno.readTextFile(join(cell.dir, EXPERIMENT_FILES.cell)));
  } catch {
    return null;
  }
}

/**
 * The last `count` non-empty lines of the cell's `train.log` ("" when it has none).
 *
 * @example
 * ```ts
 * const cell = { arm: "full", seed: 11711, dir: await Deno.makeTempDir() };
 * await Deno.writeTextFile(`${cell.dir}/train.log`, "epoch 1\n\nepoch 2\nerror: out of memory\n");
 * console.log(await logTail(cell, 2)); // "epoch 2\nerror: out of memory"
 * ```
 */
export async function logTail(cell: Cell, count: number): Promise<string> {
  try {
    const text = await Deno.readTextFile(join(cell.dir, EXPERIMENT_FILES.log));
    return text.split("\n").filter((l) => l.trim() !== "").slice(-count).join("\n");
  } catch {
    return "";
  }
}
