/**
 * `deno task bench --compare`: runs the PyTorch reference (tests/bench_torch.py) on the same
 * machine, in the same run, and pairs its rows with the toolkit's by key.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** One measured row, from either side. */
export interface BenchResult {
  /** Key shared with tests/bench_torch.py, e.g. `tiny train step`. */
  key: string;
  /** Throughput (higher is better). */
  value: number;
  /** Unit of `value`: `GFLOP/s` or `tokens/s`. */
  unit: string;
  /** Free text: shapes, milliseconds. */
  detail: string;
}

/** What the PyTorch reference printed. */
export interface TorchRun {
  /** The python that ran it. */
  python: string;
  /** Rows by key. */
  rows: Map<string, BenchResult>;
  /** Its `#` notes (torch version, threads, BLAS). */
  notes: string[];
}

const SCRIPT = fileURLToPath(new URL("./bench_torch.py", import.meta.url));

/**
 * The first python (of `python3` on PATH and `/usr/bin/python3`) that can import torch, or null.
 */
export async function findTorchPython(): Promise<string | null> {
  for (const python of ["python3", "/usr/bin/python3"]) {
    try {
      const { success } = await new Deno.Command(python, {
        args: ["-c", "import torch"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return python;
    } catch {
      // not installed: try the next
    }
  }
  return null;
}

/**
 * Runs tests/bench_torch.py with `python` (OpenBLAS's CPU-type and cache overrides unset for
 * this command only: they slow OpenBLAS down on these machines) and parses its rows.
 */
export async function runTorchBench(python: string, quick: boolean): Promise<TorchRun> {
  const env = Deno.env.toObject();
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const out = await new Deno.Command(python, {
    args: [SCRIPT, ...(quick ? ["--quick"] : [])],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`${python} ${SCRIPT} failed (exit ${out.code}):\n${text}`);
  const { rows, notes } = parseBenchOutput(text, "bench_torch.py");
  return { python, rows, notes };
}

/**
 * Parses a reference's stdout: one JSON row per line (`{"key", "value", "unit", "detail"}`, or
 * `{"key", "skipped"}` for a row it cannot run, with the reason), `#` lines as notes. `source`
 * names the script in errors.
 *
 * @example
 * ```ts
 * parseBenchOutput('# torch 1.13\n{"key":"matmul 1024³","value":90,"unit":"GFLOP/s","detail":""}', "bench_torch.py");
 * ```
 */
export function parseBenchOutput(
  text: string,
  source: string,
): { rows: Map<string, BenchResult>; skipped: Map<string, string>; notes: string[] } {
  const rows = new Map<string, BenchResult>();
  const skipped = new Map<string, string>();
  const notes: string[] = [];
  text.split("\n").forEach((line, i) => {
    const s = line.trim();
    if (s === "") return;
    if (s.startsWith("#")) {
      notes.push(s.slice(1).trim());
      return;
    }
    let row: BenchResult & { skipped?: unknown };
    try {
      row = JSON.parse(s);
    } catch {
      throw new Error(`${source} output line ${i + 1} is not JSON: ${s.slice(0, 80)}`);
    }
    if (typeof row.key === "string" && typeof row.skipped === "string") {
      skipped.set(row.key, row.skipped);
      return;
    }
    if (typeof row.key !== "string" || typeof row.value !== "number") {
      throw new Error(`${source} output line ${i + 1} lacks a key or a numeric value`);
    }
    rows.set(row.key, { key: row.key, value: row.value, unit: row.unit, detail: row.detail ?? "" });
  });
  return { rows, skipped, notes };
}

/**
 * A Markdown table of both sides: each of our rows with PyTorch's value and the ratio (how many
 * times PyTorch's throughput ours is: 1.0 = as fast, 0.1 = ten times slower).
 */
export function comparisonTable(ours: BenchResult[], torch: Map<string, BenchResult>): string {
  const times = (x: number) => x >= 1 ? `${x.toFixed(1)}× slower` : `${(1 / x).toFixed(1)}× faster`;
  const fmt = (v: number) => v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  const lines = [
    "| benchmark | this toolkit | PyTorch CPU | ours / PyTorch | detail (ours; PyTorch) |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const r of ours) {
    const t = torch.get(r.key);
    const ratio = t ? `${(r.value / t.value).toFixed(3)} (${times(t.value / r.value)})` : "–";
    lines.push(
      `| ${r.key} | ${fmt(r.value)} ${r.unit} | ${
        t ? `${fmt(t.value)} ${t.unit}` : "–"
      } | ${ratio} | ${r.detail}${t ? `; ${t.detail}` : ""} |`,
    );
  }
  return lines.join("\n");
}
