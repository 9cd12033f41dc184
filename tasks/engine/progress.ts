/**
 * Training progress on stderr. When stderr is a terminal, one line redrawn in place
 * (`epoch 2/6 step 37/134 loss 1.2345 tok/s 5120 ETA 12:04`); otherwise (a log file, CI) the same
 * line printed plainly every `everySeconds` seconds or `everySteps` steps, at the first update
 * and at the end of each epoch. The writer, the clock and the terminal check are injectable.
 *
 * Rates count only the steps and tokens seen by this reporter (a resumed run's earlier steps do
 * not inflate them); the ETA is the remaining steps at that rate.
 *
 * @module
 */

/** Options of {@linkcode createProgress}. */
export interface ProgressOptions {
  /** Number of epochs (E). */
  totalEpochs: number;
  /** Optimizer steps per epoch (S). */
  stepsPerEpoch: number;
  /** Steps of the whole run when capped (`--max-steps`); default E · S. */
  totalSteps?: number;
  /** Receives the text to show (default: written to stderr). */
  write?: (text: string) => void;
  /** Milliseconds from any fixed origin (default `performance.now`). */
  now?: () => number;
  /** Redraw one line (true) or print plain lines (false); default `Deno.stderr.isTerminal()`. */
  isTerminal?: boolean;
  /** Plain mode: print at least this often, in seconds (default 30). */
  everySeconds?: number;
  /** Plain mode: also print every this many steps (default 0: off). */
  everySteps?: number;
  /** Terminal mode: redraw at most this often, in milliseconds (default 100). */
  redrawMs?: number;
}

/** One training step's news. */
export interface ProgressUpdate {
  /** 0-based epoch. */
  epoch: number;
  /** Steps completed in this epoch (1 after its first step). */
  step: number;
  /** The step's loss, when it was read back (the last known one is shown otherwise). */
  loss?: number;
  /** Tokens the step processed (padding excluded). */
  tokens?: number;
}

/** What {@linkcode createProgress} returns. */
export interface ProgressReporter {
  /** Reports a step. */
  update(update: ProgressUpdate): void;
  /** Prints a message on its own line without garbling the redrawn line. */
  log(message: string): void;
  /** Ends the display (the redrawn line is kept, followed by a newline). */
  done(): void;
}

/**
 * Seconds as `mm:ss`, or `h:mm:ss` from one hour on; `--:--` when not finite.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./progress.ts";
 * console.log(formatDuration(724), formatDuration(3725)); // "12:04" "1:02:05"
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, "0");
  const mm = two(Math.floor(s / 60) % 60);
  const ss = two(s % 60);
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Fields of {@linkcode formatProgressLine}. */
export interface ProgressLine {
  /** 1-based epoch shown. */
  epoch: number;
  /** Number of epochs. */
  totalEpochs: number;
  /** Steps done in the epoch. */
  step: number;
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /** Last known loss (undefined: not read yet). */
  loss?: number;
  /** Tokens per second (undefined: not known yet). */
  tokensPerSecond?: number;
  /** Seconds left (undefined: not known yet). */
  etaSeconds?: number;
}

/**
 * The progress line's text.
 *
 * @example
 * ```ts
 * import { formatProgressLine } from "./progress.ts";
 * formatProgressLine({
 *   epoch: 2, totalEpochs: 6, step: 37, stepsPerEpoch: 134, loss: 1.23449,
 *   tokensPerSecond: 5120.4, etaSeconds: 724,
 * }); // "epoch 2/6 step 37/134 loss 1.2345 tok/s 5120 ETA 12:04"
 * ```
 */
export function formatProgressLine(p: ProgressLine): string {
  const loss = p.loss === undefined ? "-" : p.loss.toFixed(4);
  const rate = p.tokensPerSecond === undefined ? "-" : String(Math.round(p.tokensPerSecond));
  return `epoch ${p.epoch}/${p.totalEpochs} step ${p.step}/${p.stepsPerEpoch} loss ${loss} ` +
    `tok/s ${rate} ETA ${formatDuration(p.etaSeconds ?? NaN)}`;
}

function stderrWriter(): (text: string) => void {
  const encoder = new TextEncoder();
  return (text) => {
    const bytes = encoder.encode(text);
    for (let done = 0; done < bytes.length;) done += Deno.stderr.writeSync(bytes.subarray(done));
  };
}

function positiveInt(key: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`createProgress(): ${key} must be an integer ≥ 1, got ${value}`);
  }
}

/**
 * A progress reporter (see the module doc).
 *
 * @example
 * ```ts
 * import { createProgress } from "./progress.ts";
 * const progress = createProgress({ totalEpochs: 6, stepsPerEpoch: 134 });
 * progress.update({ epoch: 0, step: 1, loss: 1.61, tokens: 2048 });
 * progress.log("epoch 1: dev accuracy 0.412");
 * progress.done();
 * ```
 */
export function createProgress(options: ProgressOptions): ProgressReporter {
  const { totalEpochs, stepsPerEpoch } = options;
  positiveInt("totalEpochs", totalEpochs);
  positiveInt("stepsPerEpoch", stepsPerEpoch);
  const totalSteps = options.totalSteps ?? totalEpochs * stepsPerEpoch;
  positiveInt("totalSteps", totalSteps);
  const write = options.write ?? stderrWriter();
  const now = options.now ?? (() => performance.now());
  const terminal = options.isTerminal ?? Deno.stderr.isTerminal();
  const everyMs = (options.everySeconds ?? 30) * 1000;
  const everySteps = options.everySteps ?? 0;
  const redrawMs = options.redrawMs ?? 100;

  const start = now();
  let firstGlobal: number | null = null; // global step before this reporter's first update
  let tokens = 0;
  let loss: number | undefined;
  let line = ""; // the line currently drawn (terminal) or last printed (plain)
  let lastShown = -Infinity;

  function render(u: ProgressUpdate, t: number): string {
    const global = u.epoch * stepsPerEpoch + u.step;
    firstGlobal ??= global - 1;
    const seconds = (t - start) / 1000;
    const stepsDone = global - firstGlobal;
    const known = seconds > 0 && stepsDone > 0;
    return formatProgressLine({
      epoch: u.epoch + 1,
      totalEpochs,
      step: u.step,
      stepsPerEpoch,
      loss,
      tokensPerSecond: known && tokens > 0 ? tokens / seconds : undefined,
      etaSeconds: known ? Math.max(0, totalSteps - global) * seconds / stepsDone : undefined,
    });
  }

  return {
    update(u) {
      if (u.loss !== undefined) loss = u.loss;
      tokens += u.tokens ?? 0;
      const t = now();
      const first = firstGlobal === null;
      const text = render(u, t);
      const epochEnd = u.step >= stepsPerEpoch;
      if (terminal) {
        if (!first && !epochEnd && t - lastShown < redrawMs) return;
        write(`\r${text}\x1b[K`);
      } else {
        const global = u.epoch * stepsPerEpoch + u.step;
        const due = t - lastShown >= everyMs || (everySteps > 0 && global % everySteps === 0);
        if (!first && !epochEnd && !due) return;
        write(text + "\n");
      }
      line = text;
      lastShown = t;
    },
    log(message) {
      if (terminal && line !== "") write(`\r\x1b[K${message}\n${line}`);
      else write(message + "\n");
    },
    done() {
      if (terminal && line !== "") write("\n");
      line = "";
    },
  };
}
