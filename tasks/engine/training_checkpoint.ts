/**
 * Checkpoints of a training run. A folder holds GPT-2 in Hugging Face layout (`config.json`,
 * `model.safetensors`), the task's extra parameters (`extras.safetensors`) and, for a resumable
 * checkpoint, the AdamW moments (`optimizer.safetensors`) and the loop state
 * (`train_state.json`). The folder is written beside its final place (`<dir>.tmp-<uuid>`), marked
 * complete (`complete.json`, written last, with the step) and swapped in by two renames (the old
 * folder to `<dir>.old-<uuid>`, the new one into place), so a crash leaves either the old
 * checkpoint or the new one, never a mix; a crash between the renames leaves the complete folders
 * under those names, which `checkpoint_repair.ts` puts back on `--resume`.
 *
 * @module
 */
import { pathExists } from "../../model/path_exists.ts";
import { join } from "node:path";
import type { AdamW, AdamWState, MomentState } from "../../kernels/adamw.ts";
import type { Tensor } from "../../kernels/tensor.ts";
import { loadCheckpointTensors, saveCheckpoint } from "../../model/checkpoint.ts";
import type { GPT2 } from "../../model/gpt2.ts";
import { readSafetensors, writeSafetensors } from "../../model/safetensors.ts";
import { writeTextAtomic } from "../data/writers.ts";

/** File names inside a checkpoint folder. */
export const TRAINING_CHECKPOINT_FILES = {
  extras: "extras.safetensors",
  optimizer: "optimizer.safetensors",
  state: "train_state.json",
  complete: "complete.json",
} as const;

/** What a resumable checkpoint holds besides the weights. */
export interface ResumeState {
  /** Loop position and bookkeeping (JSON). */
  state: Record<string, unknown>;
  /** The optimizer to save (its moments and step counts). */
  optimizer: AdamW;
}

/**
 * Writes model, extras and (when given) optimizer and loop state into `dir`, atomically as a
 * whole: into `dir.tmp-<uuid>`, marked complete with `step` (the optimizer steps the weights
 * have taken), then renamed over `dir`.
 */
export async function saveTrainingCheckpoint(
  dir: string,
  model: GPT2,
  extras: Map<string, Tensor>,
  resume?: ResumeState,
  step?: number,
): Promise<void> {
  const tmp = `${dir}.tmp-${crypto.randomUUID()}`;
  const old = `${dir}.old-${crypto.randomUUID()}`;
  try {
    await saveCheckpoint(tmp, model.config, await model.toHost());
    const extraData = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of extras) {
      extraData.set(name, { shape: [...t.shape], data: await t.readFloat() });
    }
    await writeSafetensors(join(tmp, TRAINING_CHECKPOINT_FILES.extras), extraData);
    if (resume) {
      const opt = await resume.optimizer.exportState();
      const moments = new Map<string, { shape: number[]; data: Float32Array }>();
      const steps: Record<string, number> = {};
      for (const [name, s] of opt.moments) {
        moments.set(`exp_avg.${name}`, { shape: [s.m.length], data: s.m });
        moments.set(`exp_avg_sq.${name}`, { shape: [s.v.length], data: s.v });
        steps[name] = s.step ?? opt.step;
      }
      await writeSafetensors(join(tmp, TRAINING_CHECKPOINT_FILES.optimizer), moments);
      const optimizer = { step: opt.step, groups: opt.groups, steps };
      await writeTextAtomic(
        join(tmp, TRAINING_CHECKPOINT_FILES.state),
        JSON.stringify({ ...resume.state, optimizer }, null, 2),
      );
    }
    const savedStep = step ?? resume?.state.step;
    await writeTextAtomic(
      join(tmp, TRAINING_CHECKPOINT_FILES.complete),
      JSON.stringify({ step: typeof savedStep === "number" ? savedStep : null }) + "\n",
    );
    if (await pathExists(dir)) await Deno.rename(dir, old);
    await Deno.rename(tmp, dir);
    await Deno.remove(old, { recursive: true }).catch(() => {});
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    if (!(await pathExists(dir)) && (await pathExists(old))) await Deno.rename(old, dir);
    throw e;
  }
}

/** Loads `extras.safetensors` of a checkpoint into the given tensors (names and sizes must match). */
export async function loadExtras(dir: string, extras: Map<string, Tensor>): Promise<void> {
  const file = join(dir, TRAINING_CHECKPOINT_FILES.extras);
  const saved = await readSafetensors(file);
  for (const [name, t] of extras) {
    const s = saved.get(name);
    if (!s) throw new Error(`${file}: no tensor '${name}' (the run's task or strategy differs?)`);
    if (s.data.length !== t.size) {
      throw new Error(`${file}: '${name}' has shape [${s.shape}], expected ${t.label()}`);
    }
    t.gpu.write(t.buffer, 0, new Float32Array(s.data));
  }
}

/** Reads the optimizer state and loop state of a resumable checkpoint. */
export async function loadResumeState(
  dir: string,
): Promise<{ optimizer: AdamWState; state: Record<string, unknown> }> {
  const stateFile = join(dir, TRAINING_CHECKPOINT_FILES.state);
  if (!(await pathExists(stateFile))) {
    throw new Error(`${dir}: not a resumable checkpoint (no ${TRAINING_CHECKPOINT_FILES.state})`);
  }
  const { optimizer: meta, ...state } = JSON.parse(await Deno.readTextFile(stateFile));
  if (!meta) throw new Error(`${stateFile}: key 'optimizer' is missing`);
  const file = join(dir, TRAINING_CHECKPOINT_FILES.optimizer);
  const tensors = await readSafetensors(file);
  const moments = new Map<string, MomentState>();
  for (const [name, step] of Object.entries(meta.steps as Record<string, number>)) {
    const m = tensors.get(`exp_avg.${name}`);
    const v = tensors.get(`exp_avg_sq.${name}`);
    if (!m || !v) throw new Error(`${file}: moments of '${name}' are missing`);
    moments.set(name, { m: m.data, v: v.data, step });
  }
  return { optimizer: { step: meta.step, groups: meta.groups, moments }, state };
}

/** Overwrites the model's parameters (and the extras) with a checkpoint folder's values. */
export async function restoreWeights(
  dir: string,
  model: GPT2,
  extras: Map<string, Tensor>,
): Promise<void> {
  const { tensors } = await loadCheckpointTensors(dir);
  for (const [name, t] of model.params) {
    const data = tensors.get(name);
    if (!data || data.length !== t.size) {
      throw new Error(
        `${dir}: parameter '${name}' is missing or has another shape than ${t.label()}`,
      );
    }
    t.gpu.write(t.buffer, 0, data);
  }
  if (extras.size > 0) await loadExtras(dir, extras);
}
