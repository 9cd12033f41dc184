/**
 * The task registry: `--task` names to their definitions. `deno task train`, `deno task eval`,
 * `--help` and the defaults table read it instead of switching on names. Adding a task is a folder
 * under `tasks/` that exports a {@linkcode TaskDefinition}, and one line here.
 *
 * @module
 */
import type { TaskDefinition } from "./engine/task.ts";
import { QUORA_TASK } from "./paraphrase/paraphrase.ts";
import { CFIMDB_TASK, SST_TASK } from "./sentiment/sentiment.ts";
import { SONNET_TASK } from "./sonnet/sonnet.ts";

/** Every task, in `--help` order. */
export const TASKS: readonly TaskDefinition[] = Object.freeze([
  SONNET_TASK,
  SST_TASK,
  CFIMDB_TASK,
  QUORA_TASK,
]);

/**
 * The task named `name`; throws naming the flag, the value and the known tasks when unknown.
 *
 * @example
 * ```ts
 * findTask("sst").defaults.select.metric; // "dev_accuracy"
 * ```
 */
export function findTask(name: string, flag = "--task"): TaskDefinition {
  const found = TASKS.find((t) => t.name === name);
  if (!found) {
    throw new Error(
      `${flag}: unknown task ${JSON.stringify(name)}; expected one of ` +
        TASKS.map((t) => t.name).join(", "),
    );
  }
  return found;
}
