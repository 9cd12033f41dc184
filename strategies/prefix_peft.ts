/**
 * Loading a prefix saved as PEFT saves one (`strategies/prefix.ts`: `adapter_config.json` with
 * `peft_type: "PREFIX_TUNING"` and the computed table `prompt_embeddings` (P, 2·L·C) in
 * `adapter_model.safetensors`) back onto a base model, frozen, for evaluation and generation.
 * PEFT's own GPT-2 prefix folders have the same two entries (`get_peft_model_state_dict` keeps
 * `prompt_embeddings`, the encoder's output when `prefix_projection` is set).
 *
 * @module
 */
import { join } from "node:path";
import type { GPT2 } from "../model/gpt2.ts";
import { readSafetensors } from "../model/safetensors.ts";
import { attachPrefix, PREFIX_PEFT_FILES, type PrefixAttachment } from "./prefix.ts";

/**
 * Loads the PEFT prefix folder `dir` onto `model` and attaches it, frozen. Throws naming the file
 * and both shapes when it was saved for a model of another depth, width or head count, and
 * naming the file and the key when the config is not a prefix or the tensor is missing.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * import { attachPrefix } from "./prefix.ts";
 * const model = await loadModel("tiny");
 * const dir = await Deno.makeTempDir();
 * const trained = attachPrefix(model, { length: 4, hidden: 16, seed: 1 });
 * await trained.keepComputed();
 * await trained.save(dir, "CAUSAL_LM");
 * trained.detach();
 * const prefix = await loadPrefixPeft(model, dir);
 * // every forward now attends to the saved prefix; prefix.detach() removes it
 * prefix.detach();
 * model.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadPrefixPeft(model: GPT2, dir: string): Promise<PrefixAttachment> {
  const configFile = join(dir, PREFIX_PEFT_FILES.config);
  const file = join(dir, PREFIX_PEFT_FILES.weights);
  const c = JSON.parse(await Deno.readTextFile(configFile));
  if (c.peft_type !== "PREFIX_TUNING") {
    throw new Error(
      `${configFile}: peft_type is ${JSON.stringify(c.peft_type)}, not "PREFIX_TUNING"`,
    );
  }
  for (const key of ["num_virtual_tokens", "num_layers", "token_dim"]) {
    if (!Number.isInteger(c[key]) || c[key] < 0) {
      throw new Error(
        `${configFile}: '${key}' must be a non-negative integer, got ${JSON.stringify(c[key])}`,
      );
    }
  }
  const { nLayer: L, nEmbd: C, nHead: H } = model.config;
  const heads = c.num_attention_heads ?? H;
  if (c.num_layers !== L || c.token_dim !== C || heads !== H) {
    throw new Error(
      `${configFile}: saved for n_layer ${c.num_layers}, n_embd ${c.token_dim}, n_head ${heads}; ` +
        `the model has n_layer ${L}, n_embd ${C}, n_head ${H}`,
    );
  }
  const P = c.num_virtual_tokens;
  const saved = (await readSafetensors(file)).get("prompt_embeddings");
  if (!saved) throw new Error(`${file}: no tensor 'prompt_embeddings'`);
  const want = [P, 2 * L * C];
  if (saved.shape.length !== 2 || saved.shape[0] !== want[0] || saved.shape[1] !== want[1]) {
    throw new Error(
      `${file}: 'prompt_embeddings' has shape [${saved.shape}], the model needs [${want}] ` +
        `(prefix length ${P}, 2 · n_layer ${L} · n_embd ${C})`,
    );
  }
  return attachPrefix(model, {
    length: P,
    hidden: c.encoder_hidden_size ?? 0,
    seed: 0,
    computed: saved.data,
  });
}
