/**
 * LoRA adapters in Hugging Face PEFT's file layout, so a Python user loads them with
 * `PeftModel.from_pretrained(GPT2LMHeadModel…, dir)` and this toolkit loads PEFT's onto a base
 * checkpoint. A folder holds `adapter_config.json` and `adapter_model.safetensors`.
 *
 * The layout, as PEFT writes it (read from huggingface/peft: `src/peft/utils/save_and_load.py`,
 * `get_peft_model_state_dict`, which keeps the `lora_` keys of the PeftModel's state dict and
 * drops the adapter name; `src/peft/tuners/lora/config.py` for the config fields): for GPT-2, a
 * PeftModel wraps the HF model as `base_model.model`, so block l's fused attention projection has
 * the keys `base_model.model.transformer.h.{l}.attn.c_attn.lora_A.weight` of shape (r, in) and
 * `….lora_B.weight` of shape (out, r) (`nn.Linear` weights: our A and B transposed). GPT-2's
 * Conv1D layers need `fan_in_fan_out: true`.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../model/atomic_write.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { readSafetensors, writeSafetensors } from "../model/safetensors.ts";
import { attachLora, LORA_TARGETS, type LoraAttachment } from "./lora.ts";

/** File names of a PEFT adapter folder. */
export const PEFT_FILES = {
  config: "adapter_config.json",
  weights: "adapter_model.safetensors",
} as const;

/**
 * PEFT's state-dict key of a LoRA matrix of GPT-2 layer `layer` (`h.0.attn.c_attn`).
 *
 * @example
 * ```ts
 * peftLoraKey("h.0.attn.c_attn", "A"); // "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"
 * ```
 */
export function peftLoraKey(layer: string, which: "A" | "B"): string {
  return `base_model.model.transformer.${layer}.lora_${which}.weight`;
}

/** Transposes a row-major (rows, cols) matrix. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j];
  }
  return out;
}

/**
 * The `adapter_config.json` PEFT writes for these adapters (LoraConfig's fields that matter for
 * GPT-2; PEFT fills the others with its defaults when it reads the file).
 */
export function peftLoraConfig(
  lora: LoraAttachment,
  taskType: "CAUSAL_LM" | "SEQ_CLS",
  baseModel = "gpt2",
): Record<string, unknown> {
  // PEFT matches a target by suffix: `c_attn` is unambiguous, `c_proj` would name both
  const targets = [...new Set(lora.layers.map((l) => l.layer.replace(/^h\.\d+\./, "")))]
    .map((t) => t === "attn.c_attn" ? "c_attn" : t);
  return {
    peft_type: "LORA",
    task_type: taskType,
    base_model_name_or_path: baseModel,
    r: lora.options.rank,
    lora_alpha: lora.options.alpha,
    lora_dropout: lora.options.dropout,
    target_modules: targets,
    fan_in_fan_out: true,
    bias: "none",
    init_lora_weights: true,
    inference_mode: true,
    modules_to_save: null,
    layers_to_transform: null,
    use_rslora: false,
    use_dora: false,
  };
}

/**
 * Writes the adapters into `dir` in PEFT's layout (each file atomically). For a classification
 * task PEFT's `SEQ_CLS` type is named; the task head itself stays in the run's checkpoint.
 */
export async function saveLoraPeft(
  dir: string,
  lora: LoraAttachment,
  taskType: "CAUSAL_LM" | "SEQ_CLS" = "CAUSAL_LM",
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const l of lora.layers) {
    const [inF, r] = l.a.shape;
    const outF = l.b.shape[1];
    tensors.set(peftLoraKey(l.layer, "A"), {
      shape: [r, inF],
      data: transpose(await l.a.readFloat(), inF, r),
    });
    tensors.set(peftLoraKey(l.layer, "B"), {
      shape: [outF, r],
      data: transpose(await l.b.readFloat(), r, outF),
    });
  }
  await writeSafetensors(join(dir, PEFT_FILES.weights), tensors, { format: "pt" });
  const config = peftLoraConfig(lora, taskType);
  await writeFileAtomic(join(dir, PEFT_FILES.config), JSON.stringify(config, null, 2) + "\n");
}

/**
 * Loads a PEFT LoRA folder onto `model` (a base checkpoint) and attaches it. Throws naming the
 * file and the key or value when the config is not LoRA, a target is not a GPT-2 layer, a key is
 * missing, or a matrix's shape does not fit the model (an adapter of another model size).
 */
export async function loadLoraPeft(model: GPT2, dir: string): Promise<LoraAttachment> {
  const configFile = join(dir, PEFT_FILES.config);
  const file = join(dir, PEFT_FILES.weights);
  const c = JSON.parse(await Deno.readTextFile(configFile));
  if (c.peft_type !== "LORA") {
    throw new Error(`${configFile}: peft_type is ${JSON.stringify(c.peft_type)}, not "LORA"`);
  }
  for (const key of ["r", "lora_alpha"]) {
    if (typeof c[key] !== "number") throw new Error(`${configFile}: '${key}' must be a number`);
  }
  const targets: string[] = Array.isArray(c.target_modules) ? c.target_modules : [];
  const full = targets.map((t) =>
    LORA_TARGETS.find((x) => x.endsWith("." + t) || x === t) ??
      (() => {
        throw new Error(
          `${configFile}: target_modules entry ${JSON.stringify(t)} is not a GPT-2 layer`,
        );
      })()
  );
  const lora = attachLora(model, {
    rank: c.r,
    alpha: c.lora_alpha,
    dropout: c.lora_dropout ?? 0,
    targets: full,
    seed: 0,
  });
  const saved = await readSafetensors(file);
  try {
    for (const l of lora.layers) {
      for (const [which, t] of [["A", l.a], ["B", l.b]] as const) {
        const key = peftLoraKey(l.layer, which);
        const s = saved.get(key);
        const want = [t.shape[1], t.shape[0]];
        if (!s) throw new Error(`${file}: no tensor '${key}'`);
        if (s.shape.length !== 2 || s.shape[0] !== want[0] || s.shape[1] !== want[1]) {
          throw new Error(
            `${file}: '${key}' has shape [${s.shape}], the model needs [${want}] ` +
              `(an adapter for another model size?)`,
          );
        }
        t.gpu.write(t.buffer, 0, transpose(s.data, want[0], want[1]));
      }
    }
  } catch (e) {
    lora.detach();
    throw e;
  }
  return lora;
}
