/**
 * GPT-2 hyper-parameters: presets, Hugging Face `config.json` parsing and writing, and the list of
 * parameters (names and shapes, as in HF's `model.safetensors`) that a configuration implies.
 *
 * @module
 */

/** The MLP activation. Only `gelu_new` (GELU, tanh approximation) is what GPT-2 uses. */
export type Activation = "gelu_new";

/** GPT-2 hyper-parameters, named after HF's `GPT2Config` fields in camelCase. */
export interface GPT2Config {
  /** Token vocabulary size V (50,257 for GPT-2's BPE). */
  vocabSize: number;
  /** Number of learned positions P: the longest sequence the model takes. */
  nPositions: number;
  /** Model width C. */
  nEmbd: number;
  /** Number of transformer blocks L. */
  nLayer: number;
  /** Attention heads per block; must divide `nEmbd`. */
  nHead: number;
  /** LayerNorm epsilon. */
  layerNormEpsilon: number;
  /** Dropout on the sum of token and position embeddings. */
  embdPdrop: number;
  /** Dropout on attention probabilities. */
  attnPdrop: number;
  /** Dropout on each residual branch's output. */
  residPdrop: number;
  /** MLP activation. */
  activation: Activation;
}

/** Names of the built-in configurations in {@linkcode PRESETS}. */
export type PresetName = "gpt2" | "gpt2-medium" | "gpt2-large" | "gpt2-xl" | "tiny";

function preset(nLayer: number, nHead: number, nEmbd: number, nPositions = 1024): GPT2Config {
  return Object.freeze({
    vocabSize: 50257,
    nPositions,
    nEmbd,
    nLayer,
    nHead,
    layerNormEpsilon: 1e-5,
    embdPdrop: 0.1,
    attnPdrop: 0.1,
    residPdrop: 0.1,
    activation: "gelu_new",
  });
}

/**
 * Built-in configurations (frozen; spread one to change a field).
 *
 * - `gpt2` (124M): 12 layers, 12 heads, width 768. `gpt2-medium` (355M): 24/16/1024.
 *   `gpt2-large` (774M): 36/20/1280. `gpt2-xl` (1.5B): 48/25/1600. All: vocabulary 50,257,
 *   1,024 positions, LayerNorm epsilon 1e-5, dropout 0.1.
 * - `tiny` (6.7M, 6.4M of it the token embedding): 2 layers, 4 heads, width 128, 256 positions (a whole sonnet),
 *   the full 50,257-token vocabulary so that the real tokenizer works. It has no pretrained
 *   weights (it starts from random initialization) and trains at a usable speed on a CPU
 *   (software WebGPU adapter): meant for smoke tests and quick experiments.
 *
 * @example
 * ```ts
 * import { PRESETS } from "./config.ts";
 * const config = { ...PRESETS["gpt2"], embdPdrop: 0 };
 * console.log(config.nLayer); // 12
 * ```
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<GPT2Config>>> = Object.freeze({
  "gpt2": preset(12, 12, 768),
  "gpt2-medium": preset(24, 16, 1024),
  "gpt2-large": preset(36, 20, 1280),
  "gpt2-xl": preset(48, 25, 1600),
  "tiny": preset(2, 4, 128, 256),
});

/**
 * Whether `name` is a key of {@linkcode PRESETS}.
 *
 * @example
 * ```ts
 * import { isPresetName } from "./config.ts";
 * console.log(isPresetName("gpt2-xl"), isPresetName("gpt3")); // true false
 * ```
 */
export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

type Json = Record<string, unknown>;

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : JSON.stringify(value);
}

function readInt(json: Json, key: string, file: string): number {
  const value = json[key];
  if (value === undefined) throw new Error(`${file}: missing key "${key}" (a positive integer)`);
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new Error(`${file}: key "${key}" must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

function readProb(json: Json, key: string, file: string, fallback: number): number {
  const value = json[key] ?? fallback;
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new Error(`${file}: key "${key}" must be a number in [0, 1), got ${describe(value)}`);
  }
  return value;
}

/**
 * Checks a configuration's values; throws an Error naming `source` and the field otherwise.
 *
 * @example
 * ```ts
 * import { PRESETS, validateConfig } from "./config.ts";
 * validateConfig({ ...PRESETS.tiny, nLayer: 4 }, "cli"); // passes
 * // with nHead: 3 it would throw "cli: nEmbd (128) must be divisible by nHead (3)"
 * ```
 */
export function validateConfig(config: GPT2Config, source = "config"): void {
  for (const key of ["vocabSize", "nPositions", "nEmbd", "nLayer", "nHead"] as const) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new Error(`${source}: ${key} must be a positive integer, got ${describe(v)}`);
    }
  }
  if (config.nEmbd % config.nHead !== 0) {
    throw new Error(
      `${source}: nEmbd (${config.nEmbd}) must be divisible by nHead (${config.nHead})`,
    );
  }
  const eps = config.layerNormEpsilon;
  if (typeof eps !== "number" || !(eps > 0 && Number.isFinite(eps))) {
    throw new Error(`${source}: layerNormEpsilon must be a positive number, got ${describe(eps)}`);
  }
  for (const key of ["embdPdrop", "attnPdrop", "residPdrop"] as const) {
    const v = config[key];
    if (typeof v !== "number" || !(v >= 0 && v < 1)) {
      throw new Error(`${source}: ${key} must be in [0, 1), got ${describe(v)}`);
    }
  }
  if (config.activation !== "gelu_new") {
    throw new Error(`${source}: activation must be "gelu_new", got ${describe(config.activation)}`);
  }
}

/**
 * Parses a Hugging Face GPT-2 `config.json` (already JSON-parsed). `fileName` is used in errors.
 *
 * Required: `n_layer`, `n_head`, `n_embd`, `vocab_size`, and `n_positions` (or the older
 * `n_ctx`). Optional with HF's defaults: `layer_norm_epsilon` (1e-5), `embd_pdrop`, `attn_pdrop`,
 * `resid_pdrop` (0.1), `activation_function` ("gelu_new"). Rejected because this toolkit does not
 * implement them: `model_type` other than "gpt2", any activation but "gelu_new", `n_inner` other
 * than null or 4·n_embd, `scale_attn_weights: false`, `scale_attn_by_inverse_layer_idx: true`.
 *
 * @example
 * ```ts
 * import { configFromHF } from "./config.ts";
 * // any folder holding config.json + model.safetensors, e.g. the one-layer one the tests use:
 * const dir = new URL("../tests/fixtures/gpt2-l1-h8-c16-p24/", import.meta.url).pathname;
 * const text = await Deno.readTextFile(`${dir}config.json`);
 * const config = configFromHF(JSON.parse(text), "config.json");
 * console.log(config.nLayer, config.nHead, config.nEmbd); // 1 8 16
 * ```
 */
export function configFromHF(json: unknown, fileName: string): GPT2Config {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error(`${fileName}: expected a JSON object, got ${describe(json)}`);
  }
  const j = json as Json;
  if (j.model_type !== undefined && j.model_type !== "gpt2") {
    throw new Error(`${fileName}: key "model_type" must be "gpt2", got ${describe(j.model_type)}`);
  }
  const nEmbd = readInt(j, "n_embd", fileName);
  const nHead = readInt(j, "n_head", fileName);
  const nLayer = readInt(j, "n_layer", fileName);
  const vocabSize = readInt(j, "vocab_size", fileName);
  const posKey = j.n_positions !== undefined || j.n_ctx === undefined ? "n_positions" : "n_ctx";
  const nPositions = readInt(j, posKey, fileName);
  if (nEmbd % nHead !== 0) {
    throw new Error(
      `${fileName}: key "n_embd" (${nEmbd}) must be divisible by "n_head" (${nHead})`,
    );
  }
  const eps = j.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== "number" || !(eps > 0 && Number.isFinite(eps))) {
    throw new Error(
      `${fileName}: key "layer_norm_epsilon" must be a positive number, got ${describe(eps)}`,
    );
  }
  const activation = j.activation_function ?? "gelu_new";
  if (activation !== "gelu_new") {
    throw new Error(
      `${fileName}: key "activation_function" must be "gelu_new" (the only one supported), ` +
        `got ${describe(activation)}`,
    );
  }
  if (j.n_inner !== undefined && j.n_inner !== null && j.n_inner !== 4 * nEmbd) {
    throw new Error(
      `${fileName}: key "n_inner" must be null or ${4 * nEmbd} (4 × n_embd), got ${
        describe(j.n_inner)
      }`,
    );
  }
  if (j.scale_attn_weights === false || j.scale_attn_by_inverse_layer_idx === true) {
    throw new Error(
      `${fileName}: keys "scale_attn_weights" must be true and ` +
        `"scale_attn_by_inverse_layer_idx" false (other attention scalings are not supported)`,
    );
  }
  return {
    vocabSize,
    nPositions,
    nEmbd,
    nLayer,
    nHead,
    layerNormEpsilon: eps,
    embdPdrop: readProb(j, "embd_pdrop", fileName, 0.1),
    attnPdrop: readProb(j, "attn_pdrop", fileName, 0.1),
    residPdrop: readProb(j, "resid_pdrop", fileName, 0.1),
    activation: "gelu_new",
  };
}

/**
 * Converts a configuration to a `config.json` object that HF transformers loads as a
 * `GPT2LMHeadModel` (and that {@linkcode configFromHF} reads back unchanged).
 *
 * @example
 * ```ts
 * import { configToHF, PRESETS } from "./config.ts";
 * const text = JSON.stringify(configToHF(PRESETS.tiny), null, 2);
 * ```
 */
export function configToHF(config: GPT2Config): Record<string, unknown> {
  validateConfig(config);
  return {
    model_type: "gpt2",
    architectures: ["GPT2LMHeadModel"],
    vocab_size: config.vocabSize,
    n_positions: config.nPositions,
    n_ctx: config.nPositions,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_inner: null,
    activation_function: config.activation,
    layer_norm_epsilon: config.layerNormEpsilon,
    embd_pdrop: config.embdPdrop,
    attn_pdrop: config.attnPdrop,
    resid_pdrop: config.residPdrop,
    initializer_range: 0.02,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    use_cache: true,
    bos_token_id: 50256,
    eos_token_id: 50256,
    tie_word_embeddings: true,
    torch_dtype: "float32",
  };
}

/** One parameter: its HF name (without a `transformer.` prefix) and its shape. */
export interface ParameterShape {
  /** HF name, e.g. `h.0.attn.c_attn.weight`. */
  name: string;
  /** Shape, outermost first; linear weights are input × output (HF Conv1D orientation). */
  shape: number[];
}

/**
 * Every parameter of a GPT-2 with this configuration, in HF's order: `wte.weight` [V, C],
 * `wpe.weight` [P, C], then per block `h.{i}.ln_1.{weight,bias}` [C],
 * `h.{i}.attn.c_attn.weight` [C, 3C] and `.bias` [3C], `h.{i}.attn.c_proj.weight` [C, C] and
 * `.bias` [C], `h.{i}.ln_2.*` [C], `h.{i}.mlp.c_fc.weight` [C, 4C] and `.bias` [4C],
 * `h.{i}.mlp.c_proj.weight` [4C, C] and `.bias` [C]; last `ln_f.{weight,bias}` [C].
 * The LM head is tied to `wte.weight` and is not listed.
 *
 * @example
 * ```ts
 * import { parameterShapes, PRESETS } from "./config.ts";
 * const shapes = parameterShapes(PRESETS.gpt2);
 * console.log(shapes[0]); // { name: "wte.weight", shape: [50257, 768] }
 * ```
 */
export function parameterShapes(config: GPT2Config): ParameterShape[] {
  validateConfig(config);
  const { vocabSize: V, nPositions: P, nEmbd: C } = config;
  const out: ParameterShape[] = [
    { name: "wte.weight", shape: [V, C] },
    { name: "wpe.weight", shape: [P, C] },
  ];
  for (let i = 0; i < config.nLayer; i++) {
    const h = `h.${i}.`;
    out.push(
      { name: h + "ln_1.weight", shape: [C] },
      { name: h + "ln_1.bias", shape: [C] },
      { name: h + "attn.c_attn.weight", shape: [C, 3 * C] },
      { name: h + "attn.c_attn.bias", shape: [3 * C] },
      { name: h + "attn.c_proj.weight", shape: [C, C] },
      { name: h + "attn.c_proj.bias", shape: [C] },
      { name: h + "ln_2.weight", shape: [C] },
      { name: h + "ln_2.bias", shape: [C] },
      { name: h + "mlp.c_fc.weight", shape: [C, 4 * C] },
      { name: h + "mlp.c_fc.bias", shape: [4 * C] },
      { name: h + "mlp.c_proj.weight", shape: [4 * C, C] },
      { name: h + "mlp.c_proj.bias", shape: [C] },
    );
  }
  out.push({ name: "ln_f.weight", shape: [C] }, { name: "ln_f.bias", shape: [C] });
  return out;
}

/**
 * Number of elements of a shape (1 for the scalar shape `[]`).
 *
 * @example
 * ```ts
 * import { shapeSize } from "./config.ts";
 * console.log(shapeSize([3, 4])); // 12
 * ```
 */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Total number of parameters (the tied LM head counted once, as HF reports it).
 *
 * @example
 * ```ts
 * import { parameterCount, PRESETS } from "./config.ts";
 * console.log(parameterCount(PRESETS.gpt2)); // 124439808
 * ```
 */
export function parameterCount(config: GPT2Config): number {
  return parameterShapes(config).reduce((sum, p) => sum + shapeSize(p.shape), 0);
}
