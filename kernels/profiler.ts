/**
 * A profiler for the kernels: attached to a {@link Gpu}, it times every dispatch on the device
 * (one compute pass per dispatch with timestamp writes, where the adapter has the
 * `timestamp-query` feature; llvmpipe does) and sums host time into named buckets (readback
 * waits, sampling, batching…). Its report gives, per kernel, the calls, the total and mean time
 * and the share of the profiled wall time.
 *
 * Profiling changes what it measures a little: each dispatch gets its own pass, so consecutive
 * dispatches no longer share one. Without timestamp queries only the calls and host buckets are
 * reported.
 *
 * @module
 */

/** Dispatches timed per resolve: each takes two timestamps. */
const QUERY_PAIRS = 1024;

/** One kernel's line of a {@link ProfileReport}. */
export interface KernelProfile {
  /** Kernel name (the pipeline's name), prefixed by the open region if any (`region/kernel`). */
  name: string;
  /** Dispatches. */
  calls: number;
  /** Device time of all its dispatches, ms (NaN without timestamp queries). */
  totalMs: number;
  /** Mean device time per dispatch, ms. */
  meanMs: number;
  /** Total divided by the profiled wall time. */
  share: number;
}

/** One host bucket's line of a {@link ProfileReport}. */
export interface HostProfile {
  /** Bucket name, e.g. `readback wait`, `sampling`. */
  name: string;
  /** Times the bucket was entered. */
  calls: number;
  /** Host wall time spent inside it, ms. */
  totalMs: number;
  /** Total divided by the profiled wall time. */
  share: number;
}

/** What {@link Profiler.report} returns. */
export interface ProfileReport {
  /** Wall time from {@link Profiler.start} to the report, ms. */
  wallMs: number;
  /** Sum of all kernels' device time, ms (NaN without timestamp queries). */
  deviceMs: number;
  /** Whether kernel times come from timestamp queries. */
  timed: boolean;
  /** Kernels by decreasing total time (by calls when untimed). */
  kernels: KernelProfile[];
  /** Host buckets by decreasing total time. */
  host: HostProfile[];
}

interface Pending {
  names: string[];
  buffer: GPUBuffer;
}

/**
 * Times dispatches and host buckets. Attach with `gpu.profiler = new Profiler(gpu.device)`, run
 * the work between {@link start} and {@link report}, detach with `gpu.profiler = null`.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { backward } from "./autograd.ts";
 * import { crossEntropy } from "./cross_entropy.ts";
 * import { matmul } from "./matmul.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const x = tensorFrom(gpu, [1, 2, 3, 4], [2, 2]);
 * const w = tensorFrom(gpu, [0.5, -1, 2, 0], [2, 2], { requiresGrad: true });
 * const profiler = new Profiler(gpu.device);
 * gpu.profiler = profiler;
 * profiler.start();
 * // a training step's work (for GPT-2: backward(lmLoss(model, input, { training: true }).loss))
 * backward(crossEntropy(matmul(x, w), [0, 1]));
 * console.log(formatProfile(await profiler.report(gpu))); // a table of kernels, then host buckets
 * gpu.profiler = null;
 * profiler.dispose();
 * ```
 */
export class Profiler {
  /** Whether dispatches are timed on the device (the adapter has `timestamp-query`). */
  readonly timed: boolean;
  readonly #device: GPUDevice;
  readonly #querySet: GPUQuerySet | null;
  #names: string[] = [];
  #pending: Pending[] = [];
  #calls = new Map<string, number>();
  #deviceMs = new Map<string, number>();
  #host = new Map<string, { calls: number; ms: number }>();
  #regions: string[] = [];
  #t0 = performance.now();

  /** A profiler for `device`; timestamps are used when the device was created with them. */
  constructor(device: GPUDevice) {
    this.#device = device;
    this.timed = device.features.has("timestamp-query");
    this.#querySet = this.timed
      ? device.createQuerySet({ type: "timestamp", count: 2 * QUERY_PAIRS })
      : null;
  }

  /** Clears everything recorded and starts the wall clock. */
  start(): void {
    for (const p of this.#pending) p.buffer.destroy();
    this.#pending = [];
    this.#names = [];
    this.#calls.clear();
    this.#deviceMs.clear();
    this.#host.clear();
    this.#t0 = performance.now();
  }

  /** Runs `fn` with kernel names prefixed by `name/` (regions nest: `outer/inner/kernel`). */
  region<T>(name: string, fn: () => T): T {
    this.#regions.push(name);
    try {
      return fn();
    } finally {
      this.#regions.pop();
    }
  }

  /** Adds host wall time spent in `fn` (sync or async) to the bucket `name`. */
  host<T>(name: string, fn: () => T): T {
    const t0 = performance.now();
    const result = fn();
    if (result instanceof Promise) {
      return result.finally(() => this.addHost(name, performance.now() - t0)) as T;
    }
    this.addHost(name, performance.now() - t0);
    return result;
  }

  /** Adds `ms` of host time to the bucket `name`. */
  addHost(name: string, ms: number): void {
    const b = this.#host.get(name) ?? { calls: 0, ms: 0 };
    b.calls++;
    b.ms += ms;
    this.#host.set(name, b);
  }

  /**
   * Begins the compute pass of one dispatch of `kernel` on `encoder` (called by the Gpu, which
   * ends it after the dispatch). Resolves the query set first when it is full.
   */
  beginPass(encoder: GPUCommandEncoder, kernel: string): GPUComputePassEncoder {
    const name = [...this.#regions, kernel].join("/");
    this.#calls.set(name, (this.#calls.get(name) ?? 0) + 1);
    if (!this.#querySet) return encoder.beginComputePass({ label: name });
    if (this.#names.length === QUERY_PAIRS) this.resolve(encoder);
    const i = this.#names.length;
    this.#names.push(name);
    return encoder.beginComputePass({
      label: name,
      timestampWrites: {
        querySet: this.#querySet,
        beginningOfPassWriteIndex: 2 * i,
        endOfPassWriteIndex: 2 * i + 1,
      },
    });
  }

  /** Records the resolve of the timestamps written so far (called by the Gpu before a submit). */
  resolve(encoder: GPUCommandEncoder): void {
    if (!this.#querySet || this.#names.length === 0) return;
    const bytes = 16 * this.#names.length;
    const resolved = this.#device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    const buffer = this.#device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    encoder.resolveQuerySet(this.#querySet, 0, 2 * this.#names.length, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, buffer, 0, bytes);
    this.#pending.push({ names: this.#names, buffer });
    this.#names = [];
  }

  /**
   * Waits for the device, reads the timestamps and returns the profile since {@link start}.
   * `gpu` is anything that can submit pending work and wait for it (a {@link Gpu}).
   */
  async report(gpu: { sync(): Promise<void> }): Promise<ProfileReport> {
    await gpu.sync();
    const wallMs = performance.now() - this.#t0;
    for (const p of this.#pending) {
      await p.buffer.mapAsync(GPUMapMode.READ);
      const t = new BigUint64Array(p.buffer.getMappedRange().slice(0));
      p.buffer.destroy();
      p.names.forEach((name, i) => {
        const ms = Number(t[2 * i + 1] - t[2 * i]) / 1e6;
        this.#deviceMs.set(name, (this.#deviceMs.get(name) ?? 0) + ms);
      });
    }
    this.#pending = [];
    const kernels = [...this.#calls].map(([name, calls]): KernelProfile => {
      const totalMs = this.timed ? this.#deviceMs.get(name) ?? 0 : NaN;
      return { name, calls, totalMs, meanMs: totalMs / calls, share: totalMs / wallMs };
    });
    kernels.sort((a, b) => (this.timed ? b.totalMs - a.totalMs : b.calls - a.calls));
    const host = [...this.#host].map(([name, { calls, ms }]): HostProfile => ({
      name,
      calls,
      totalMs: ms,
      share: ms / wallMs,
    })).sort((a, b) => b.totalMs - a.totalMs);
    const deviceMs = this.timed ? kernels.reduce((s, k) => s + k.totalMs, 0) : NaN;
    return { wallMs, deviceMs, timed: this.timed, kernels, host };
  }

  /** Frees the query set and any unread timestamps. */
  dispose(): void {
    for (const p of this.#pending) p.buffer.destroy();
    this.#pending = [];
    this.#querySet?.destroy();
  }
}

/**
 * A profile as Markdown tables: kernels (the `limit` slowest, the rest summed into one line),
 * then host buckets.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { matmul } from "./matmul.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const profiler = new Profiler(gpu.device);
 * gpu.profiler = profiler;
 * profiler.start();
 * const x = tensorFrom(gpu, [1, 2, 3, 4], [2, 2]);
 * await matmul(x, x).readFloat();
 * console.log(formatProfile(await profiler.report(gpu), 15)); // the 15 slowest kernels
 * gpu.profiler = null;
 * profiler.dispose();
 * ```
 */
export function formatProfile(report: ProfileReport, limit = 20): string {
  const ms = (v: number) => Number.isNaN(v) ? "–" : v.toFixed(v < 1 ? 3 : 1);
  const pct = (v: number) => Number.isNaN(v) ? "–" : `${(100 * v).toFixed(1)}%`;
  const lines = [
    `wall ${ms(report.wallMs)} ms; device time in kernels ${ms(report.deviceMs)} ms` +
    (report.timed ? "" : " (no timestamp queries on this adapter: calls only)"),
    "",
    "| kernel | calls | total ms | mean ms | share |",
    "| --- | --- | --- | --- | --- |",
  ];
  const shown = report.kernels.slice(0, limit);
  for (const k of shown) {
    lines.push(`| ${k.name} | ${k.calls} | ${ms(k.totalMs)} | ${ms(k.meanMs)} | ${pct(k.share)} |`);
  }
  const rest = report.kernels.slice(limit);
  if (rest.length > 0) {
    const total = rest.reduce((s, k) => s + k.totalMs, 0);
    const calls = rest.reduce((s, k) => s + k.calls, 0);
    lines.push(
      `| (${rest.length} more) | ${calls} | ${ms(total)} | ${ms(total / calls)} | ${
        pct(total / report.wallMs)
      } |`,
    );
  }
  if (report.host.length > 0) {
    lines.push("", "| host | calls | total ms | share |", "| --- | --- | --- | --- |");
    for (const h of report.host) {
      lines.push(`| ${h.name} | ${h.calls} | ${ms(h.totalMs)} | ${pct(h.share)} |`);
    }
  }
  return lines.join("\n");
}
