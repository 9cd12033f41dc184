/**
 * Where the CS224N data files live: a `--data-dir` flag, else the `GPT2_DATA_DIR` environment
 * variable, else the data cache (`$GPT2_CACHE_DIR/data`, else `~/.cache/gpt2-webgpu/data`),
 * which `deno task data` and the first training run fill. The sonnet files also ship with the
 * module (`tasks/data/sonnets/`): a folder without them falls back to those.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DATA_FILES, dataFileUrl } from "./data_files.ts";

/** Environment variable naming the data directory when no `--data-dir` flag is given. */
export const DATA_DIR_ENV = "GPT2_DATA_DIR";

/**
 * The data cache: `$GPT2_CACHE_DIR/data` when `GPT2_CACHE_DIR` is set, else
 * `$HOME/.cache/gpt2-webgpu/data` (`%USERPROFILE%` on Windows), beside the model cache.
 *
 * @example
 * ```ts
 * import { dataCacheDir } from "./data_dir.ts";
 * console.log(dataCacheDir((k) => ({ HOME: "/home/ada" })[k]));
 * // /home/ada/.cache/gpt2-webgpu/data
 * ```
 */
export function dataCacheDir(
  env: (name: string) => string | undefined = (k) => Deno.env.get(k),
): string {
  const root = env("GPT2_CACHE_DIR");
  if (root) return join(root, "data");
  const home = env("HOME") ?? env("USERPROFILE");
  if (!home) {
    throw new Error(`cannot locate the data cache: set GPT2_DATA_DIR, GPT2_CACHE_DIR or HOME`);
  }
  return join(home, ".cache", "gpt2-webgpu", "data");
}

/**
 * The data directory: `flag` (the `--data-dir` value) when given and non-empty, else the
 * `GPT2_DATA_DIR` environment variable when set and non-empty, else {@linkcode dataCacheDir}.
 * Reading the environment needs `--allow-env`.
 *
 * @example
 * ```ts
 * import { resolveDataDir } from "./data_dir.ts";
 * const dir = resolveDataDir("/srv/cs224n"); // "/srv/cs224n", whatever GPT2_DATA_DIR says
 * ```
 */
export function resolveDataDir(
  flag?: string,
  env: (name: string) => string | undefined = (k) => Deno.env.get(k),
): string {
  if (flag !== undefined && flag !== "") return flag;
  const fromEnv = env(DATA_DIR_ENV);
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return dataCacheDir(env);
}

/**
 * Path of the copy of `name` that ships with the module (`tasks/data/sonnets/<name>`), or null
 * when the file does not ship (or is no CS224N file) or the module was imported by URL (then it is downloaded like the
 * others, from beside the module).
 *
 * @example
 * ```ts
 * import { bundledDataFile } from "./data_dir.ts";
 * console.log(bundledDataFile("sonnets.txt")); // …/tasks/data/sonnets/sonnets.txt
 * ```
 */
export function bundledDataFile(name: string): string | null {
  if (DATA_FILES[name]?.remotePath !== null) return null;
  const url = new URL(dataFileUrl(name));
  return url.protocol === "file:" ? fileURLToPath(url) : null;
}

function fileKind(path: string): "file" | "other" | "missing" {
  try {
    return Deno.statSync(path).isFile ? "file" : "other";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
}

/**
 * Path of data file `name`: `dir/name` when it is a file, else the copy that ships with the
 * module (the sonnet files). When neither exists, the error names the full (absolute) path,
 * where the file comes from and how to get it (`deno task data`, `--data-dir`,
 * `GPT2_DATA_DIR`). {@linkcode ensureDataFiles} downloads missing files first.
 *
 * @example
 * ```ts
 * import { dataFile, resolveDataDir } from "./data_dir.ts";
 * const path = dataFile(resolveDataDir(), "sonnets.txt"); // the shipped copy if not in the folder
 * ```
 */
export function dataFile(dir: string, name: string): string {
  const path = join(dir, name);
  const kind = fileKind(path);
  if (kind === "file") return path;
  const bundled = bundledDataFile(name);
  if (kind === "missing" && bundled !== null) return bundled;
  throw new Error(missingMessage(path, kind === "missing" ? "not found" : "is not a file"));
}

function missingMessage(path: string, what: string): string {
  const name = path.split(/[\\/]/).at(-1)!;
  const known = DATA_FILES[name] === undefined ? "" : ` (its public copy: ${dataFileUrl(name)})`;
  return `data file ${resolve(path)} ${what}${known}. The CS224N data sets (ids-sst-*, ` +
    `ids-cfimdb-*, quora-*, sonnets*.txt) come from the Stanford CS224N "Build GPT-2" project: ` +
    `\`deno task data\` downloads them into the data cache, or point the toolkit at a folder ` +
    `holding them with --data-dir or the ${DATA_DIR_ENV} environment variable.`;
}

/**
 * Data directory for tests: `GPT2_DATA_DIR` when set, else the `shared/data` folder beside the
 * repository (CI clones the repository with `shared/` next to it). With {@linkcode dataFile} the
 * sonnet files fall back to the shipped copies when that folder is absent.
 *
 * @deprecated Tests should use `tests/fixture.ts` (`testDataFile`, `testNeeds`), which skips a test
 * whose file is missing instead of failing it.
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
