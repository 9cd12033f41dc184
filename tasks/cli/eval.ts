/**
 * `deno task eval --task=NAME <file flags>`: scores a task's output files without a model. Each
 * task's registry entry says which file flags it takes and how it scores them:
 *
 * - `--task=sst|cfimdb|quora --pred FILE --gold FILE`: a predictions file (`id,Predicted_…`,
 *   either CS224N style) against a labelled data file: accuracy, macro F1, per-class precision,
 *   recall and F1, and the confusion matrix. Every prediction must name a gold id and every gold
 *   id must be predicted, once.
 * - `--task=sonnet --generated FILE --gold FILE`: a generated sonnet file against the gold
 *   sonnets (`TRUE_sonnets_held_out_dev.txt`) with every file-based sonnet metric.
 *
 * Unknown flags are errors.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { findTask, TASKS } from "../registry.ts";
import { runCommand } from "./run_command.ts";

/** The parsed `deno task eval` command line: the task and its files by flag name. */
export type EvalArgs = { task: string } & Record<string, string>;

/** Usage text of `deno task eval`, one line per task. */
export const EVAL_USAGE = "Usage:\n" +
  TASKS.map((t) =>
    `  deno task eval --task=${t.name} ${t.evaluation.flags.map((f) => `--${f}=FILE`).join(" ")}\n`
  ).join("");

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
  const fileFlags = [...new Set(TASKS.flatMap((t) => t.evaluation.flags))];
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: Object.fromEntries(
        ["task", ...fileFlags].map((f) => [f, { type: "string" as const }]),
      ),
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new Error(`eval: ${(error as Error).message}\n${EVAL_USAGE}`);
  }
  const name = values.task;
  const task = TASKS.find((t) => t.name === name);
  if (!task) {
    throw new Error(
      `eval: --task must be one of ${TASKS.map((t) => t.name).join(", ")}, got ${
        JSON.stringify(name ?? null)
      }\n${EVAL_USAGE}`,
    );
  }
  for (const flag of fileFlags) {
    if (!task.evaluation.flags.includes(flag) && values[flag] !== undefined) {
      throw new Error(`eval: --${flag} does not apply to --task=${name}`);
    }
  }
  const out: EvalArgs = { task: task.name };
  for (const flag of task.evaluation.flags) {
    const v = values[flag];
    if (v === undefined || v === "") {
      throw new Error(`eval: --${flag}=FILE is required for --task=${name}`);
    }
    out[flag] = v;
  }
  return out;
}

/**
 * Runs `deno task eval` on `argv`: reads the files, scores them and returns the report text
 * (warnings go to `warn`). Throws on bad flags or files, naming them.
 *
 * @example
 * ```ts
 * const gold = new URL("../data/sonnets/TRUE_sonnets_held_out_dev.txt", import.meta.url).pathname;
 * console.log(await runEval(["--task=sonnet", `--generated=${gold}`, `--gold=${gold}`]));
 * // or --task=cfimdb --pred=<predictions csv> --gold=ids-cfimdb-dev.csv
 * ```
 */
export async function runEval(
  argv: string[],
  warn: (message: string) => void = (m) => console.error(m),
): Promise<string> {
  const { task, ...files } = parseEvalArgs(argv);
  return await findTask(task).evaluation.run(files, warn);
}

if (import.meta.main) {
  await runCommand(Deno.args, null, async (argv) => void console.log(await runEval(argv)));
}
