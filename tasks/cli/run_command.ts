/**
 * The shell around every command line: `--help` prints the usage, a user error ends with one
 * `error: …` paragraph and exit status 2 (no stack trace), and `--debug` (anywhere on the line)
 * adds the stack trace and every cause.
 *
 * @module
 */
import { HelpRequested } from "../engine/train_config.ts";

/** Removes `--debug` from `argv`; says whether it was there. */
export function takeDebugFlag(argv: readonly string[]): { debug: boolean; rest: string[] } {
  const rest = argv.filter((a) => a !== "--debug");
  return { debug: rest.length !== argv.length, rest };
}

/**
 * The text printed for an error: `error: <message>`, and with `debug` the stack and each
 * `cause` in turn.
 *
 * @example
 * ```ts
 * import { formatCommandError } from "./run_command.ts";
 * console.log(formatCommandError(new Error("--lr: expected a number"), false));
 * // error: --lr: expected a number
 * ```
 */
export function formatCommandError(error: unknown, debug: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!debug) return `error: ${message}`;
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && depth < 8; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return `error: ${message}\n\n${parts.join("\ncaused by: ")}`;
}

/**
 * Runs a command's `main` with `argv` minus `--debug` and exits: with `main`'s status (default
 * 0); 0 after printing `help` (or a {@linkcode HelpRequested}'s text) for `--help`/`-h`; 2 after
 * printing {@linkcode formatCommandError} for any error.
 *
 * Not run by the doc tests (`ignore`): it ends the process.
 *
 * @example
 * ```ts ignore
 * import { runCommand } from "./run_command.ts";
 * await runCommand(Deno.args, "Usage: hello", () => console.log("hello"));
 * ```
 */
export async function runCommand(
  argv: readonly string[],
  help: string | null,
  main: (argv: string[]) => Promise<number | void> | number | void,
): Promise<never> {
  const { debug, rest } = takeDebugFlag(argv);
  if (help !== null && rest.some((a) => a === "--help" || a === "-h")) {
    console.log(help);
    Deno.exit(0);
  }
  try {
    Deno.exit((await main(rest)) ?? 0);
  } catch (error) {
    if (error instanceof HelpRequested) {
      console.log(error.message);
      Deno.exit(0);
    }
    console.error(formatCommandError(error, debug));
    Deno.exit(2);
  }
}
