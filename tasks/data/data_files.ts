/**
 * The CS224N data files the tasks read, and where each comes from: the four sonnet files ship
 * with this module (`tasks/data/sonnets/`); the sentiment and paraphrase files are downloaded
 * from public copies of the CS224N starter repositories on GitHub.
 *
 * The SST and CFIMDB files are byte-identical in the course staff's minBERT starter repository
 * and in the GPT-2 project's copies, so their SHA-256 is checked after download. The Quora files
 * come from the GPT-2 project's public copy, which was not at hand to hash; they are checked
 * against the git blob ids that repository's tree gives them (`git ls-tree`, commit 884db48 of
 * `ziyiw23/public_cs224n_gpt`, whose SST and CFIMDB blob ids match the pinned SHA-256 files).
 * They are the project's full split, not the small re-split some workplaces keep beside the
 * repository.
 *
 * @module
 */

/** Where one data file comes from. */
export interface DataFileSource {
  /**
   * Path under the raw-file host (`<owner>/<repo>/<branch>/<path>`), or, for a file that ships
   * with the module, `null`.
   */
  remotePath: string | null;
  /** Lower-case hex SHA-256 the file must have after download. */
  sha256?: string;
  /**
   * Lower-case hex git blob id (`git hash-object`: SHA-1 of `blob <size>\0` and the bytes) the
   * file must have after download, as the upstream repository's tree names it. With neither
   * checksum only the byte count the server announces is checked.
   */
  gitBlobSha1?: string;
  /** Byte count of the reference copy (for messages; the check uses the checksum). */
  bytes?: number;
}

/** Host of the raw files of public GitHub repositories. */
export const DEFAULT_DATA_BASE_URL = "https://raw.githubusercontent.com";

const SENTIMENT_REPO = "gpoesia/minbert-default-final-project/main/data";
const GPT_REPO = "ziyiw23/public_cs224n_gpt/main/data";

/** Every data file a task reads, by file name. */
export const DATA_FILES: Readonly<Record<string, DataFileSource>> = {
  "sonnets.txt": {
    remotePath: null,
    sha256: "1e97adb7182237e431bff16d207c7c1400391cce7a6417df06080205d9257237",
    bytes: 81032,
  },
  "sonnets_held_out_dev.txt": {
    remotePath: null,
    sha256: "309ae8da81a24de61a261c291c1299f5c6bfbf4e6b7d1d5b50bd15b6c1770afd",
    bytes: 1910,
  },
  "TRUE_sonnets_held_out_dev.txt": {
    remotePath: null,
    sha256: "fb41ee87e70107f554b658c8de07a6ae905298db09da84794dfaa2a61e892a1f",
    bytes: 7757,
  },
  "sonnets_held_out.txt": {
    remotePath: null,
    sha256: "daf7afd5d932acbe584d8c6e78c2669f9e97aa4967579d85ed4975b22ae33071",
    bytes: 1888,
  },
  "ids-sst-train.csv": {
    remotePath: `${SENTIMENT_REPO}/ids-sst-train.csv`,
    sha256: "03b2b625c090f94a6afd59f114cde5282e2053aab0b101e87ed695d8a0c5b1df",
    bytes: 1175139,
  },
  "ids-sst-dev.csv": {
    remotePath: `${SENTIMENT_REPO}/ids-sst-dev.csv`,
    sha256: "a186ce94577635fbe10beaaddd50f16cccf6c30973221cefdf90deed2a584bfe",
    bytes: 151384,
  },
  "ids-sst-test-student.csv": {
    remotePath: `${SENTIMENT_REPO}/ids-sst-test-student.csv`,
    sha256: "bdd5a767faa0c26782117e37767ece154c30d5d04fb8727d09c71e3850a55c7b",
    bytes: 313202,
  },
  "ids-cfimdb-train.csv": {
    remotePath: `${SENTIMENT_REPO}/ids-cfimdb-train.csv`,
    sha256: "140fc513045a966109faed46a5c7a898767b96714d71bcb9c15f659129fadcea",
    bytes: 1693182,
  },
  "ids-cfimdb-dev.csv": {
    remotePath: `${SENTIMENT_REPO}/ids-cfimdb-dev.csv`,
    sha256: "3087f571b66860fe5d035b5a018d08202ad3fd3720e4821c04b2acf6c7ded559",
    bytes: 249095,
  },
  "ids-cfimdb-test-student.csv": {
    remotePath: `${SENTIMENT_REPO}/ids-cfimdb-test-student.csv`,
    sha256: "7ae611548c9eac879e9ebb406cc9f8ae68ff12f78090e4965af5cbdfa06240f4",
    bytes: 495595,
  },
  "quora-train.csv": {
    remotePath: `${GPT_REPO}/quora-train.csv`,
    gitBlobSha1: "1f2e73b884113e629e2786001fb9cc8ae4a696c1",
  },
  "quora-dev.csv": {
    remotePath: `${GPT_REPO}/quora-dev.csv`,
    gitBlobSha1: "97f9430a53b7f5544f857ff27a236c40bb42b5c7",
  },
  "quora-test-student.csv": {
    remotePath: `${GPT_REPO}/quora-test-student.csv`,
    gitBlobSha1: "a1b1e5ba3ef282ba1e9b169c509eb80dbbc68666",
  },
};

/**
 * The catalog entry of data file `name`, or an error listing the known names.
 *
 * @example
 * ```ts
 * import { dataFileSource } from "./data_files.ts";
 * console.log(dataFileSource("sonnets.txt").remotePath); // null: it ships with the module
 * ```
 */
export function dataFileSource(name: string): DataFileSource {
  const source = DATA_FILES[name];
  if (source === undefined) {
    throw new Error(
      `unknown data file ${JSON.stringify(name)}; known: ${Object.keys(DATA_FILES).join(", ")}`,
    );
  }
  return source;
}

/**
 * The URL data file `name` is fetched from: `<baseUrl>/<remotePath>` for a downloaded file, or
 * its place beside this module (`sonnets/<name>`) for a file that ships with it (a `file:` URL
 * in a checkout, an `https:` one when the module is imported by URL).
 *
 * @example
 * ```ts
 * import { dataFileUrl } from "./data_files.ts";
 * console.log(dataFileUrl("ids-sst-dev.csv"));
 * // https://raw.githubusercontent.com/gpoesia/minbert-default-final-project/main/data/ids-sst-dev.csv
 * ```
 */
export function dataFileUrl(name: string, baseUrl = DEFAULT_DATA_BASE_URL): string {
  const { remotePath } = dataFileSource(name);
  if (remotePath === null) return new URL(`./sonnets/${name}`, import.meta.url).href;
  return `${baseUrl.replace(/\/+$/, "")}/${remotePath}`;
}

/** The data files of each task, by `--task` name. */
export const DATA_SETS: Readonly<Record<string, readonly string[]>> = {
  sonnet: [
    "sonnets.txt",
    "sonnets_held_out_dev.txt",
    "TRUE_sonnets_held_out_dev.txt",
    "sonnets_held_out.txt",
  ],
  sst: ["ids-sst-train.csv", "ids-sst-dev.csv", "ids-sst-test-student.csv"],
  cfimdb: ["ids-cfimdb-train.csv", "ids-cfimdb-dev.csv", "ids-cfimdb-test-student.csv"],
  quora: ["quora-train.csv", "quora-dev.csv", "quora-test-student.csv"],
};
