/**
 * `deno task eval --task=NAME <file flags>`: scores a task's output files without a model. Each
 * task's registry entry says which file flags it takes and how it scores them:
 *
 * - `--task=sst|cfimdb|quora --pred FILE --gold FILE`: a predictions file (`id,Predicted_…`,
 *   either CS224N style) against a labelled data file: accuracy, macro F1, per-class precision,
 *   recall and F1, and the confusion matrix. Every prediction must name a gold id and every gold
 *   id must be predicted, once.
 * - `--task=sonnet --generated FILE --gold FILE`: a generated sonnet file against the gold
 *   sonnets (`TRUE_sonnets_held_out_dev.txt`) with every file-based sonnet metric. `--generated`
 *   may be given several times (the samples of one run, `--samples=N`): each file is scored
 *   against the gold and every metric printed as mean ± sd over the files (sample sd, n − 1).
 *
 * `--strict` (any task) makes every file problem an error: for sonnets, generated numbers missing,
 * repeated or not in the gold file (by default they are reported by number and left out of the
 * scores; sonnets are always paired by number, never by position). Unknown flags are errors.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { findTask, TASKS } from "../registry.ts";
import { runCommand } from "./run_command.ts";

/**
 * The parsed `deno task eval` command line: the task, its files by flag name (a list for a
 * repeatable flag given more than once), and `strict: true` when `--strict` was given.
 */
export type EvalArgs =
  & { task: string; strict?: boolean }
  & Record<string, string | boolean | string[]>;

/** Usage text of `deno task eval`, one line per task. */
export const EVAL_USAGE = "Usage:\n" +
  TASKS.map((t) =>
    `  deno task eval --task=${t.name} ${
      t.evaluation.flags.map((f) =>
        `--${f}=FILE${t.evaluation.repeatable?.includes(f) ? ` [--${f}=FILE …]` : ""}`
      ).join(" ")
    } [--strict]\n`
  ).join("");

/**
 * Parses the `deno task eval` flags strictly: unknown flags, positionals, a missing or
 * inapplicable file flag, a file flag given twice that the task takes once, or an unknown task
 * throw naming the flag.
 *
 * @example
 * ```ts
 * parseEvalArgs(["--task=sst", "--pred", "dev-out.csv", "--gold", "ids-sst-dev.csv"]);
 * // { task: "sst", pred: "dev-out.csv", gold: "ids-sst-dev.csv" }
 * ```
 */
export function parseEvalArgs(argv: string[]): EvalArgs {
  const fileFlags = [...new Set(TASKS.flatMap((t) => t.evaluation.flags))];
  let values: Record<string, string[] | undefined>;
  let name: string | undefined;
  let strict = false;
  try {
    const parsed = parseArgs({
      args: argv,
      options: {
        task: { type: "string" as const },
        ...Object.fromEntries(
          fileFlags.map((f) => [f, { type: "string" as const, multiple: true as const }]),
        ),
        strict: { type: "boolean" as const },
      },
      strict: true,
      allowPositionals: false,
    }).values;
    strict = parsed.strict === true;
    delete parsed.strict;
    name = parsed.task as string | undefined;
    delete parsed.task;
    values = parsed as Record<string, string[] | undefined>;
  } catch (error) {
    throw new Error(`eval: ${(error as Error).message}\n${EVAL_USAGE}`);
  }
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
  if (strict) out.strict = true;
  for (const flag of task.evaluation.flags) {
    const v = values[flag] ?? [];
    if (v.length === 0 || v.some((f) => f === "")) {
      throw new Error(`eval: --${flag}=FILE is required for --task=${name}`);
    }
    if (v.length > 1 && !task.evaluation.repeatable?.includes(flag)) {
      throw new Error(
        `eval: --${flag} is given ${v.length} times (${v.join(", ")}); --task=${name} takes one`,
      );
    }
    out[flag] = v.length === 1 ? v[0] : [...v];
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
  const { task, strict, ...given } = parseEvalArgs(argv);
  const files: Record<string, string> = {};
  const repeated: Record<string, string[]> = {};
  for (const [flag, value] of Object.entries(given)) {
    if (Array.isArray(value)) [files[flag], repeated[flag]] = [value[0], value];
    else files[flag] = value as string;
  }
  return await findTask(task).evaluation.run(files, warn, { strict: strict === true, repeated });
}

if (import.meta.main) {
  await runCommand(Deno.args, null, async (argv) => void console.log(await runEval(argv)));
}
