/**
 * `deno task train --resume=DIR [flags]`: the resumed run's configuration is the one saved in
 * `DIR/config.json`; the flags given beside `--resume` are checked against it. Flags that may
 * change between runs ({@linkcode RESUME_CHANGEABLE}: `--epochs`, `--max-steps`, `--lr`,
 * `--save-every`) replace the saved value with a note; any other flag must repeat the saved value
 * (`--task`, `--strategy`, `--model` and every other setting), else the resume is refused naming
 * each flag that differs. `--task` may be left out.
 *
 * @module
 */
import { readRunConfig } from "./run_dir.ts";
import { flagSetting, givenTrainFlags, parseTrainArgs, type TrainConfig } from "./train_config.ts";

/** Flags that `--resume` accepts with another value than the saved run's, and why it is safe. */
export const RESUME_CHANGEABLE: Readonly<Record<string, string>> = Object.freeze({
  epochs: "the run continues to the new number of epochs",
  "max-steps": "the run stops at the new step count",
  lr: "from the saved step on; the schedule and AdamW's moments continue",
  "save-every": "how often the resumable checkpoint is saved",
});

const IDENTITY: Readonly<Record<string, keyof TrainConfig>> = {
  task: "task",
  strategy: "strategy",
  model: "model",
};

const CHANGEABLE_KEYS = {
  epochs: "epochs",
  "max-steps": "maxSteps",
  lr: "lr",
  "save-every": "saveEvery",
} as const;

/**
 * The configuration of a `--resume` command line: the saved one, with the changeable flags of
 * `argv` applied (each change reported to `note`). Returns null when `argv` has no `--resume`.
 * Throws naming every flag that would change what may not change, and naming the folder when it
 * is not a run folder.
 *
 * @example
 * ```ts
 * import { resumedConfig } from "./resume_flags.ts";
 * import { createRunDir } from "./run_dir.ts";
 * import { parseTrainArgs } from "./train_config.ts";
 * const run = await Deno.makeTempDir();
 * await createRunDir(run, parseTrainArgs(["--task=sonnet", "--model=tiny", "--epochs=10"]));
 * const config = await resumedConfig([`--resume=${run}`, "--epochs=12"], console.error);
 * // note: "--epochs: 10 → 12 (the run continues to the new number of epochs)"
 * console.log(config?.epochs, config?.model); // 12 tiny
 * ```
 */
export async function resumedConfig(
  argv: string[],
  note: (message: string) => void,
): Promise<TrainConfig | null> {
  const given = givenTrainFlags(argv);
  const dir = given.resume;
  if (dir === undefined) return null;
  const saved = { saveEvery: null, ...(await readRunConfig(dir)) } as unknown as TrainConfig;
  const problems: string[] = [];
  for (const [flag, key] of Object.entries(IDENTITY)) {
    const value = given[flag];
    if (value !== undefined && value !== saved[key]) {
      problems.push(`--${flag}=${value}: the run is --${flag}=${saved[key]}`);
    }
  }
  refuse(dir, problems);
  const asked = parseTrainArgs([
    ...argv,
    ...(given.task === undefined ? [`--task=${saved.task}`] : []),
    ...(given.strategy === undefined ? [`--strategy=${saved.strategy}`] : []),
  ]);
  const config: TrainConfig = { ...saved, resume: dir, out: dir };
  for (const flag of Object.keys(given)) {
    if (flag in IDENTITY || flag === "resume" || flag === "out") continue;
    const before = flagSetting(saved, flag);
    const after = flagSetting(asked, flag);
    if (before === after) continue;
    if (flag in RESUME_CHANGEABLE) {
      const key = CHANGEABLE_KEYS[flag as keyof typeof CHANGEABLE_KEYS];
      (config as unknown as Record<string, unknown>)[key] = asked[key];
      note(`--${flag}: ${before} → ${after} (${RESUME_CHANGEABLE[flag]})`);
    } else {
      problems.push(`--${flag}=${after}: the run has ${before}, which cannot change on --resume`);
    }
  }
  refuse(dir, problems);
  return config;
}

function refuse(dir: string, problems: string[]): void {
  if (problems.length === 0) return;
  throw new Error(
    `--resume=${dir}: ${problems.join("; ")}. Only ${
      Object.keys(RESUME_CHANGEABLE).map((f) => `--${f}`).join(", ")
    } may change; start a new run for anything else`,
  );
}
