/**
 * An experiment plan: one task, named arms (a strategy plus train flags each), the seeds, and the
 * study's reported numbers beside the arms. Written as JSON (`--plan FILE`) or made from the
 * command line (`--task=sst --arms=full,last-linear`).
 *
 * ```json
 * {
 *   "task": "sst",
 *   "description": "SEED.md task 1, SST-5 dev",
 *   "seeds": 5,
 *   "flags": { "max-length": 128 },
 *   "study": { "source": "SEED.md (one run per arm)" },
 *   "arms": [
 *     { "name": "full", "strategy": "full", "study": { "dev_accuracy": 0.518 } },
 *     { "name": "ulmfit-lr3e-4", "strategy": "ulmfit", "flags": { "lr": 3e-4 } }
 *   ]
 * }
 * ```
 *
 * Every flag is checked as `deno task train` would check it, before anything runs: an unknown
 * flag, a malformed value, a strategy the task does not have, or arms of different tasks is an
 * error naming the file, the arm and the flag. `seed`, `out`, `resume`, `task` and `strategy` are
 * the experiment's to set and are refused as flags.
 *
 * @module
 */
import { parseTrainArgs, TASK_NAMES, TASK_STRATEGIES } from "../engine/train_config.ts";

/** One arm: a strategy and its flag overrides. */
export interface Arm {
  /** Folder-safe name, unique in the plan. */
  name: string;
  /** A strategy of the plan's task. */
  strategy: string;
  /** Train flags as `--name=value`, in the order they apply (plan-wide first, the arm's last). */
  flags: string[];
  /** The study's reported numbers for this arm, by metric name (metric units, e.g. 0.518). */
  study: Record<string, number>;
}

/** A resolved plan. */
export interface Plan {
  /** Name (the plan file's base name, or `<task>-<arms>`). */
  name: string;
  /** Where the plan came from (a file path, or "command line"). */
  source: string;
  /** The task every arm trains. */
  task: string;
  /** Free text shown at the top of the report. */
  description: string;
  /** Seeds, one cell per arm and seed. */
  seeds: number[];
  /** The arms. */
  arms: Arm[];
  /** Where the study's numbers come from (shown in the report), or "". */
  studySource: string;
}

/** The first seed of `--seeds=N`: the toolkit's default seed, so seed 1 of N is the default run. */
export const FIRST_SEED = 11711;

/** Flags an arm may not set: the experiment sets them per cell. */
export const RESERVED_FLAGS: readonly string[] = ["task", "strategy", "seed", "out", "resume"];

const ARM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The seeds `spec` asks for: a count N (seeds 11711 … 11711 + N − 1) or a comma list of seeds.
 * Throws naming `where` for anything else.
 *
 * @example
 * ```ts
 * parseSeeds("3", "--seeds"); // [11711, 11712, 11713]
 * parseSeeds("1,7", "--seeds"); // [1, 7]
 * ```
 */
export function parseSeeds(spec: string | number | number[], where: string): number[] {
  const bad = () =>
    new Error(
      `${where}: expected a count (e.g. 3) or a comma list of seeds, got ${JSON.stringify(spec)}`,
    );
  const isSeed = (v: number) => Number.isInteger(v) && v >= 0 && v < 2 ** 32;
  if (Array.isArray(spec)) {
    if (spec.length === 0 || !spec.every(isSeed)) throw bad();
    return [...spec];
  }
  const text = String(spec).trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1 || n > 1000) throw bad();
    return Array.from({ length: n }, (_, i) => FIRST_SEED + i);
  }
  const list = text.split(",").map((s) => s.trim());
  if (list.length < 2 || !list.every((s) => /^\d+$/.test(s))) throw bad();
  const seeds = list.map(Number);
  if (!seeds.every(isSeed) || new Set(seeds).size !== seeds.length) throw bad();
  return seeds;
}

/** `{ lr: 0.001 }` → `["--lr=0.001"]`, naming `where` for a value that is not a string/number. */
function flagsFromObject(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where}: "flags" must be an object of flag names and values`);
  }
  return Object.entries(value).map(([name, v]) => {
    if (typeof v !== "string" && typeof v !== "number") {
      throw new Error(
        `${where}: flag ${name}: value must be a string or a number, got ${JSON.stringify(v)}`,
      );
    }
    return `--${name.replace(/^--/, "")}=${v}`;
  });
}

function flagName(flag: string): string {
  return flag.replace(/^--/, "").split("=")[0];
}

/**
 * Checks one arm's strategy and flags against `deno task train`'s rules; throws naming `where`
 * (file and arm), the flag and the problem.
 */
function checkArm(task: string, arm: Arm, where: string): void {
  const strategies = TASK_STRATEGIES[task as keyof typeof TASK_STRATEGIES];
  if (!strategies.includes(arm.strategy)) {
    throw new Error(
      `${where}: strategy ${JSON.stringify(arm.strategy)} is not a strategy of task ${task} ` +
        `(${task} has: ${strategies.join(", ")})`,
    );
  }
  const base = [`--task=${task}`, `--strategy=${arm.strategy}`];
  for (const flag of arm.flags) {
    const name = flagName(flag);
    if (name === "help" || name === "h" || RESERVED_FLAGS.includes(name)) {
      throw new Error(`${where}: flag --${name} is set by the experiment, not by a plan`);
    }
    try {
      parseTrainArgs([...base, flag]);
    } catch (error) {
      throw new Error(`${where}: flag --${name}: ${(error as Error).message}`);
    }
  }
  try {
    parseTrainArgs([...base, ...arm.flags]);
  } catch (error) {
    throw new Error(`${where}: its flags together: ${(error as Error).message}`);
  }
}

function checkStudy(value: unknown, where: string): Record<string, number> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where}: "study" must be an object of metric names and numbers`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new Error(`${where}: study metric ${k} must be a number, got ${JSON.stringify(v)}`);
    }
  }
  return value as Record<string, number>;
}

function checkKeys(object: Record<string, unknown>, allowed: string[], where: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw new Error(
        `${where}: unknown key ${JSON.stringify(key)} (expected ${allowed.join(", ")})`,
      );
    }
  }
}

/** Options shared by {@linkcode planFromJson} and {@linkcode planFromArms}. */
export interface PlanOverrides {
  /** `--seeds` from the command line (wins over the plan's). */
  seeds?: string;
  /** Train flags from the command line, for every arm (an arm's own flag wins). */
  flags?: string[];
  /** `--task` from the command line: must match the plan's. */
  task?: string;
  /** `--only=a,b`: run only these arms of the plan (names). */
  only?: string;
}

/** The plan's arms named in `only` (a comma list), in plan order; throws naming an unknown one. */
function selectArms(arms: unknown[], only: string, source: string): unknown[] {
  const names = arms.map((a) => {
    const r = a as Record<string, unknown> | null;
    return String(r?.name ?? r?.strategy);
  });
  const wanted = only.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const w of wanted) {
    if (!names.includes(w)) {
      throw new Error(`--only: plan ${source} has no arm ${w} (its arms: ${names.join(", ")})`);
    }
  }
  if (wanted.length === 0) {
    throw new Error(`--only: expected a comma list of arm names, got "${only}"`);
  }
  return arms.filter((_, i) => wanted.includes(names[i]));
}

function checkTask(task: unknown, where: string): string {
  if (typeof task !== "string" || !(TASK_NAMES as readonly string[]).includes(task)) {
    throw new Error(
      `${where}: task ${JSON.stringify(task)} is not one of ${TASK_NAMES.join(", ")}`,
    );
  }
  return task;
}

/**
 * Resolves a plan file's parsed JSON (`source` names the file in every error) with the command
 * line's overrides. See the module doc for the format and the checks.
 *
 * @example
 * ```ts
 * const plan = planFromJson(
 *   { task: "sst", arms: [{ name: "full", strategy: "full" }] },
 *   "plans/x.json",
 *   { seeds: "2", flags: ["--model=tiny"] },
 * );
 * plan.arms[0].flags; // ["--model=tiny"]
 * ```
 */
export function planFromJson(json: unknown, source: string, overrides: PlanOverrides = {}): Plan {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error(`plan ${source}: expected a JSON object`);
  }
  const raw = json as Record<string, unknown>;
  checkKeys(
    raw,
    ["name", "task", "description", "seeds", "flags", "study", "arms"],
    `plan ${source}`,
  );
  if (!Array.isArray(raw.arms) || raw.arms.length === 0) {
    throw new Error(`plan ${source}: "arms" must be a non-empty list`);
  }
  const rawArms = overrides.only === undefined
    ? raw.arms
    : selectArms(raw.arms, overrides.only, source);
  const armTasks = rawArms.map((a, i) => {
    const t = (a as Record<string, unknown> | null)?.task;
    const name = (a as Record<string, unknown> | null)?.name ?? `#${i + 1}`;
    return { name: String(name), task: t === undefined ? raw.task : t };
  });
  const tasks = new Set(armTasks.map((a) => a.task));
  if (tasks.size > 1) {
    throw new Error(
      `plan ${source}: arms of different tasks (${
        armTasks.map((a) => `${a.name}: ${a.task}`).join(", ")
      }); an experiment compares arms of one task`,
    );
  }
  const task = checkTask([...tasks][0], `plan ${source}`);
  if (overrides.task !== undefined && overrides.task !== task) {
    throw new Error(`--task=${overrides.task} differs from the task of plan ${source} (${task})`);
  }
  const planFlags = flagsFromObject(raw.flags, `plan ${source}`);
  const cliFlags = overrides.flags ?? [];
  const study = raw.study as Record<string, unknown> | undefined;
  const names = new Set<string>();
  const arms: Arm[] = rawArms.map((a, i) => {
    const at = `plan ${source}: arm ${i + 1}`;
    if (typeof a !== "object" || a === null || Array.isArray(a)) {
      throw new Error(`${at}: not an object`);
    }
    const r = a as Record<string, unknown>;
    checkKeys(r, ["name", "task", "strategy", "flags", "study", "note"], at);
    const name = r.name ?? r.strategy;
    if (typeof name !== "string" || !ARM_NAME.test(name)) {
      throw new Error(`${at}: name ${JSON.stringify(name)} must be letters, digits, . _ -`);
    }
    if (names.has(name)) throw new Error(`plan ${source}: arm name ${name} appears twice`);
    names.add(name);
    if (typeof r.strategy !== "string") {
      throw new Error(`plan ${source}: arm ${name}: no "strategy"`);
    }
    const own = flagsFromObject(r.flags, `plan ${source}: arm ${name}`);
    const ownNames = new Set(own.map(flagName));
    // Each flag once (train refuses a repeated flag): the command line's beats the plan's, the
    // arm's own beats both.
    const cliNames = new Set(cliFlags.map(flagName));
    const inherited = [
      ...planFlags.filter((f) => !cliNames.has(flagName(f))),
      ...cliFlags,
    ].filter((f) => !ownNames.has(flagName(f)));
    const arm = {
      name,
      strategy: r.strategy,
      flags: [...inherited, ...own],
      study: checkStudy(r.study, `plan ${source}: arm ${name}`),
    };
    checkArm(task, arm, `plan ${source}: arm ${name}`);
    return arm;
  });
  const seedSpec = overrides.seeds ?? (raw.seeds as string | number | number[] | undefined) ?? 3;
  return {
    name: typeof raw.name === "string"
      ? raw.name
      : source.replace(/^.*\//, "").replace(/\.json$/, ""),
    source,
    task,
    description: typeof raw.description === "string" ? raw.description : "",
    seeds: parseSeeds(
      seedSpec,
      overrides.seeds !== undefined ? "--seeds" : `plan ${source}: seeds`,
    ),
    arms,
    studySource: typeof study?.source === "string" ? study.source : "",
  };
}

/**
 * A plan of the command line's `--task=T --arms=a,b` (each arm named by its strategy).
 *
 * @example
 * ```ts
 * const plan = planFromArms("sst", "full,last-linear", { seeds: "3", flags: ["--model=tiny"] });
 * plan.arms.map((a) => a.name); // ["full", "last-linear"]
 * ```
 */
export function planFromArms(task: string, arms: string, overrides: PlanOverrides = {}): Plan {
  const names = arms.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) {
    throw new Error(`--arms: expected a comma list of strategies, got "${arms}"`);
  }
  const json = { task, arms: names.map((n) => ({ name: n, strategy: n })) };
  const plan = planFromJson(json, `--arms=${arms}`, { ...overrides, task: undefined });
  return { ...plan, name: `${task}-${names.join("-")}` };
}

/**
 * Reads and resolves a plan file (see {@linkcode planFromJson}).
 *
 * @example
 * ```ts
 * // the study's SST table (a path from the repository root), with 2 seeds instead of its 5
 * const plan = await loadPlan("tasks/experiment/plans/sst.json", { seeds: "2" });
 * console.log(plan.arms.map((a) => a.name), plan.seeds); // ["full", "ulmfit", "last-linear"] [11711, 11712]
 * ```
 */
export async function loadPlan(path: string, overrides: PlanOverrides = {}): Promise<Plan> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new Error(`plan ${path}: cannot read it (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`plan ${path}: not valid JSON (${(error as Error).message})`);
  }
  return planFromJson(json, path, overrides);
}
