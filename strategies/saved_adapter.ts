/**
 * Loads a saved adapter folder onto a base model, whatever its kind: the folder's
 * `adapter_config.json` names it (`peft_type`): `LORA` (PEFT's LoRA layout, `lora_peft.ts`),
 * `PREFIX_TUNING` (PEFT's prefix, `prefix_peft.ts`) or `HIDDEN_OFFSET` (the study's offset
 * prefix, `prefix_offset.ts`). What it attaches is frozen: `train --adapter=DIR --max-steps=0`
 * evaluates and generates with it; a run that trains on top trains only what its own strategy
 * trains.
 *
 * @module
 */
import { join } from "node:path";
import type { GPT2 } from "../model/gpt2.ts";
import { pathExists } from "../model/path_exists.ts";
import { loadLoraPeft } from "./lora_peft.ts";
import { PREFIX_PEFT_FILES } from "./prefix.ts";
import { HIDDEN_OFFSET, loadPrefixOffset } from "./prefix_offset.ts";
import { loadPrefixPeft } from "./prefix_peft.ts";

/** The adapter kinds a folder may hold (its `peft_type`). */
export const SAVED_ADAPTER_KINDS = ["LORA", "PREFIX_TUNING", HIDDEN_OFFSET] as const;

/** An adapter loaded onto a model. */
export interface SavedAdapter {
  /** Its `peft_type`. */
  kind: (typeof SAVED_ADAPTER_KINDS)[number];
  /** Removes it from the model and frees its tensors. */
  detach(): void;
}

/**
 * Loads the adapter folder `dir` onto `model`, frozen. Throws naming the file when the folder
 * has no `adapter_config.json` or its `peft_type` is not one of {@linkcode SAVED_ADAPTER_KINDS},
 * and naming the file and both shapes when it was saved for a model of another shape.
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
 * const adapter = await loadSavedAdapter(model, dir);
 * console.log(adapter.kind); // "PREFIX_TUNING"
 * adapter.detach();
 * model.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadSavedAdapter(model: GPT2, dir: string): Promise<SavedAdapter> {
  const configFile = join(dir, PREFIX_PEFT_FILES.config);
  if (!(await pathExists(configFile))) {
    throw new Error(`--adapter: ${configFile} not found (not a saved adapter folder)`);
  }
  let kind: unknown;
  try {
    kind = JSON.parse(await Deno.readTextFile(configFile)).peft_type;
  } catch (e) {
    throw new Error(`${configFile}: not a JSON object (${(e as Error).message})`);
  }
  if (kind === "LORA") {
    const lora = await loadLoraPeft(model, dir);
    for (const l of lora.layers) l.a.requiresGrad = l.b.requiresGrad = false;
    return { kind, detach: () => lora.detach() };
  }
  if (kind === "PREFIX_TUNING") {
    const prefix = await loadPrefixPeft(model, dir);
    return { kind, detach: () => prefix.detach() };
  }
  if (kind === HIDDEN_OFFSET) {
    const offset = await loadPrefixOffset(model, dir);
    return { kind, detach: () => offset.detach() };
  }
  throw new Error(
    `${configFile}: peft_type ${JSON.stringify(kind)} is not one this toolkit loads ` +
      `(${SAVED_ADAPTER_KINDS.join(", ")})`,
  );
}
