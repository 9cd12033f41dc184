/**
 * Runs an experiment's grid: every arm × seed cell as an ordinary run folder. Done cells are
 * skipped, an interrupted cell resumes from its checkpoint (`deno task train --resume`), a cell
 * that crashed before its first checkpoint starts over; a crash is reported with its log's last
 * lines and the other cells go on (unless `failFast`); an interrupt stops after the current
 * cell has saved its checkpoint, and the same command continues. Progress: which cell, how many
 * are left, and an ETA from the cells finished in this invocation.
 *
 * @module
 */
import { join } from "node:path";
import { formatDuration } from "../engine/progress.ts";
import { cellArgs, type CellOutcome, runCellProcess } from "./cell_process.ts";
import {
  type Cell,
  type CellState,
  cellState,
  EXPERIMENT_FILES,
  logTail,
  planCells,
  saveExperimentPlan,
  writeCellRecord,
} from "./layout.ts";
import type { Plan } from "./plan.ts";

/** Runs one cell's train command (the default starts a process; tests may inject). */
export type CellRunner = (
  cell: Cell,
  args: string[],
  interrupt: { requested: boolean },
) => Promise<CellOutcome>;

/** Options of {@linkcode runExperiment}. */
export interface ExperimentOptions {
  /** The experiment folder. */
  out: string;
  /** Stop at the first crashed cell. */
  failFast?: boolean;
  /** Set by Ctrl-C. */
  interrupt?: { requested: boolean };
  /** Progress and crash messages (default stderr). */
  log?: (message: string) => void;
  /** Runs a cell (default: a `deno task train` process echoing its output to `log`). */
  runCell?: CellRunner;
}

/** What happened to one cell in this invocation. */
export interface CellResult {
  /** The cell. */
  cell: Cell;
  /** Its state before this invocation. */
  before: CellState;
  /** Skipped (already done), ran (fresh or started over), resumed, or not reached. */
  action: "skipped" | "ran" | "resumed" | "not-reached";
  /** The attempt's outcome (absent when skipped or not reached). */
  outcome?: CellOutcome;
}

/** Outcome of {@linkcode runExperiment}. */
export interface ExperimentResult {
  /** Every cell was attempted, stopped by an interrupt, or stopped by `failFast`. */
  status: "finished" | "interrupted" | "stopped";
  /** One entry per cell, in grid order. */
  cells: CellResult[];
}

/** Removes a cell's files from an attempt that left no checkpoint, keeping its log. */
async function clearStartedCell(cell: Cell): Promise<void> {
  for await (const entry of Deno.readDir(cell.dir)) {
    if (entry.name === EXPERIMENT_FILES.log) continue;
    await Deno.remove(join(cell.dir, entry.name), { recursive: true });
  }
}

/**
 * Runs the grid of `plan` in `options.out` (see the module doc).
 *
 * @example
 * ```ts
 * import { planCells } from "./layout.ts";
 * import { planFromArms } from "./plan.ts";
 * const plan = planFromArms("sst", "full", { seeds: "2", flags: ["--model=tiny"] });
 * const out = await Deno.makeTempDir();
 * // both cells finished in an earlier invocation (a finished run's summary.json marks it done) …
 * for (const cell of planCells(plan, out)) {
 *   await Deno.mkdir(cell.dir, { recursive: true });
 *   await Deno.writeTextFile(`${cell.dir}/summary.json`, "{}");
 * }
 * // … so they are skipped; a new or interrupted cell would run `deno task train` in a process
 * const result = await runExperiment(plan, { out });
 * console.log(result.status, result.cells.map((c) => c.action)); // finished ["skipped", "skipped"]
 * ```
 */
export async function runExperiment(
  plan: Plan,
  options: ExperimentOptions,
): Promise<ExperimentResult> {
  const log = options.log ?? ((m: string) => console.error(m));
  const interrupt = options.interrupt ?? { requested: false };
  const runCell: CellRunner = options.runCell ??
    ((cell, args, interrupt) =>
      runCellProcess(cell, args, { interrupt, echo: (l) => log(`  ${l}`) }));
  await saveExperimentPlan(options.out, plan);
  const cells = planCells(plan, options.out);
  const results: CellResult[] = [];
  for (const cell of cells) {
    const before = await cellState(cell);
    results.push({ cell, before, action: before === "done" ? "skipped" : "not-reached" });
  }
  const todo = results.filter((r) => r.action !== "skipped");
  log(
    `experiment ${plan.name} (${plan.task}) in ${options.out}: ${cells.length} cells ` +
      `(${plan.arms.length} arms × ${plan.seeds.length} seeds), ${
        cells.length - todo.length
      } done, ` +
      `${todo.length} to run`,
  );
  const durations: number[] = [];
  let status: ExperimentResult["status"] = "finished";
  for (const [i, entry] of todo.entries()) {
    if (interrupt.requested) {
      status = "interrupted";
      break;
    }
    const { cell, before } = entry;
    const arm = plan.arms.find((a) => a.name === cell.arm)!;
    const left = todo.length - i - 1;
    const eta = durations.length === 0
      ? "after the first cell"
      : formatDuration((durations.reduce((s, v) => s + v, 0) / durations.length) * (left + 1));
    const verb = before === "resumable"
      ? "resuming"
      : before === "started"
      ? "restarting"
      : "running";
    log(
      `[cell ${i + 1}/${todo.length}] ${verb} ${cell.arm} seed ${cell.seed} ` +
        `(${left} left after it; ETA ${eta})`,
    );
    if (before === "started") await clearStartedCell(cell);
    const resume = before === "resumable";
    const outcome = await runCell(
      cell,
      cellArgs(plan.task, arm.strategy, arm.flags, cell, resume),
      interrupt,
    );
    entry.action = resume ? "resumed" : "ran";
    entry.outcome = outcome;
    await writeCellRecord(cell, {
      status: outcome.status,
      seconds: outcome.seconds,
      exitCode: outcome.exitCode,
      ...(outcome.error ? { error: outcome.error } : {}),
      endedAt: new Date().toISOString(),
    });
    if (outcome.status === "completed") {
      durations.push(outcome.seconds);
      log(
        `[cell ${i + 1}/${todo.length}] ${cell.arm} seed ${cell.seed} done in ${
          formatDuration(outcome.seconds)
        }`,
      );
    } else if (outcome.status === "interrupted") {
      status = "interrupted";
      log(
        `[cell ${
          i + 1
        }/${todo.length}] ${cell.arm} seed ${cell.seed} interrupted: checkpoint saved`,
      );
      break;
    } else {
      const tail = await logTail(cell, 8);
      log(
        `[cell ${i + 1}/${todo.length}] ${cell.arm} seed ${cell.seed} CRASHED: ${outcome.error}\n` +
          `  last lines of ${join(cell.dir, EXPERIMENT_FILES.log)}:\n` +
          tail.split("\n").map((l) => `    ${l}`).join("\n"),
      );
      if (options.failFast) {
        status = "stopped";
        break;
      }
    }
  }
  const crashed = results.filter((r) => r.outcome?.status === "crashed");
  const done = results.filter((r) => r.action === "skipped" || r.outcome?.status === "completed");
  log(
    `experiment ${status}: ${done.length}/${cells.length} cells done` +
      (crashed.length > 0
        ? `, ${crashed.length} crashed (${
          crashed.map((r) => `${r.cell.arm} seed ${r.cell.seed}`).join(", ")
        })`
        : "") +
      (status === "interrupted" ? "; run the same command again to continue" : ""),
  );
  return { status, cells: results };
}
