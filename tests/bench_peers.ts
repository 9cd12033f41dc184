/**
 * `deno task bench --peers`: runs the same rows on the JavaScript peers' Wasm backends — jax-js
 * (tests/bench_peers_jax.ts) and TF.js (tests/bench_peers_tfjs.ts) — each in its own `deno run`
 * subprocess, and pairs their rows with the toolkit's by key. The peers' npm packages are imported
 * by those scripts only (pinned there), so nothing in the module graph or in `deno check
 * tests/bench.ts` needs them, and a peer that cannot be downloaded costs one line.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { type BenchResult, parseBenchOutput } from "./bench_compare.ts";
import { KEYS } from "./bench_peers_common.ts";

/** One peer: a display name and the script that measures it. */
export interface PeerSpec {
  /** Column name, e.g. `jax-js`. */
  name: string;
  /** Script path, relative to this file. */
  script: string;
}

/** The peers `--peers` runs, in order. */
export const PEERS: readonly PeerSpec[] = [
  { name: "jax-js", script: "./bench_peers_jax.ts" },
  { name: "TF.js", script: "./bench_peers_tfjs.ts" },
];

/** What one peer printed. */
export interface PeerRun {
  /** The peer's name. */
  name: string;
  /** Measured rows by key. */
  rows: Map<string, BenchResult>;
  /** Rows the peer cannot run, by key, with the reason. */
  skipped: Map<string, string>;
  /** Its `#` notes (versions, backend, threads). */
  notes: string[];
  /** Why it stopped early (one line), or null when it finished. */
  error: string | null;
}

/** Options of {@linkcode runPeer}. */
export interface RunPeerOptions {
  /** Extra environment for the subprocess (e.g. `DENO_DIR`, `NPM_CONFIG_REGISTRY`). */
  env?: Record<string, string>;
}

/**
 * Runs one peer's script in a `deno run` subprocess (no lockfile: the project's deno.lock stays
 * untouched) and parses its rows. Never throws for a peer that fails: a download failure
 * (offline) or a crash becomes `error`, one line, with the rows printed before it kept.
 *
 * @example
 * ```ts
 * const run = await runPeer(PEERS[0]);
 * console.log(run.error ?? `${run.rows.size} rows`);
 * ```
 */
export async function runPeer(peer: PeerSpec, options: RunPeerOptions = {}): Promise<PeerRun> {
  const script = fileURLToPath(new URL(peer.script, import.meta.url));
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-lock", "--quiet", "--allow-read", "--allow-env", "--allow-sys", script],
      env: options.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    return failed(peer.name, `could not start deno: ${(e as Error).message}`);
  }
  const stdout = new TextDecoder().decode(out.stdout);
  let parsed: ReturnType<typeof parseBenchOutput>;
  try {
    parsed = parseBenchOutput(stdout, peer.script);
  } catch (e) {
    return failed(peer.name, (e as Error).message);
  }
  const stderr = new TextDecoder().decode(out.stderr);
  const error = out.success
    ? null
    : out.signal
    ? `ended by ${out.signal} after ${parsed.rows.size} rows`
    : failureLine(stderr, out.code);
  return { name: peer.name, ...parsed, error };
}

/** Runs every peer of {@linkcode PEERS} one after the other. */
export async function runPeers(options: RunPeerOptions = {}): Promise<PeerRun[]> {
  const runs: PeerRun[] = [];
  for (const peer of PEERS) runs.push(await runPeer(peer, options));
  return runs;
}

function failed(name: string, error: string): PeerRun {
  return { name, rows: new Map(), skipped: new Map(), notes: [], error };
}

/**
 * One line saying why a peer's subprocess failed: a download failure reads as such, else the
 * first `error:` line of its stderr (or its last line).
 */
export function failureLine(stderr: string, code: number): string {
  // deno-lint-ignore no-control-regex
  const lines = stderr.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim())
    .filter((l) => l !== "");
  const first = lines.find((l) => /^error\b/i.test(l)) ?? lines.at(-1) ?? `exit code ${code}`;
  // Deno names the npm package it could not load: `… for package "@jax-js/jax"`.
  const download = /for package "|npm package|registry|tarball/i.test(first);
  const cut = first.length > 200 ? `${first.slice(0, 200)}…` : first;
  return download ? `its npm packages could not be downloaded (offline?): ${cut}` : cut;
}

/** Whether a unit is a time (lower is better) rather than a throughput. */
function isTime(unit: string): boolean {
  return unit === "ms" || unit === "s";
}

/** How many times the peer's speed ours is (> 1: ours is faster), or null when units differ. */
export function speedRatio(ours: BenchResult, peer: BenchResult): number | null {
  if (ours.unit !== peer.unit) return null;
  return isTime(ours.unit) ? peer.value / ours.value : ours.value / peer.value;
}

function fmt(r: BenchResult): string {
  const v = r.value;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${r.unit}`;
}

function ratioText(x: number): string {
  return `${x.toFixed(3)} (${
    x >= 1 ? `${x.toFixed(1)}× faster` : `${(1 / x).toFixed(1)}× slower`
  })`;
}

/**
 * A Markdown table: each peer row key (the order of {@linkcode KEYS}) with our figure, each
 * peer's and the ratio `ours / peer` in speed (1.0 = as fast, 0.1 = ten times slower, 2 = twice
 * as fast), then each peer's details. A peer that could not run a row shows "–" and the reason; a
 * peer that printed nothing has no columns (its error line is printed apart).
 */
export function peersTable(ours: BenchResult[], peers: PeerRun[]): string {
  const mine = new Map(ours.map((r) => [r.key, r]));
  const shown = peers.filter((p) => p.rows.size > 0 || p.skipped.size > 0);
  const head = ["benchmark", "this toolkit", ...shown.flatMap((p) => [p.name, `ours / ${p.name}`])];
  const lines = [`| ${head.join(" | ")} |`, `|${" --- |".repeat(head.length)}`];
  const details: string[] = [];
  const ourDetails: string[] = [];
  for (const key of Object.values(KEYS)) {
    const o = mine.get(key);
    const cells = [key, o ? fmt(o) : "–"];
    for (const p of shown) {
      const r = p.rows.get(key);
      if (r) {
        const ratio = o ? speedRatio(o, r) : null;
        cells.push(fmt(r), ratio === null ? "–" : ratioText(ratio));
        if (r.detail) details.push(`${p.name}, ${key}: ${r.detail}`);
      } else {
        const why = p.skipped.get(key) ?? (p.error ? "stopped before this row" : "not measured");
        cells.push(`– (${why})`, "–");
      }
    }
    if (o?.detail) ourDetails.push(`ours, ${key}: ${o.detail}`);
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return [...lines, "", ...[...ourDetails, ...details].map((d) => `- ${d}`)].join("\n");
}
