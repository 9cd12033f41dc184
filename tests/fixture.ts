/**
 * Files the tests read that the repository does not ship (the CS224N CSV files and the GPT-2
 * parity fixture), and skipping the tests that need them when they are absent. CI puts them
 * beside the repository in `../shared` (or names them with `GPT2_DATA_DIR` and
 * `GPT2_PARITY_FIXTURE`) and fails when any test was skipped; on a fresh clone the same tests
 * are skipped with a line naming the missing file and how to get it.
 *
 * @example
 * ```ts
 * import { testNeeds } from "./fixture.ts";
 * const needs = testNeeds(import.meta.url);
 * console.log(needs.data("sonnets.txt")); // { ignore: false }: the sonnet files ship
 * // in a test file: Deno.test("loadSentiment() reads SST", needs.data("ids-sst-train.csv"), fn)
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundledDataFile, testDataDir } from "../tasks/data/data_dir.ts";

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Directory of the GPT-2 parity fixture: `GPT2_PARITY_FIXTURE`, else ../shared/fixtures/gpt2-tiny. */
export function parityFixtureDir(): string {
  return Deno.env.get("GPT2_PARITY_FIXTURE") ||
    fileURLToPath(new URL("../../shared/fixtures/gpt2-tiny", import.meta.url));
}

/** Data directory for tests: `GPT2_DATA_DIR` when set, else the `shared/data` folder beside the repository. */
export { testDataDir };

/**
 * Path of data file `name` for a test: in {@linkcode testDataDir} when there, else the copy that
 * ships with the module (the sonnet files), else null.
 */
export function testDataFile(name: string): string | null {
  const path = join(testDataDir(), name);
  if (isFile(path)) return path;
  return bundledDataFile(name);
}

/** Test options that skip a test (`ignore`) whose files are missing. */
export interface NeedsOptions {
  /** True when a file the test needs is missing. */
  ignore: boolean;
}

/** Per test file: options for `Deno.test(name, options, fn)` that skip when a file is missing. */
export interface TestNeeds {
  /** Skips unless every named CS224N data file is available (see {@linkcode testDataFile}). */
  data(...names: string[]): NeedsOptions;
  /** Skips unless the parity fixture (`config.json`, `model.safetensors`, `expected.json`) is there. */
  parityFixture(): NeedsOptions;
}

/**
 * Requirements of the tests in one file (`url`: its `import.meta.url`). Each missing file is
 * reported once per test file on stderr, with how to get it.
 */
export function testNeeds(url: string): TestNeeds {
  const where = url.split("/").at(-1);
  const reported = new Set<string>();
  const skip = (what: string, how: string): NeedsOptions => {
    if (!reported.has(what)) {
      reported.add(what);
      console.error(`${where}: skipping the tests that need ${what}: ${how}`);
    }
    return { ignore: true };
  };
  return {
    data(...names) {
      const missing = names.filter((n) => testDataFile(n) === null);
      if (missing.length === 0) return { ignore: false };
      const how = missing.some((n) => n.startsWith("quora-"))
        ? "set GPT2_DATA_DIR to the project's shared data folder (these tests expect its Quora " +
          "files, a re-split that `deno task data` does not fetch)"
        : "run `deno task data --data-dir=DIR` and set GPT2_DATA_DIR=DIR";
      return skip(`${missing.join(", ")} (not in ${testDataDir()})`, how);
    },
    parityFixture() {
      const dir = parityFixtureDir();
      const files = ["config.json", "model.safetensors", "expected.json"];
      const missing = files.filter((f) => !isFile(join(dir, f)));
      if (missing.length === 0) return { ignore: false };
      return skip(
        `the GPT-2 parity fixture ${dir} (missing ${missing.join(", ")})`,
        "set GPT2_PARITY_FIXTURE to a folder made by make_parity_fixture.py " +
          "(in the project's shared fixtures; it needs PyTorch and transformers)",
      );
    },
  };
}
