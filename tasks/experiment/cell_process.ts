/**
 * Runs one cell as its own `deno task train` process: a crash (even of the process) cannot take
 * the other cells with it, and every cell starts with a fresh WebGPU device, so GPU memory does
 * not pile up over a grid. The child's output is appended to the cell's `train.log` (and echoed).
 *
 * Stopping: when `interrupt.requested` turns true the child gets one SIGINT, saves its resumable
 * checkpoint after the current step and exits 130. The child runs in a session of its own
 * (`setsid`, where the system has it), so a Ctrl-C in the terminal reaches only the experiment,
 * which forwards it exactly once (a second SIGINT would make the train command quit at once).
 *
 * @module
 */
import { join } from "node:path";
import { pathExists } from "../../model/path_exists.ts";
import { type Cell, EXPERIMENT_FILES } from "./layout.ts";

/** How a cell's attempt ended. */
export interface CellOutcome {
  /** Completed (summary written), interrupted (checkpoint saved) or crashed. */
  status: "completed" | "interrupted" | "crashed";
  /** Exit code (null when the process could not start). */
  exitCode: number | null;
  /** Wall seconds. */
  seconds: number;
  /** For a crash: the train command's `error:` line, or what went wrong. */
  error?: string;
}

/** Options of {@linkcode runCellProcess}. */
export interface CellProcessOptions {
  /** Set by Ctrl-C; the child is asked to stop once it turns true. */
  interrupt: { requested: boolean };
  /** Receives each line of the child's output (default: none). */
  echo?: (line: string) => void;
  /** The train command's module (default: `../cli/train.ts` beside this folder). */
  trainCli?: string;
}

const TRAIN_CLI = new URL("../cli/train.ts", import.meta.url).href;
const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env", "--allow-net"];

/**
 * The train command's arguments for a cell: a fresh run (`--strategy`, the arm's flags, `--seed`,
 * `--out`) or a resumed one (`--resume`).
 *
 * @example
 * ```ts
 * cellArgs("sst", "full", ["--lr=1e-3"], { arm: "full", seed: 7, dir: "runs/e/full/seed-7" }, false);
 * // ["--task=sst", "--strategy=full", "--lr=1e-3", "--seed=7", "--out=runs/e/full/seed-7"]
 * ```
 */
export function cellArgs(
  task: string,
  strategy: string,
  flags: readonly string[],
  cell: Cell,
  resume: boolean,
): string[] {
  if (resume) return [`--task=${task}`, `--resume=${cell.dir}`];
  return [
    `--task=${task}`,
    `--strategy=${strategy}`,
    ...flags,
    `--seed=${cell.seed}`,
    `--out=${cell.dir}`,
  ];
}

async function findSetsid(): Promise<string | null> {
  for (const path of ["/usr/bin/setsid", "/bin/setsid"]) if (await pathExists(path)) return path;
  return null;
}

/** Copies a child's stream to the log file and, line by line, to `echo`; returns the last lines. */
async function pump(
  stream: ReadableStream<Uint8Array>,
  log: Deno.FsFile,
  echo: ((line: string) => void) | undefined,
  lastLines: string[],
): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    await log.write(chunk);
    partial += decoder.decode(chunk, { stream: true });
    const lines = partial.split(/\r?\n|\r/);
    partial = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === "") continue;
      echo?.(line);
      lastLines.push(line);
      if (lastLines.length > 50) lastLines.shift();
    }
  }
  if (partial.trim() !== "") {
    echo?.(partial);
    lastLines.push(partial);
  }
}

/**
 * Runs the train command with `args` for `cell`, its output appended to the cell's `train.log`,
 * and says how it ended. Never throws for the child's failure: a crash is an outcome.
 *
 * @example
 * ```ts
 * const cell = { arm: "full", seed: 11711, dir: await Deno.makeTempDir() };
 * // a cell whose flags the train command refuses: a crash, with the command's error line
 * const args = cellArgs("sst", "full", ["--lr=fast"], cell, false);
 * const outcome = await runCellProcess(cell, args, { interrupt: { requested: false } });
 * console.log(outcome.status, outcome.exitCode, outcome.error); // crashed 2 error: --lr …
 * ```
 */
export async function runCellProcess(
  cell: Cell,
  args: readonly string[],
  options: CellProcessOptions,
): Promise<CellOutcome> {
  await Deno.mkdir(cell.dir, { recursive: true });
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const log = await Deno.open(join(cell.dir, EXPERIMENT_FILES.log), { append: true, create: true });
  const lastLines: string[] = [];
  try {
    const header = `--- ${new Date().toISOString()} deno task train ${args.join(" ")}\n`;
    await log.write(new TextEncoder().encode(header));
    const setsid = await findSetsid();
    const command = [
      Deno.execPath(),
      "run",
      ...PERMISSIONS,
      options.trainCli ?? TRAIN_CLI,
      ...args,
    ];
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(setsid ?? command[0], {
        args: setsid ? command : command.slice(1),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      return {
        status: "crashed",
        exitCode: null,
        seconds: seconds(),
        error: (error as Error).message,
      };
    }
    let forwarded = false;
    const watch = setInterval(() => {
      if (options.interrupt.requested && !forwarded) {
        forwarded = true;
        try {
          child.kill("SIGINT");
        } catch { /* already ended */ }
      }
    }, 100);
    const [status] = await Promise.all([
      child.status,
      pump(child.stdout, log, options.echo, lastLines),
      pump(child.stderr, log, options.echo, lastLines),
    ]);
    clearInterval(watch);
    const code = status.code;
    if (code === 0 && (await pathExists(join(cell.dir, EXPERIMENT_FILES.summary)))) {
      return { status: "completed", exitCode: 0, seconds: seconds() };
    }
    if (code === 130 && (await pathExists(join(cell.dir, EXPERIMENT_FILES.checkpointState)))) {
      return { status: "interrupted", exitCode: 130, seconds: seconds() };
    }
    const errorLine = [...lastLines].reverse().find((l) => l.startsWith("error:"));
    const error = errorLine ??
      (code === 0 ? "exited 0 without writing summary.json" : `exited with status ${code}` +
        (status.signal ? ` (signal ${status.signal})` : ""));
    return { status: "crashed", exitCode: code, seconds: seconds(), error };
  } finally {
    log.close();
  }
}
