/**
 * Named models: resolving `gpt2`, `gpt2-medium`, `gpt2-large`, `gpt2-xl` to a local checkpoint
 * directory, downloading `config.json` and `model.safetensors` from the Hugging Face Hub into a
 * cache on first use; `tiny` resolves to a random-initialization marker; a directory path is used
 * as it is.
 *
 * Cache: `$GPT2_CACHE_DIR/<name>` when `GPT2_CACHE_DIR` is set, else
 * `$HOME/.cache/gpt2-webgpu/<name>` (`%USERPROFILE%` on Windows).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { type GPT2Config, PRESETS } from "./config.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import {
  type EnvReader,
  findInHfCache,
  hfEndpoint,
  hfHeaders,
  hfHubCacheDir,
  hfOffline,
} from "./hf_cache.ts";

/** Names that can be downloaded from the Hub (repositories of the same name there). */
export const DOWNLOADABLE_MODELS = ["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"] as const;

/** One of {@linkcode DOWNLOADABLE_MODELS}. */
export type DownloadableModel = typeof DOWNLOADABLE_MODELS[number];

/** The two files of a checkpoint directory, in download order. */
export const CHECKPOINT_FILES = ["config.json", "model.safetensors"] as const;

/** A `fetch`-compatible function (tests pass a fake or point at a local server). */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** Progress of one download, reported as bytes arrive. */
export interface DownloadProgress {
  /** What is being downloaded, e.g. `gpt2/model.safetensors`. */
  file: string;
  /** Bytes received so far. */
  received: number;
  /** Expected size from Content-Length, when the server sent one. */
  total?: number;
  /** Milliseconds since the request was made. */
  elapsedMs: number;
}

/** Options for {@linkcode downloadFile}. */
export interface DownloadOptions {
  /** Replaces the global `fetch`. */
  fetch?: FetchLike;
  /**
   * `true`: a progress bar on stderr; `false`: silence; a function: called with each update.
   * Default: a progress bar when stderr is a terminal.
   */
  progress?: boolean | ((p: DownloadProgress) => void);
  /** Name shown in progress reports (default: the destination's file name). */
  label?: string;
  /** Request headers (e.g. `Authorization` for a gated model). */
  headers?: Record<string, string>;
  /** Lower-case hex SHA-256 the body must have; a mismatch leaves `dest` untouched. */
  sha256?: string;
}

/** Options for {@linkcode resolveModelDir}. */
export interface ResolveOptions extends DownloadOptions {
  /** Root of the cache (the model goes in `<cacheDir>/<name>`); default from the environment. */
  cacheDir?: string;
  /** Reads environment variables (default `Deno.env.get`): `GPT2_CACHE_DIR`, `HOME` and `HF_*`. */
  env?: EnvReader;
  /** Hub address (default `$HF_ENDPOINT`, else `https://huggingface.co`). */
  baseUrl?: string;
  /** Whether a missing cached model may be downloaded (default true unless `HF_HUB_OFFLINE=1`). */
  download?: boolean;
  /** Branch, tag or commit of the hub repository (default `main`). */
  revision?: string;
}

/** Where a model name or path leads. */
export type ResolvedModel =
  | { kind: "checkpoint"; dir: string; downloaded: boolean }
  | { kind: "random"; name: "tiny"; config: GPT2Config };

/**
 * The cache directory of a named model: `$GPT2_CACHE_DIR/<name>`, else
 * `$HOME/.cache/gpt2-webgpu/<name>`.
 *
 * @example
 * ```ts
 * import { modelCacheDir } from "./hub.ts";
 * console.log(modelCacheDir("gpt2", (k) => ({ HOME: "/home/ada" })[k]));
 * // /home/ada/.cache/gpt2-webgpu/gpt2
 * ```
 */
export function modelCacheDir(
  name: string,
  env: (name: string) => string | undefined = (k) => Deno.env.get(k),
): string {
  const root = env("GPT2_CACHE_DIR");
  if (root) return join(root, name);
  const home = env("HOME") ?? env("USERPROFILE");
  if (!home) throw new Error(`cannot locate the model cache: set GPT2_CACHE_DIR or HOME`);
  return join(home, ".cache", "gpt2-webgpu", name);
}

/**
 * Download addresses of a named model's two files at `revision` (default `main`).
 *
 * @example
 * ```ts
 * import { modelUrls } from "./hub.ts";
 * console.log(modelUrls("gpt2")["model.safetensors"]);
 * // https://huggingface.co/gpt2/resolve/main/model.safetensors
 * ```
 */
export function modelUrls(
  name: string,
  baseUrl = "https://huggingface.co",
  revision = "main",
): Record<typeof CHECKPOINT_FILES[number], string> {
  const base = `${baseUrl.replace(/\/+$/, "")}/${name}/resolve/${encodeURIComponent(revision)}/`;
  return { "config.json": base + "config.json", "model.safetensors": base + "model.safetensors" };
}

/**
 * One progress line: bytes received (of total), percent, and rate in MB/s (MB = 10⁶ bytes).
 *
 * @example
 * ```ts
 * import { formatProgress } from "./hub.ts";
 * formatProgress({ file: "m", received: 5e7, total: 1e8, elapsedMs: 2000 });
 * // "m [##########----------] 50.0/100.0 MB 50.0% 25.0 MB/s"
 * ```
 */
export function formatProgress(p: DownloadProgress): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const rate = `${mb(p.received / Math.max(p.elapsedMs / 1000, 1e-3))} MB/s`;
  if (p.total === undefined || p.total <= 0) return `${p.file} ${mb(p.received)} MB ${rate}`;
  const frac = Math.min(p.received / p.total, 1);
  const bar = "#".repeat(Math.round(frac * 20)).padEnd(20, "-");
  return `${p.file} [${bar}] ${mb(p.received)}/${mb(p.total)} MB ${
    (frac * 100).toFixed(1)
  }% ${rate}`;
}

function progressReporter(option: DownloadOptions["progress"]) {
  if (typeof option === "function") return { update: option, finish: () => {} };
  if (!(option ?? Deno.stderr.isTerminal())) return { update: () => {}, finish: () => {} };
  const encoder = new TextEncoder();
  let last = -Infinity;
  let shown: DownloadProgress | undefined;
  const draw = (p: DownloadProgress) => {
    Deno.stderr.writeSync(encoder.encode(`\r${formatProgress(p)}\x1b[K`));
    last = p.elapsedMs;
  };
  return {
    update: (p: DownloadProgress) => {
      shown = p;
      if (p.elapsedMs - last >= 100) draw(p);
    },
    finish: () => {
      if (shown) draw(shown);
      if (shown) Deno.stderr.writeSync(encoder.encode("\n"));
    },
  };
}

/** An error's message followed by its causes' (`fetch failed: dns error: …`). */
function causeChain(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, i = 0; e !== undefined && i < 5; i++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ");
}

/**
 * Downloads `url` to `dest` atomically (temporary file, then rename), checking the byte count
 * against Content-Length and, when `options.sha256` is given, the body's SHA-256; returns the
 * number of bytes written. Throws on an HTTP error status, a short body or a checksum mismatch,
 * leaving `dest` untouched and no temporary file.
 *
 * @example
 * ```ts
 * import { downloadFile } from "./hub.ts";
 * // (a local server here; for the hub: https://huggingface.co/gpt2/resolve/main/config.json)
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("{}"));
 * const url = `http://127.0.0.1:${server.addr.port}/config.json`;
 * console.log(await downloadFile(url, await Deno.makeTempFile(), { progress: false })); // 2 bytes
 * await server.shutdown();
 * ```
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<number> {
  const start = Date.now();
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, { headers: options.headers });
  } catch (e) {
    throw new Error(`GET ${url}: ${causeChain(e)}`, { cause: e });
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new Error(`GET ${url}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  const body = res.body;
  const encoding = res.headers.get("content-encoding") ?? "identity";
  const length = res.headers.get("content-length");
  const total = length !== null && encoding === "identity" ? Number(length) : undefined;
  const file = options.label ?? dest.split(/[\\/]/).at(-1) ?? dest;
  const reporter = progressReporter(options.progress);
  let received = 0;
  const hash = options.sha256 === undefined ? undefined : createHash("sha256");
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of body) {
      received += chunk.length;
      hash?.update(chunk);
      reporter.update({ file, received, total, elapsedMs: Date.now() - start });
      yield chunk;
    }
    if (total !== undefined && received !== total) {
      throw new Error(`GET ${url}: received ${received} bytes, expected ${total} (Content-Length)`);
    }
    const digest = hash?.digest("hex");
    if (digest !== undefined && digest !== options.sha256) {
      throw new Error(`GET ${url}: SHA-256 ${digest}, expected ${options.sha256}`);
    }
  }
  try {
    await writeFileAtomic(dest, chunks());
  } finally {
    reporter.finish();
  }
  return received;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function manualInstructions(name: string, dir: string, urls: Record<string, string>): string {
  return `Put config.json and model.safetensors in ${dir} (from ${urls["config.json"]} and ` +
    `${urls["model.safetensors"]}), or pass the folder holding them instead of "${name}".`;
}

/**
 * Resolves a model name or a checkpoint directory:
 * - a path to a directory holding `config.json` → that directory (it wins over a name);
 * - `gpt2`, `gpt2-medium`, `gpt2-large`, `gpt2-xl` → the cache directory of
 *   {@linkcode modelCacheDir} when it holds both files; else a snapshot in the Hugging Face hub
 *   cache (read-only, see `hf_cache.ts`); else the cache directory after downloading from
 *   `<$HF_ENDPOINT or baseUrl>/<name>/resolve/<revision>/` (with `HF_TOKEN` when set) whichever
 *   of the two files is missing, unless `download: false` or `HF_HUB_OFFLINE=1`; on failure the
 *   error says where it looked, which two files to put in which directory, and their URLs;
 * - `tiny` → `{ kind: "random", name: "tiny", config }`: it has no weights anywhere (it starts
 *   from random initialization).
 *
 * @example
 * ```ts
 * import { resolveModelDir } from "./hub.ts";
 * const model = await resolveModelDir("tiny"); // { kind: "random", … }: no weights anywhere
 * if (model.kind === "checkpoint") console.log(model.dir); // for "gpt2": its folder, downloaded once
 * ```
 */
export async function resolveModelDir(
  nameOrPath: string,
  options: ResolveOptions = {},
): Promise<ResolvedModel> {
  const pinned = options.revision !== undefined && options.revision !== "main";
  const local = await isFile(join(nameOrPath, "config.json"));
  if (pinned && (local || nameOrPath === "tiny")) {
    throw new Error(
      `a revision (${options.revision}) applies to a hub model name, not to "${nameOrPath}"`,
    );
  }
  if (local) return { kind: "checkpoint", dir: nameOrPath, downloaded: false };
  if (nameOrPath === "tiny") return { kind: "random", name: "tiny", config: PRESETS.tiny };
  const name = nameOrPath as DownloadableModel;
  if (!DOWNLOADABLE_MODELS.includes(name)) {
    const what = (await isDirectory(nameOrPath))
      ? `"${nameOrPath}" is a directory without config.json`
      : `"${nameOrPath}" is neither a checkpoint directory nor a known model name`;
    throw new Error(
      `${what}: expected a directory holding config.json and model.safetensors, one of ` +
        `${DOWNLOADABLE_MODELS.join(", ")} (downloaded), or tiny (random initialization)`,
    );
  }
  const env = options.env ?? ((k: string) => Deno.env.get(k));
  const revision = options.revision ?? "main";
  const cacheName = revision === "main" ? name : `${name}@${revision.replaceAll("/", "_")}`;
  const dir = options.cacheDir ? join(options.cacheDir, cacheName) : modelCacheDir(cacheName, env);
  const urls = modelUrls(name, options.baseUrl ?? hfEndpoint(env), revision);
  const missing: (typeof CHECKPOINT_FILES[number])[] = [];
  for (const f of CHECKPOINT_FILES) if (!(await isFile(join(dir, f)))) missing.push(f);
  if (missing.length === 0) return { kind: "checkpoint", dir, downloaded: false };
  const hf = await findInHfCache(name, CHECKPOINT_FILES, { revision, env });
  if (hf.dir !== null) return { kind: "checkpoint", dir: hf.dir, downloaded: false };
  const tried = `Looked in ${dir} and in the Hugging Face cache (${
    hf.tried.length ? hf.tried.join(", ") : `none: ${hfHubCacheDir(env) ?? "HOME is not set"}`
  })`;
  const offline = hfOffline(env);
  if (options.download === false || offline) {
    const why = offline ? "HF_HUB_OFFLINE is set" : "downloading is off";
    throw new Error(
      `${name} was not found and ${why}. ${tried}. ${manualInstructions(name, dir, urls)}`,
    );
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
    for (const f of missing) {
      await downloadFile(urls[f], join(dir, f), {
        ...options,
        headers: { ...hfHeaders(env), ...options.headers },
        label: `${name}/${f}`,
      });
    }
  } catch (e) {
    throw new Error(
      `Could not download ${name}: ${(e as Error).message}. ${tried}. ` +
        manualInstructions(name, dir, urls),
      { cause: e },
    );
  }
  return { kind: "checkpoint", dir, downloaded: true };
}
