/**
 * `deno task data [--task=NAME] [--data-dir=DIR]`: downloads the CS224N data files that are not
 * in the data folder yet (all tasks' by default) and lists where each file is read from. The
 * folder is `--data-dir`, else `$GPT2_DATA_DIR`, else the data cache; training does the same on
 * first use, so this command is for preparing a machine that will be offline later.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { resolveDataDir } from "../data/data_dir.ts";
import { ensureDataFiles, type EnsureDataOptions } from "../data/data_fetch.ts";
import { DATA_SETS } from "../data/data_files.ts";
import { runCommand } from "./run_command.ts";

const HELP = `Usage: deno task data [--task=NAME] [--data-dir=DIR]

Downloads the CS224N data files missing from the data folder and prints where each is read from.
  --task=NAME     ${Object.keys(DATA_SETS).join(" | ")} (default: all of them)
  --data-dir=DIR  the data folder (else $GPT2_DATA_DIR, else ~/.cache/gpt2-webgpu/data)
  --debug         show the stack trace of an error
The sonnet files ship with the toolkit; the others come from public copies of the CS224N starter
repositories on GitHub (raw.githubusercontent.com).`;

/**
 * Runs `deno task data` with `argv`; returns the path of each file, by name.
 *
 * @example
 * ```ts
 * import { fetchData } from "./data.ts";
 * const dir = await Deno.makeTempDir();
 * const paths = await fetchData(["--task=sonnet", `--data-dir=${dir}`]); // ships: no download
 * console.log(paths.get("sonnets.txt")); // …/tasks/data/sonnets/sonnets.txt
 * // --task=sst would download its three files into dir (from raw.githubusercontent.com)
 * ```
 */
export async function fetchData(
  argv: string[],
  options: EnsureDataOptions = {},
): Promise<Map<string, string>> {
  const { values } = parseArgs({
    args: argv,
    options: {
      task: { type: "string" },
      "data-dir": { type: "string" },
      debug: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  const task = values.task;
  if (task !== undefined && DATA_SETS[task] === undefined) {
    throw new Error(
      `--task: expected one of ${Object.keys(DATA_SETS).join(", ")}, got ${JSON.stringify(task)}`,
    );
  }
  const names = task === undefined ? Object.values(DATA_SETS).flat() : DATA_SETS[task];
  const dir = resolveDataDir(values["data-dir"]);
  const paths = await ensureDataFiles(dir, names, options);
  return new Map(names.map((n, i) => [n, paths[i]]));
}

if (import.meta.main) {
  await runCommand(Deno.args, HELP, async (argv) => {
    const paths = await fetchData(argv, { log: (m) => console.error(m) });
    for (const [name, path] of paths) console.log(`${name.padEnd(30)} ${path}`);
  });
}
