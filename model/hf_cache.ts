/**
 * Reading checkpoints a Python user already has in the Hugging Face hub cache, read-only, and the
 * hub's environment conventions: `HF_HUB_CACHE` (else `$HF_HOME/hub`, else
 * `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`), `HF_ENDPOINT`,
 * `HF_HUB_OFFLINE` and `HF_TOKEN`.
 *
 * The cache holds one folder per repository, `models--<owner>--<name>`, with `refs/<branch>`
 * (a file holding a commit hash) and `snapshots/<commit>/` (the files, usually links into
 * `blobs/`).
 *
 * @module
 */

import { join } from "node:path";

/** Reads an environment variable (tests pass a table). */
export type EnvReader = (name: string) => string | undefined;

const defaultEnv: EnvReader = (k) => Deno.env.get(k);

/**
 * The Hugging Face hub cache folder, by the hub's own rules.
 *
 * @example
 * ```ts
 * import { hfHubCacheDir } from "./hf_cache.ts";
 * console.log(hfHubCacheDir((k) => ({ HOME: "/home/ada" })[k]));
 * // /home/ada/.cache/huggingface/hub
 * ```
 */
export function hfHubCacheDir(env: EnvReader = defaultEnv): string | null {
  const hubCache = env("HF_HUB_CACHE");
  if (hubCache) return hubCache;
  const hfHome = env("HF_HOME");
  if (hfHome) return join(hfHome, "hub");
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "huggingface", "hub");
  const home = env("HOME") ?? env("USERPROFILE");
  return home ? join(home, ".cache", "huggingface", "hub") : null;
}

/** Hub address: `HF_ENDPOINT` (a mirror) when set, else `https://huggingface.co`. */
export function hfEndpoint(env: EnvReader = defaultEnv): string {
  return (env("HF_ENDPOINT") || "https://huggingface.co").replace(/\/+$/, "");
}

/** Whether `HF_HUB_OFFLINE` forbids the network (`1`, `true`, `yes` or `on`, any case). */
export function hfOffline(env: EnvReader = defaultEnv): boolean {
  return ["1", "true", "yes", "on"].includes((env("HF_HUB_OFFLINE") ?? "").trim().toLowerCase());
}

/** Request headers for the hub: `Authorization: Bearer $HF_TOKEN` when the token is set. */
export function hfHeaders(env: EnvReader = defaultEnv): Record<string, string> {
  const token = env("HF_TOKEN");
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * The repository ids a model is cached under: its own name and, for the GPT-2 family, the
 * `openai-community/` name the hub moved it to.
 */
export function hfRepoIds(name: string): string[] {
  return name.includes("/") ? [name] : [name, `openai-community/${name}`];
}

/** The cache folder of repository `repoId` (`models--owner--name`). */
export function hfRepoFolder(cacheDir: string, repoId: string): string {
  return join(cacheDir, `models--${repoId.split("/").join("--")}`);
}

async function readRef(path: string): Promise<string | null> {
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Where {@linkcode findInHfCache} looked, for error messages. */
export interface HfCacheLookup {
  /** The snapshot folder holding every wanted file, or null. */
  dir: string | null;
  /** The snapshot folders (or refs) it looked at. */
  tried: string[];
}

/**
 * Looks for a snapshot of `name` at `revision` (a branch or tag resolved through `refs/`, or a
 * 40-hex commit) holding every file in `files`, in the hub cache. Reads only.
 *
 * @example
 * ```ts
 * import { findInHfCache } from "./hf_cache.ts";
 * const { dir } = await findInHfCache("gpt2", ["config.json", "model.safetensors"]);
 * if (dir) console.log(`using ${dir}`);
 * ```
 */
export async function findInHfCache(
  name: string,
  files: readonly string[],
  { revision = "main", env = defaultEnv }: { revision?: string; env?: EnvReader } = {},
): Promise<HfCacheLookup> {
  const cacheDir = hfHubCacheDir(env);
  const tried: string[] = [];
  if (cacheDir === null) return { dir: null, tried };
  for (const repoId of hfRepoIds(name)) {
    const repo = hfRepoFolder(cacheDir, repoId);
    const commit = /^[0-9a-f]{40}$/.test(revision)
      ? revision
      : await readRef(join(repo, "refs", revision));
    if (commit === null || commit === "" || commit.includes("/") || commit.includes("\\")) {
      tried.push(join(repo, "refs", revision));
      continue;
    }
    const snapshot = join(repo, "snapshots", commit);
    tried.push(snapshot);
    let complete = true;
    for (const f of files) if (!(await isFile(join(snapshot, f)))) complete = false;
    if (complete) return { dir: snapshot, tried };
  }
  return { dir: null, tried };
}
