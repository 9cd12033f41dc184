/**
 * Fetching the CS224N data files on first use (and for `deno task data`): each file missing
 * from the data folder is downloaded from its public copy ({@linkcode dataFileUrl}) into that
 * folder with the model cache's rules: atomic writes, the byte count and (where pinned) the
 * SHA-256 or the git blob id checked, a progress bar on a terminal, and, when the download
 * fails, one error naming every missing file, its URL and the folder to put it in.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { downloadFile, type DownloadOptions } from "../../model/hub.ts";
import { bundledDataFile } from "./data_dir.ts";
import {
  type DataFileSource,
  dataFileSource,
  dataFileUrl,
  DEFAULT_DATA_BASE_URL,
} from "./data_files.ts";

/** Options of {@linkcode ensureDataFiles}. */
export interface EnsureDataOptions extends Omit<DownloadOptions, "label" | "sha256"> {
  /** Raw-file host the downloaded files come from (default `https://raw.githubusercontent.com`). */
  baseUrl?: string;
  /** Whether missing files may be downloaded (default true). */
  download?: boolean;
  /** Messages (one line per downloaded file); default: none. */
  log?: (message: string) => void;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Git's object id of the file at `path` (what `git hash-object` prints): the SHA-1 of
 * `blob <byte count>\0` followed by the file's bytes. A repository's tree names each file by this
 * id, so it checks a download against the upstream file without a copy of it.
 *
 * @example
 * ```ts
 * import { gitBlobSha1 } from "./data_fetch.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello\n");
 * console.log(await gitBlobSha1(path)); // ce013625030ba8dba906f756967f9e9ca394464a
 * ```
 */
export async function gitBlobSha1(path: string): Promise<string> {
  const { size } = await Deno.stat(path);
  const hash = createHash("sha1").update(`blob ${size}\0`);
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/**
 * Downloads `url` to `dest` and checks it against `source`: the byte count the server announces,
 * and the SHA-256 and the git blob id ({@linkcode gitBlobSha1}) where `source` pins them. `dest`
 * appears only when every check passes (atomic writes; a file that fails the blob check is
 * removed). Returns the number of bytes written.
 *
 * @throws on an HTTP error, a short body or a checksum mismatch (naming the URL and both values).
 *
 * @example
 * ```ts
 * import { downloadDataFile } from "./data_fetch.ts";
 * // (a local server here; `ensureDataFiles` fetches from the public CS224N copies)
 * const body = "hello\n";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response(body));
 * const url = `http://127.0.0.1:${server.addr.port}/hello.txt`;
 * const source = { remotePath: "hello.txt", gitBlobSha1: "ce013625030ba8dba906f756967f9e9ca394464a" };
 * const dest = `${await Deno.makeTempDir()}/hello.txt`;
 * console.log(await downloadDataFile(url, dest, source, { progress: false })); // 6 (bytes)
 * await server.shutdown();
 * ```
 */
export async function downloadDataFile(
  url: string,
  dest: string,
  source: DataFileSource,
  options: Omit<DownloadOptions, "sha256"> = {},
): Promise<number> {
  const download = { ...options, sha256: source.sha256 };
  const expected = source.gitBlobSha1;
  if (expected === undefined) return await downloadFile(url, dest, download);
  const unverified = `${dest}.unverified`;
  try {
    const bytes = await downloadFile(url, unverified, download);
    const id = await gitBlobSha1(unverified);
    if (id !== expected) throw new Error(`GET ${url}: git blob SHA-1 ${id}, expected ${expected}`);
    await Deno.rename(unverified, dest);
    return bytes;
  } catch (e) {
    await removeIfPresent(unverified);
    throw e;
  }
}

/**
 * The instructions of the error raised when files cannot be fetched: each file with its URL,
 * and the folder to put them in.
 *
 * @example
 * ```ts
 * import { manualDataInstructions } from "./data_fetch.ts";
 * console.log(manualDataInstructions("/data", ["ids-sst-dev.csv"]));
 * ```
 */
export function manualDataInstructions(
  dir: string,
  names: readonly string[],
  baseUrl = DEFAULT_DATA_BASE_URL,
): string {
  const lines = names.map((n) => `  ${n.padEnd(30)} from ${dataFileUrl(n, baseUrl)}`);
  return `Download these files and put them in ${resolve(dir)}:\n${lines.join("\n")}\n` +
    `(or point --data-dir or GPT2_DATA_DIR at a folder holding them)`;
}

/**
 * Makes sure every named data file can be read from `dir`: a file already in `dir` is kept as it
 * is (whatever its content: it may be the user's own copy); a sonnet file missing there is read
 * from the copy that ships with the module; any other missing file is downloaded into `dir`
 * (created when needed). Returns the path of each file, in order.
 *
 * @throws when a name is not a CS224N data file, when downloading is off or fails (the message
 * lists every missing file with its URL and the folder to put it in), or when a download's size
 * or checksum is wrong (nothing is left behind).
 *
 * @example
 * ```ts
 * import { ensureDataFiles } from "./data_fetch.ts";
 * const dir = await Deno.makeTempDir();
 * const [sonnets] = await ensureDataFiles(dir, ["sonnets.txt"]); // the copy that ships
 * console.log(sonnets);
 * // ["ids-sst-train.csv", "ids-sst-dev.csv"] would be downloaded into dir on first use
 * ```
 */
export async function ensureDataFiles(
  dir: string,
  names: readonly string[],
  options: EnsureDataOptions = {},
): Promise<string[]> {
  const paths: string[] = [];
  const missing: string[] = [];
  for (const name of names) {
    dataFileSource(name);
    const path = join(dir, name);
    const bundled = bundledDataFile(name);
    if (await isFile(path)) paths.push(path);
    else if (bundled !== null) paths.push(bundled);
    else {
      paths.push(path);
      missing.push(name);
    }
  }
  if (missing.length === 0) return paths;
  const baseUrl = options.baseUrl ?? DEFAULT_DATA_BASE_URL;
  if (options.download === false) {
    throw new Error(
      `missing data files and downloading is off. ${manualDataInstructions(dir, missing, baseUrl)}`,
    );
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
    for (const name of missing) {
      const url = dataFileUrl(name, baseUrl);
      const bytes = await downloadDataFile(url, join(dir, name), dataFileSource(name), {
        ...options,
        label: name,
      });
      options.log?.(`downloaded ${name} (${bytes} bytes) from ${url}`);
    }
  } catch (e) {
    const stillMissing: string[] = [];
    for (const name of missing) if (!(await isFile(join(dir, name)))) stillMissing.push(name);
    throw new Error(
      `could not download the CS224N data: ${(e as Error).message}\n` +
        manualDataInstructions(dir, stillMissing, baseUrl),
      { cause: e },
    );
  }
  return paths;
}
