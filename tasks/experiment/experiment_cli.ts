/**
 * `deno task experiment`: runs a grid of arms × seeds for one task, then writes its report.
 *
 * ```sh
 * deno task experiment --task=sst --arms=full,last-linear --seeds=3 [train flags…]
 * deno task experiment --plan tasks/experiment/plans/sst.json [--only=full,ulmfit] [--seeds=5] [train flags…]
 * ```
 *
 * Any other `--flag=value` is a train flag for every cell (an arm's own flag wins). Ctrl-C lets
 * the running cell save its checkpoint and stops; the same command continues (`--out` defaults
 * to `runs/experiment-<plan name>`, the same each time). Exit status: 0 when every cell is done,
 * 1 when a cell crashed, 130 when interrupted, 2 for bad input.
 *
 * @module
 */
import { loadPlan, type Plan, planFromArms } from "./plan.ts";
import { writeReport } from "./report.ts";
import { type ExperimentResult, runExperiment } from "./runner.ts";

/** The experiment command's own options (everything else is a train flag). */
export interface ExperimentArgs {
  /** `--plan FILE`. */
  plan?: string;
  /** `--task=NAME` (with `--arms`). */
  task?: string;
  /** `--arms=a,b` (strategies). */
  arms?: string;
  /** `--only=a,b`: a subset of the plan's arms. */
  only?: string;
  /** `--seeds=N` or `--seeds=a,b,c`. */
  seeds?: string;
  /** `--out=DIR`. */
  out?: string;
  /** `--fail-fast`. */
  failFast: boolean;
  /** `--help`. */
  help: boolean;
  /** Train flags for every cell, as `--name=value`. */
  trainFlags: string[];
}

/** The `--help` text. */
export const EXPERIMENT_USAGE = `Usage:
  deno task experiment --task=NAME --arms=STRATEGY,STRATEGY [--seeds=N|a,b,c] [flags]
  deno task experiment --plan FILE [--seeds=N|a,b,c] [flags]

  --plan FILE      a plan (JSON): task, named arms with flag overrides, the study's numbers
                   (tasks/experiment/plans/ holds the study's tables)
  --only A,B       with --plan: only these arms of the plan
  --task, --arms   a plan of the named strategies, without overrides
  --seeds          a count (seeds 11711, 11712, …; default 3, or the plan's) or a list
  --out DIR        the experiment folder (default runs/experiment-<plan name>)
  --fail-fast      stop at the first crashed cell (default: report it and go on)
  other flags      train flags for every cell, e.g. --model=tiny --max-steps=20 (see deno task train --help)

Each cell is a run folder <out>/<arm>/seed-<seed>. Done cells are skipped; an interrupted cell
resumes from its checkpoint. The report (report.md, report.html) is written at the end;
deno task report DIR writes it again.
`;

const OWN = new Set(["plan", "task", "arms", "only", "seeds", "out"]);

/**
 * Splits the command line into the experiment's options and train flags (`--name=value` or
 * `--name value`). Throws naming the argument for a positional argument or a missing value.
 *
 * @example
 * ```ts
 * parseExperimentArgs(["--task=sst", "--arms=full", "--model", "tiny"]).trainFlags; // ["--model=tiny"]
 * ```
 */
export function parseExperimentArgs(argv: readonly string[]): ExperimentArgs {
  const out: ExperimentArgs = { failFast: false, help: false, trainFlags: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      out.help = true;
      continue;
    }
    if (arg === "--fail-fast") {
      out.failFast = true;
      continue;
    }
    const m = /^--([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new Error(`experiment: unexpected argument ${JSON.stringify(arg)} (see --help)`);
    const name = m[1];
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith("--")) {
        throw new Error(`experiment: --${name} needs a value`);
      }
    }
    if (OWN.has(name)) (out as unknown as Record<string, string>)[name] = value;
    else out.trainFlags.push(`--${name}=${value}`);
  }
  return out;
}

/**
 * The plan the arguments ask for. Throws for neither or both of `--plan` and `--arms`.
 *
 * @example
 * ```ts
 * const plan = await resolvePlan(parseExperimentArgs(["--task=sst", "--arms=full,ulmfit"]));
 * console.log(plan.name, plan.seeds); // sst-full-ulmfit [11711, 11712, 11713]
 * ```
 */
export async function resolvePlan(args: ExperimentArgs): Promise<Plan> {
  const overrides = { seeds: args.seeds, flags: args.trainFlags, task: args.task, only: args.only };
  if (args.plan !== undefined && args.arms !== undefined) {
    throw new Error("experiment: give --plan FILE or --task with --arms, not both");
  }
  if (args.plan !== undefined) return await loadPlan(args.plan, overrides);
  if (args.only !== undefined) throw new Error("experiment: --only selects arms of a --plan");
  if (args.arms === undefined || args.task === undefined) {
    throw new Error("experiment: give --plan FILE, or --task=NAME with --arms=a,b (see --help)");
  }
  return planFromArms(args.task, args.arms, overrides);
}

/**
 * Runs the experiment the command line asks for and writes its report.
 *
 * @example
 * ```ts
 * const out = await Deno.makeTempDir();
 * const argv = ["--task=sst", "--arms=full,last-linear", "--seeds=2", "--model=tiny", `--out=${out}`];
 * // Ctrl-C sets `interrupt.requested`; set before the first cell, nothing runs, the report is
 * // still written (naming the 4 cells left to run) and the same command continues the grid.
 * const result = await runExperimentCommand(argv, { interrupt: { requested: true } });
 * console.log(result.status, result.cells.length); // interrupted 4
 * ```
 */
export async function runExperimentCommand(
  argv: readonly string[],
  options: { interrupt?: { requested: boolean }; log?: (m: string) => void } = {},
): Promise<ExperimentResult & { out: string }> {
  const args = parseExperimentArgs(argv);
  const plan = await resolvePlan(args);
  const out = args.out ?? `runs/experiment-${plan.name}`;
  const result = await runExperiment(plan, {
    out,
    failFast: args.failFast,
    interrupt: options.interrupt,
    log: options.log,
  });
  const files = await writeReport(out, { log: options.log });
  (options.log ?? ((m: string) => console.error(m)))(`report: ${files.md}, ${files.html}`);
  return { ...result, out };
}

if (import.meta.main) {
  const interrupt = { requested: false };
  const onSigint = () => {
    if (interrupt.requested) Deno.exit(130);
    interrupt.requested = true;
    console.error("\nCtrl-C: the running cell saves its checkpoint, then the experiment stops");
  };
  try {
    if (parseExperimentArgs(Deno.args).help) {
      console.log(EXPERIMENT_USAGE);
      Deno.exit(0);
    }
    Deno.addSignalListener("SIGINT", onSigint);
    const result = await runExperimentCommand(Deno.args, { interrupt });
    const crashed = result.cells.some((c) => c.outcome?.status === "crashed");
    Deno.exit(result.status === "interrupted" ? 130 : crashed ? 1 : 0);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(2);
  }
}
