/**
 * A training run's output folder:
 *
 * ```
 * <run>/config.json       the resolved configuration (written once, atomically)
 * <run>/metrics.jsonl     one JSON object per line, appended per epoch (or per evaluation)
 * <run>/summary.json      the final summary (atomic)
 * <run>/train_state.json  resumable loop state: step, epoch, batch, RNG, best metric (atomic)
 * ```
 *
 * Checkpoints and predictions are written beside these by their own modules. Metrics and the
 * summary hold only numbers or `null`: a non-finite value (a diverged loss, an overflowing
 * perplexity) is written as `null`. The loop state keeps them as the strings "NaN", "Infinity"
 * and "-Infinity".
 *
 * @module
 */

import { pathExists } from "../../model/path_exists.ts";
import { join } from "node:path";
import { writeTextAtomic } from "../data/writers.ts";

/** The files of a run folder, by role. */
export type RunFile = "config" | "metrics" | "summary" | "state";

/** File names inside a run folder. */
export const RUN_FILES: Readonly<Record<RunFile, string>> = Object.freeze({
  config: "config.json",
  metrics: "metrics.jsonl",
  summary: "summary.json",
  state: "train_state.json",
});

/** One metrics line: plain JSON values keyed by name (e.g. `{ epoch: 1, dev_accuracy: 0.5 }`). */
export type MetricsRecord = Record<string, unknown>;

/** Loop state saved for `--resume`; extra keys (optimizer file names, …) are kept as given. */
export interface TrainState {
  /** Optimizer steps taken so far. */
  step: number;
  /** 0-based epoch in progress. */
  epoch: number;
  /** Batches of `epoch` already taken. */
  batchInEpoch: number;
  /** State of the data-order / dropout RNG (whatever the engine's RNG exports). */
  rngState: unknown;
  /** Best dev metric so far (`null` before the first evaluation). */
  bestMetric: number | null;
  /** Other fields. */
  [key: string]: unknown;
}

function toJson(value: unknown, space?: number): string {
  return JSON.stringify(
    value,
    (_key, v) => typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
    space,
  );
}

/** JSON with every non-finite number as `null` (metrics files hold only numbers or null). */
function toMetricsJson(value: unknown, space?: number): string {
  return JSON.stringify(
    value,
    (_key, v) => typeof v === "number" && !Number.isFinite(v) ? null : v,
    space,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Creates the run folder `path` (and its parents) and writes `config` to `config.json`. Throws
 * naming the file when the folder already holds a `config.json` (resume that run instead).
 * Returns `path`.
 *
 * @example
 * ```ts
 * import { createRunDir } from "./run_dir.ts";
 * const runs = await Deno.makeTempDir(); // e.g. runs/
 * await createRunDir(`${runs}/sst-full-20250101-120000`, { task: "sst", lr: 2e-5 });
 * ```
 */
export async function createRunDir(path: string, config: object): Promise<string> {
  await checkOutFolder(path);
  await Deno.mkdir(path, { recursive: true });
  const file = join(path, RUN_FILES.config);
  if (await pathExists(file)) {
    throw new Error(`${file} already exists: choose another --out, or --resume ${path}`);
  }
  await writeTextAtomic(file, toJson(config, 2) + "\n");
  return path;
}

/** A log file a wrapper may write into the run folder before the run starts (experiment cells). */
export const WRAPPER_LOG = "train.log";

/**
 * Throws naming `path` when it cannot become a new run folder: it is a file, or a folder that
 * holds other things and is not a run folder (nothing of someone else's is written into).
 *
 * @example
 * ```ts
 * import { checkOutFolder } from "./run_dir.ts";
 * await checkOutFolder("runs/new-run"); // fine: does not exist yet
 * ```
 */
export async function checkOutFolder(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (!info.isDirectory) {
    throw new Error(`--out: ${path} is a file, not a folder: choose a new folder for the run`);
  }
  if (await pathExists(join(path, RUN_FILES.config))) {
    throw new Error(
      `--out: ${path} already holds a run (${RUN_FILES.config}): choose another --out, or ` +
        `--resume=${path}`,
    );
  }
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) {
    // A wrapper's log of this very run (the experiment runner's `train.log`) may come first.
    if (entry.name !== WRAPPER_LOG) names.push(entry.name);
  }
  if (names.length > 0) {
    throw new Error(
      `--out: ${path} is not empty and is not a run folder (it holds ${
        names.sort().slice(0, 3).join(", ")
      }${names.length > 3 ? ", …" : ""}): choose a new or empty folder`,
    );
  }
}

async function readJsonFile(file: string): Promise<unknown> {
  const text = await Deno.readTextFile(file);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * The configuration saved by {@linkcode createRunDir}. Throws naming the file when it is missing
 * or not a JSON object.
 *
 * @example
 * ```ts
 * import { readRunConfig } from "./run_dir.ts";
 * import { createRunDir } from "./run_dir.ts";
 * const run = await createRunDir(`${await Deno.makeTempDir()}/sst-full`, { task: "sst", lr: 2e-5 });
 * const config = await readRunConfig(run);
 * console.log(config.lr); // 0.00002
 * ```
 */
export async function readRunConfig(dir: string): Promise<Record<string, unknown>> {
  const file = join(dir, RUN_FILES.config);
  if (!(await pathExists(file))) throw new Error(`${file} not found: ${dir} is not a run folder`);
  const value = await readJsonFile(file);
  if (!isPlainObject(value)) throw new Error(`${file}: expected a JSON object`);
  return value;
}

/**
 * Appends `record` as one line of `metrics.jsonl`. Throws when `record` is not a plain object.
 *
 * @example
 * ```ts
 * import { appendMetrics } from "./run_dir.ts";
 * const run = await Deno.makeTempDir(); // a run folder
 * await appendMetrics(run, { epoch: 1, train_loss: 1.23, dev_accuracy: 0.51 });
 * ```
 */
export async function appendMetrics(dir: string, record: MetricsRecord): Promise<void> {
  if (!isPlainObject(record)) {
    throw new Error(`appendMetrics(): record must be a plain object, got ${toJson(record)}`);
  }
  await Deno.writeTextFile(join(dir, RUN_FILES.metrics), toMetricsJson(record) + "\n", {
    append: true,
  });
}

/**
 * Rewrites a per-evaluation log of the run folder (`metrics.jsonl` by default; one line per
 * evaluation) atomically to its first `count` lines: after a resume, the file says what the
 * checkpoint saw, and lines written after the checkpoint (a run killed between an evaluation and
 * its save) are dropped rather than repeated. Returns how many were dropped.
 *
 * @example
 * ```ts
 * import { truncateMetrics } from "./run_dir.ts";
 * const dropped = await truncateMetrics("runs/x", 2); // keeps epochs 1 and 2
 * ```
 */
export async function truncateMetrics(
  dir: string,
  count: number,
  name: string = RUN_FILES.metrics,
): Promise<number> {
  const file = join(dir, name);
  if (!(await pathExists(file))) return 0;
  const lines = (await Deno.readTextFile(file)).split("\n").filter((l) => l.trim() !== "");
  if (lines.length <= count) return 0;
  await writeTextAtomic(file, lines.slice(0, count).map((l) => l + "\n").join(""));
  return lines.length - count;
}

/**
 * Every record of `metrics.jsonl`, in order (`[]` when the file does not exist yet). Blank lines
 * are skipped; a line that is not a JSON object throws naming the file and the line number.
 *
 * @example
 * ```ts
 * import { readMetrics } from "./run_dir.ts";
 * const best = Math.max(...(await readMetrics("runs/x")).map((r) => Number(r.dev_accuracy)));
 * ```
 */
export async function readMetrics(dir: string): Promise<MetricsRecord[]> {
  const file = join(dir, RUN_FILES.metrics);
  if (!(await pathExists(file))) return [];
  const out: MetricsRecord[] = [];
  (await Deno.readTextFile(file)).split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not valid JSON: ${line.slice(0, 80)}`);
    }
    if (!isPlainObject(value)) throw new Error(`${file}:${i + 1}: expected a JSON object`);
    out.push(value);
  });
  return out;
}

/**
 * Writes `summary` to `summary.json` atomically (replacing an earlier one).
 *
 * @example
 * ```ts
 * import { writeSummary } from "./run_dir.ts";
 * const run = await Deno.makeTempDir(); // a run folder
 * await writeSummary(run, { bestEpoch: 3, dev_accuracy: 0.518, seconds: 812 });
 * ```
 */
export async function writeSummary(dir: string, summary: MetricsRecord): Promise<void> {
  if (!isPlainObject(summary)) {
    throw new Error(`writeSummary(): summary must be a plain object, got ${toJson(summary)}`);
  }
  await writeTextAtomic(join(dir, RUN_FILES.summary), toMetricsJson(summary, 2) + "\n");
}

function checkState(state: unknown, where: string): TrainState {
  if (!isPlainObject(state)) throw new Error(`${where}: expected a JSON object`);
  for (const key of ["step", "epoch", "batchInEpoch"]) {
    const v = state[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      throw new Error(`${where}: key "${key}" must be an integer ≥ 0, got ${toJson(v)}`);
    }
  }
  if (!("rngState" in state)) throw new Error(`${where}: missing key "rngState"`);
  const best = state.bestMetric;
  if (
    best !== null && typeof best !== "number" && !["NaN", "Infinity", "-Infinity"].includes(
      best as string,
    )
  ) {
    throw new Error(`${where}: key "bestMetric" must be a number or null, got ${toJson(best)}`);
  }
  return state as TrainState;
}

/**
 * Saves the loop state to `train_state.json` atomically (a crash leaves the previous state).
 * Throws naming the key when `step`, `epoch` or `batchInEpoch` is not an integer ≥ 0.
 *
 * @example
 * ```ts
 * import { saveTrainState } from "./run_dir.ts";
 * const run = await Deno.makeTempDir(); // a run folder
 * await saveTrainState(run, {
 *   step: 120, epoch: 1, batchInEpoch: 13, rngState: [1, 2, 3, 4], bestMetric: 0.49,
 * });
 * ```
 */
export async function saveTrainState(dir: string, state: TrainState): Promise<void> {
  checkState(state, "saveTrainState()");
  await writeTextAtomic(join(dir, RUN_FILES.state), toJson(state, 2) + "\n");
}

/**
 * The state saved by {@linkcode saveTrainState}, or `null` when the run has none. Throws naming
 * the file and key when the file is malformed. A saved non-finite `bestMetric` comes back as a
 * number.
 *
 * @example
 * ```ts
 * import { loadTrainState } from "./run_dir.ts";
 * const state = await loadTrainState("runs/x"); // { step: 120, epoch: 1, … } or null
 * ```
 */
export async function loadTrainState(dir: string): Promise<TrainState | null> {
  const file = join(dir, RUN_FILES.state);
  if (!(await pathExists(file))) return null;
  const state = checkState(await readJsonFile(file), file);
  if (typeof state.bestMetric === "string") state.bestMetric = Number(state.bestMetric);
  return state;
}
