/**
 * Hugging Face GPT-2 checkpoints on disk: a directory with `config.json` and `model.safetensors`.
 * Loading validates everything (config, every key, every shape) before returning, so errors
 * surface before any GPU work; saving writes the same layout, each file atomically.
 *
 * @module
 */

import { pathExists } from "./path_exists.ts";
import { join } from "node:path";
import {
  configFromHF,
  configToHF,
  type GPT2Config,
  parameterShapes,
  shapeSize,
  validateConfig,
} from "./config.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { readSafetensors, writeSafetensors } from "./safetensors.ts";

/** A checkpoint read into memory: its configuration and parameters by HF name. */
export interface LoadedCheckpoint {
  /** Parsed from `config.json`. */
  config: GPT2Config;
  /** Every parameter of {@linkcode parameterShapes}, in that order, as float32, row-major. */
  tensors: Map<string, Float32Array>;
}

/** A tensor as read from a file, before its key is normalized. */
export interface RawTensor {
  /** Shape, outermost first. */
  shape: readonly number[];
  /** Values, row-major. */
  data: Float32Array;
}

/** Buffers HF keeps in some GPT-2 files (the causal mask and its fill value): never parameters. */
const IGNORED = /^h\.\d+\.attn\.(bias|masked_bias)$/;
const PREFIX = "transformer.";

function stripPrefix(name: string): string {
  return name.startsWith(PREFIX) ? name.slice(PREFIX.length) : name;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function listKeys(keys: string[]): string {
  const shown = keys.slice(0, 8).map((k) => `"${k}"`).join(", ");
  return keys.length > 8 ? `${shown} and ${keys.length - 8} more` : shown;
}

/**
 * Maps tensors read from a checkpoint file to this toolkit's parameters. Keys: a leading
 * `transformer.` is stripped; `h.{i}.attn.bias` and `h.{i}.attn.masked_bias` (buffers) are
 * ignored; `lm_head.weight` is optional and, GPT-2's head being tied to `wte.weight`, must have
 * the same shape and exactly the same values (an untied head is refused rather than dropped).
 * Every key of {@linkcode parameterShapes} must be present with its shape; any other key is an
 * error. `fileName` names the file in errors.
 *
 * @example
 * ```ts
 * import { normalizeCheckpointTensors } from "./checkpoint.ts";
 * import { PRESETS } from "./config.ts";
 * import { readSafetensors } from "./safetensors.ts";
 * // any folder holding config.json + model.safetensors, e.g. the one-layer one the tests use:
 * const dir = new URL("../tests/fixtures/gpt2-l1-h8-c16-p24/", import.meta.url).pathname;
 * import { configFromHF } from "./config.ts";
 * const config = configFromHF(JSON.parse(await Deno.readTextFile(`${dir}config.json`)), "config.json");
 * const raw = await readSafetensors(`${dir}model.safetensors`);
 * const params = normalizeCheckpointTensors(raw, config, "model.safetensors");
 * console.log(params.size, PRESETS.gpt2.nLayer); // the fixture's tensors under HF names
 * ```
 */
export function normalizeCheckpointTensors(
  raw: ReadonlyMap<string, RawTensor>,
  config: GPT2Config,
  fileName: string,
): Map<string, Float32Array> {
  const byName = new Map<string, RawTensor>();
  for (const [key, tensor] of raw) {
    const name = stripPrefix(key);
    if (IGNORED.test(name)) continue;
    if (byName.has(name)) {
      throw new Error(`${fileName}: key "${name}" appears twice (with and without "${PREFIX}")`);
    }
    byName.set(name, tensor);
  }
  const expected = parameterShapes(config);
  const known = new Set([...expected.map((p) => p.name), "lm_head.weight"]);
  const unexpected = [...byName.keys()].filter((k) => !known.has(k));
  if (unexpected.length > 0) {
    throw new Error(
      `${fileName}: unexpected keys ${listKeys(unexpected)}: not GPT-2 parameters for this ` +
        `config (${config.nLayer} layers)`,
    );
  }
  const missing = expected.filter((p) => !byName.has(p.name)).map((p) => p.name);
  if (missing.length > 0) throw new Error(`${fileName}: missing keys ${listKeys(missing)}`);
  const out = new Map<string, Float32Array>();
  for (const { name, shape } of expected) {
    const t = byName.get(name)!;
    if (!sameShape(t.shape, shape)) {
      throw new Error(
        `${fileName}: key "${name}" has shape [${t.shape}], expected [${shape}] ` +
          `(from config.json)`,
      );
    }
    out.set(name, t.data);
  }
  const head = byName.get("lm_head.weight");
  if (head) {
    const wte = byName.get("wte.weight")!;
    if (!sameShape(head.shape, wte.shape)) {
      throw new Error(
        `${fileName}: key "lm_head.weight" has shape [${head.shape}], expected [${wte.shape}] ` +
          `(the shape of wte.weight: the head is tied)`,
      );
    }
    const i = head.data.findIndex((v, j) => !Object.is(v, wte.data[j]));
    if (i >= 0) {
      throw new Error(
        `${fileName}: key "lm_head.weight" differs from "wte.weight" at element ${i} ` +
          `(${head.data[i]} vs ${wte.data[i]}): untied LM heads are not supported`,
      );
    }
  }
  return out;
}

/**
 * Reads `dir/config.json` and `dir/model.safetensors` (F32, F16, BF16 or F64; converted to
 * float32) and validates them as described in {@linkcode normalizeCheckpointTensors}.
 *
 * @example
 * ```ts
 * import { loadCheckpointTensors } from "./checkpoint.ts";
 * // any folder holding config.json + model.safetensors, e.g. the one-layer one the tests use:
 * const dir = new URL("../tests/fixtures/gpt2-l1-h8-c16-p24/", import.meta.url).pathname;
 * const { config, tensors } = await loadCheckpointTensors(dir);
 * console.log(config.nLayer, tensors.get("wte.weight")?.length); // 1 804112 (50257 × 16)
 * ```
 */
export async function loadCheckpointTensors(dir: string): Promise<LoadedCheckpoint> {
  const configPath = join(dir, "config.json");
  const weightsPath = join(dir, "model.safetensors");
  for (const path of [configPath, weightsPath]) {
    if (!(await pathExists(path))) {
      const bin = (await pathExists(join(dir, "pytorch_model.bin")))
        ? " (pytorch_model.bin is not read: only the safetensors format is supported)"
        : "";
      throw new Error(
        `${path}: file not found; a checkpoint directory holds config.json and ` +
          `model.safetensors${bin}`,
      );
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(configPath));
  } catch (e) {
    throw new Error(`${configPath}: not valid JSON: ${(e as Error).message}`);
  }
  const config = configFromHF(json, configPath);
  const raw = await readSafetensors(weightsPath, {
    include: (name) => !IGNORED.test(stripPrefix(name)),
  });
  return { config, tensors: normalizeCheckpointTensors(raw, config, weightsPath) };
}

/**
 * Writes a checkpoint in HF layout: `dir/model.safetensors` (F32, keys without a `transformer.`
 * prefix, no `lm_head.weight`, metadata `format: "pt"` plus `extraMetadata`) and then
 * `dir/config.json`, each atomically (temporary file, then rename), creating `dir` if needed.
 * `tensors` must hold exactly the parameters of {@linkcode parameterShapes}, each of the right
 * length; nothing is written otherwise. The result loads with {@linkcode loadCheckpointTensors}
 * and with HF transformers' `GPT2LMHeadModel.from_pretrained(dir)`.
 *
 * @example
 * ```ts
 * import { saveCheckpoint } from "./checkpoint.ts";
 * import { parameterShapes, PRESETS, shapeSize } from "./config.ts";
 * const config = PRESETS.tiny;
 * const tensors = new Map(
 *   parameterShapes(config).map((p) => [p.name, new Float32Array(shapeSize(p.shape))]),
 * );
 * await saveCheckpoint("runs/tiny-zero", config, tensors, { step: "0" });
 * ```
 */
export async function saveCheckpoint(
  dir: string,
  config: GPT2Config,
  tensors: ReadonlyMap<string, Float32Array>,
  extraMetadata: Record<string, string> = {},
): Promise<void> {
  validateConfig(config);
  const expected = parameterShapes(config);
  const names = new Set(expected.map((p) => p.name));
  const unexpected = [...tensors.keys()].filter((k) => !names.has(k));
  if (unexpected.length > 0) {
    throw new Error(`saveCheckpoint(${dir}): unexpected tensors ${listKeys(unexpected)}`);
  }
  const list = expected.map(({ name, shape }) => {
    const data = tensors.get(name);
    if (!data) throw new Error(`saveCheckpoint(${dir}): missing tensor "${name}"`);
    if (data.length !== shapeSize(shape)) {
      throw new Error(
        `saveCheckpoint(${dir}): tensor "${name}" has ${data.length} values, expected ` +
          `${shapeSize(shape)} for shape [${shape}]`,
      );
    }
    return { name, shape, data };
  });
  await Deno.mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, "model.safetensors"), list, {
    ...extraMetadata,
    format: "pt",
  });
  await writeFileAtomic(
    join(dir, "config.json"),
    JSON.stringify(configToHF(config), null, 2) + "\n",
  );
}
