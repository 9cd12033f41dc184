/**
 * Repairs the checkpoint folders of a run folder after a crash in the middle of a save (see
 * `training_checkpoint.ts`): a save writes `<name>.tmp-<uuid>`, marks it complete, renames
 * `<name>` to `<name>.old-<uuid>` and the new folder to `<name>`. A process killed at any point
 * leaves some of these; {@linkcode repairCheckpoints} keeps the newest complete one under
 * `<name>`, removes the rest and says what it did.
 *
 * A folder is complete when it is `<name>` itself or a former `<name>` (`.old-*`: both were
 * complete when they got that name), or a `.tmp-*` folder holding `complete.json`. Newest means
 * the highest step (from `complete.json`, else `train_state.json`); on a tie `<name>` wins.
 *
 * @module
 */
import { join } from "node:path";
import { pathExists } from "../../model/path_exists.ts";
import { TRAINING_CHECKPOINT_FILES } from "./training_checkpoint.ts";

interface Candidate {
  name: string;
  kind: "current" | "old" | "tmp";
  complete: boolean;
  step: number;
}

async function savedStep(dir: string): Promise<number> {
  for (const file of [TRAINING_CHECKPOINT_FILES.complete, TRAINING_CHECKPOINT_FILES.state]) {
    try {
      const value = JSON.parse(await Deno.readTextFile(join(dir, file)));
      if (typeof value?.step === "number") return value.step;
    } catch { /* missing or unreadable: try the next */ }
  }
  return -1;
}

const RANK = { current: 2, tmp: 1, old: 0 } as const;

/**
 * Repairs the checkpoint folders `names` (e.g. `["checkpoint", "best"]`) inside `runDir` and
 * returns one message per change (empty when there was nothing to repair).
 *
 * @example
 * ```ts
 * import { repairCheckpoints } from "./checkpoint_repair.ts";
 * const run = await Deno.makeTempDir(); // a run folder where a save was cut short by a crash:
 * await Deno.mkdir(`${run}/checkpoint.tmp-9a1`); // written, but never marked complete
 * for (const m of await repairCheckpoints(run, ["checkpoint", "best"])) console.error(m);
 * // checkpoint: removed checkpoint.tmp-9a1 (incomplete save)
 * // (and e.g. "checkpoint: restored checkpoint.old-1f… (step 40), the newest complete checkpoint")
 * ```
 */
export async function repairCheckpoints(
  runDir: string,
  names: readonly string[],
): Promise<string[]> {
  const entries: string[] = [];
  for await (const e of Deno.readDir(runDir)) if (e.isDirectory) entries.push(e.name);
  const messages: string[] = [];
  for (const name of names) {
    const found: Candidate[] = [];
    for (const entry of entries.sort()) {
      const kind = entry === name
        ? "current"
        : entry.startsWith(`${name}.old-`)
        ? "old"
        : entry.startsWith(`${name}.tmp-`)
        ? "tmp"
        : null;
      if (kind === null) continue;
      const dir = join(runDir, entry);
      const complete = kind !== "tmp" ||
        (await pathExists(join(dir, TRAINING_CHECKPOINT_FILES.complete)));
      found.push({ name: entry, kind, complete, step: complete ? await savedStep(dir) : -1 });
    }
    if (found.length === 0 || (found.length === 1 && found[0].kind === "current")) continue;
    const winner = found.filter((c) => c.complete)
      .sort((a, b) => b.step - a.step || RANK[b.kind] - RANK[a.kind])[0];
    const current = found.find((c) => c.kind === "current");
    if (winner && winner.kind !== "current") {
      if (current) await Deno.remove(join(runDir, current.name), { recursive: true });
      await Deno.rename(join(runDir, winner.name), join(runDir, name));
      messages.push(
        `${name}: restored ${winner.name} (step ${winner.step}), the newest complete ${name}` +
          (current ? ` (replacing the older ${name}, step ${current.step})` : ""),
      );
    }
    for (const c of found) {
      if (c === winner || c === current) continue;
      await Deno.remove(join(runDir, c.name), { recursive: true });
      const why = c.kind === "tmp" && !c.complete
        ? "incomplete save"
        : `older than the ${name} kept`;
      messages.push(`${name}: removed ${c.name} (${why})`);
    }
  }
  return messages;
}
