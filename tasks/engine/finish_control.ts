/**
 * The final-outputs phase of a run (predictions, generations), made interruptible and resumable:
 * the task splits its work into named parts; each completed part is recorded in
 * `<run>/finish_state.json` with the step of the weights that made it, so `--resume` after a
 * Ctrl-C redoes only the parts that had not completed (a record of another step is ignored).
 *
 * @module
 */
import { join } from "node:path";
import { pathExists } from "../../model/path_exists.ts";
import { writeTextAtomic } from "../data/writers.ts";

/** The record of completed parts inside a run folder. */
export const FINISH_STATE_FILE = "finish_state.json";

/** Thrown inside a task's final outputs when Ctrl-C asked to stop; the run exits resumable. */
export class FinishInterrupted extends Error {
  constructor(part: string) {
    super(`interrupted during the final outputs (${part})`);
    this.name = "FinishInterrupted";
  }
}

/** What a task's `finish` receives to run its parts. */
export interface FinishControl {
  /**
   * Runs `work` unless an earlier, interrupted finish of the same weights completed `name`; then
   * records it. Throws {@linkcode FinishInterrupted} when a stop was asked before or after it
   * (the part is recorded first); `work` itself throws it when it gives up half-way.
   */
  part(name: string, work: () => Promise<void>): Promise<void>;
  /** Whether a stop was asked (long parts check it between batches and give up early). */
  stopRequested(): boolean;
}

/**
 * A {@linkcode FinishControl} for run folder `runDir` and weights of step `step`; `stop` says
 * whether Ctrl-C was pressed, `log` hears which parts are kept from before.
 *
 * @example
 * ```ts
 * import { finishControl } from "./finish_control.ts";
 * const run = await Deno.makeTempDir(); // the run folder
 * const control = await finishControl(run, 120, () => false, console.error);
 * await control.part("dev generations", async () => {}); // done: recorded for step 120
 * const again = await finishControl(run, 120, () => false, console.error);
 * await again.part("dev generations", async () => {}); // logs that it is kept, skips the work
 * ```
 */
export async function finishControl(
  runDir: string,
  step: number,
  stop: () => boolean,
  log: (message: string) => void,
): Promise<FinishControl> {
  const file = join(runDir, FINISH_STATE_FILE);
  let done: string[] = [];
  if (await pathExists(file)) {
    try {
      const saved = JSON.parse(await Deno.readTextFile(file));
      if (saved?.step === step && Array.isArray(saved.done)) done = saved.done;
    } catch { /* unreadable: redo every part */ }
  }
  return {
    async part(name, work) {
      if (done.includes(name)) {
        log(`final outputs: ${name} already done before the interruption, kept`);
        return;
      }
      if (stop()) throw new FinishInterrupted(`before ${name}`);
      await work();
      done = [...done, name];
      await writeTextAtomic(file, JSON.stringify({ step, done }) + "\n");
      if (stop()) throw new FinishInterrupted(`after ${name}`);
    },
    stopRequested: stop,
  };
}
