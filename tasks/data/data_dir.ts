/**
 * Where the CS224N data files live: a `--data-dir` flag, else the `GPT2_DATA_DIR` environment
 * variable, else `./data`. The toolkit never assumes the folder's location.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Environment variable naming the data directory when no `--data-dir` flag is given. */
export const DATA_DIR_ENV = "GPT2_DATA_DIR";

/** Data directory used when neither the flag nor the environment variable is set. */
export const DEFAULT_DATA_DIR = "./data";

/**
 * The data directory: `flag` (the `--data-dir` value) when given and non-empty, else the
 * `GPT2_DATA_DIR` environment variable when set and non-empty, else `./data`.
 * Reading the environment needs `--allow-env`.
 *
 * @example
 * ```ts
 * import { resolveDataDir } from "./data_dir.ts";
 * const dir = resolveDataDir("/srv/cs224n"); // "/srv/cs224n", whatever GPT2_DATA_DIR says
 * ```
 */
export function resolveDataDir(flag?: string): string {
  if (flag !== undefined && flag !== "") return flag;
  const fromEnv = Deno.env.get(DATA_DIR_ENV);
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return DEFAULT_DATA_DIR;
}

/**
 * Path of data file `name` inside `dir`, checked to exist as a file. When it does not, the error
 * names the full (absolute) path and says where the data sets come from and how to point the
 * toolkit at them.
 *
 * @example
 * ```ts
 * import { dataFile, resolveDataDir } from "./data_dir.ts";
 * const path = dataFile(resolveDataDir(), "ids-sst-train.csv");
 * ```
 */
export function dataFile(dir: string, name: string): string {
  const path = join(dir, name);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(missingMessage(path, "not found"));
    throw error;
  }
  if (!info.isFile) throw new Error(missingMessage(path, "is not a file"));
  return path;
}

function missingMessage(path: string, what: string): string {
  return `data file ${resolve(path)} ${what}. The CS224N data sets (ids-sst-*, ids-cfimdb-*, ` +
    `quora-*, sonnets*.txt) come from the Stanford CS224N "Build GPT-2" project; point the ` +
    `toolkit at the folder holding them with --data-dir or the ${DATA_DIR_ENV} environment ` +
    `variable.`;
}

/**
 * Data directory for tests: `GPT2_DATA_DIR` when set, else the `shared/data` folder beside the
 * repository (CI clones the repository with `shared/` next to it).
 *
 * @example
 * ```ts
 * import { dataFile, testDataDir } from "./data_dir.ts";
 * const sonnets = dataFile(testDataDir(), "sonnets.txt");
 * ```
 */
export function testDataDir(): string {
  const fromEnv = Deno.env.get(DATA_DIR_ENV);
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return fileURLToPath(new URL("../../../shared/data/", import.meta.url));
}
