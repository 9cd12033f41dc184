import assert from "node:assert/strict";
import { join } from "node:path";
import {
  configFromHF,
  configToHF,
  type GPT2Config,
  isPresetName,
  parameterCount,
  parameterShapes,
  PRESETS,
  validateConfig,
} from "./config.ts";
import { parityFixtureDir, testNeeds } from "../tests/fixture.ts";

const FIXTURE = parityFixtureDir();
const needs = testNeeds(import.meta.url);

// The config.json of Hugging Face's `gpt2` repository, as published.
const HF_GPT2 = {
  activation_function: "gelu_new",
  architectures: ["GPT2LMHeadModel"],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  initializer_range: 0.02,
  layer_norm_epsilon: 1e-05,
  model_type: "gpt2",
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_layer: 12,
  n_positions: 1024,
  resid_pdrop: 0.1,
  summary_activation: null,
  summary_first_dropout: 0.1,
  summary_proj_to_labels: true,
  summary_type: "cls_index",
  summary_use_proj: true,
  task_specific_params: { "text-generation": { do_sample: true, max_length: 50 } },
  vocab_size: 50257,
};

Deno.test("parameterCount() matches the published GPT-2 sizes for every preset", () => {
  assert.equal(parameterCount(PRESETS["gpt2"]), 124_439_808);
  assert.equal(parameterCount(PRESETS["gpt2-medium"]), 354_823_168);
  assert.equal(parameterCount(PRESETS["gpt2-large"]), 774_030_080);
  assert.equal(parameterCount(PRESETS["gpt2-xl"]), 1_557_611_200);
  // tiny: 50257·128 + 256·128 + 2·(12·128² + 13·128) + 2·128
  assert.equal(parameterCount(PRESETS.tiny), 6_432_896 + 32_768 + 396_544 + 256);
});

Deno.test("PRESETS are frozen and have the documented shapes", () => {
  const dims = Object.entries(PRESETS).map(([n, c]) => [n, c.nLayer, c.nHead, c.nEmbd]);
  assert.deepEqual(dims, [
    ["gpt2", 12, 12, 768],
    ["gpt2-medium", 24, 16, 1024],
    ["gpt2-large", 36, 20, 1280],
    ["gpt2-xl", 48, 25, 1600],
    ["tiny", 2, 4, 128],
  ]);
  assert.equal(PRESETS.tiny.nPositions, 256);
  assert.equal(PRESETS.tiny.vocabSize, 50257);
  assert.ok(Object.isFrozen(PRESETS) && Object.isFrozen(PRESETS.gpt2));
  assert.throws(() => {
    (PRESETS.gpt2 as GPT2Config).nLayer = 1;
  }, TypeError);
  assert.ok(isPresetName("gpt2-large") && !isPresetName("toString") && !isPresetName("gpt3"));
});

Deno.test("configFromHF() reads Hugging Face's gpt2 config.json as the gpt2 preset", () => {
  assert.deepEqual(configFromHF(HF_GPT2, "gpt2/config.json"), PRESETS.gpt2);
});

Deno.test(
  "parameterShapes() lists the fixture's tensors in the file's order and shapes",
  needs.parityFixture(),
  async () => {
    const config = configFromHF(
      JSON.parse(await Deno.readTextFile(join(FIXTURE, "config.json"))),
      "config.json",
    );
    // read the safetensors header by hand: u64 LE length, then JSON
    const bytes = await Deno.readFile(join(FIXTURE, "model.safetensors"));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    delete header.__metadata__;
    const fromFile = Object.entries(header).map(([name, e]) => ({
      name,
      shape: (e as { shape: number[] }).shape,
    }));
    assert.deepEqual(parameterShapes(config), fromFile);
  },
);

Deno.test("parameterShapes() uses Conv1D input × output orientation when C = 8", () => {
  const c = { ...PRESETS.tiny, nEmbd: 8, nHead: 2, nLayer: 1, vocabSize: 10, nPositions: 4 };
  assert.deepEqual(parameterShapes(c), [
    { name: "wte.weight", shape: [10, 8] },
    { name: "wpe.weight", shape: [4, 8] },
    { name: "h.0.ln_1.weight", shape: [8] },
    { name: "h.0.ln_1.bias", shape: [8] },
    { name: "h.0.attn.c_attn.weight", shape: [8, 24] },
    { name: "h.0.attn.c_attn.bias", shape: [24] },
    { name: "h.0.attn.c_proj.weight", shape: [8, 8] },
    { name: "h.0.attn.c_proj.bias", shape: [8] },
    { name: "h.0.ln_2.weight", shape: [8] },
    { name: "h.0.ln_2.bias", shape: [8] },
    { name: "h.0.mlp.c_fc.weight", shape: [8, 32] },
    { name: "h.0.mlp.c_fc.bias", shape: [32] },
    { name: "h.0.mlp.c_proj.weight", shape: [32, 8] },
    { name: "h.0.mlp.c_proj.bias", shape: [8] },
    { name: "ln_f.weight", shape: [8] },
    { name: "ln_f.bias", shape: [8] },
  ]);
  assert.equal(parameterCount(c), 80 + 32 + 16 + 192 + 24 + 64 + 8 + 16 + 256 + 32 + 256 + 8 + 16);
});

Deno.test("configToHF() writes a config that configFromHF() reads back unchanged", () => {
  const config: GPT2Config = { ...PRESETS.tiny, embdPdrop: 0, layerNormEpsilon: 1e-6 };
  const hf = configToHF(config);
  assert.equal(hf.model_type, "gpt2");
  assert.deepEqual(hf.architectures, ["GPT2LMHeadModel"]);
  assert.equal(hf.n_positions, 256);
  assert.equal(hf.n_embd, 128);
  assert.equal(hf.activation_function, "gelu_new");
  const json = JSON.parse(JSON.stringify(hf));
  assert.deepEqual(configFromHF(json, "c.json"), config);
});

Deno.test("configFromHF() errors name the file and the key when config.json is bad", () => {
  const base = { n_layer: 2, n_head: 4, n_embd: 32, n_positions: 64, vocab_size: 50257 };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...base, n_head: undefined }, /^Error: m\/config\.json: missing key "n_head"/],
    [
      { ...base, n_layer: "2" },
      /m\/config\.json: key "n_layer" must be a positive integer, got "2"/,
    ],
    [{ ...base, n_embd: 2.5 }, /key "n_embd" must be a positive integer, got 2\.5/],
    [{ ...base, n_head: 5 }, /key "n_embd" \(32\) must be divisible by "n_head" \(5\)/],
    [
      { ...base, activation_function: "relu" },
      /"activation_function" must be "gelu_new".*got "relu"/,
    ],
    [{ ...base, n_positions: undefined }, /missing key "n_positions"/],
    [{ ...base, layer_norm_epsilon: -1 }, /"layer_norm_epsilon" must be a positive number, got -1/],
    [{ ...base, attn_pdrop: 1.5 }, /"attn_pdrop" must be a number in \[0, 1\), got 1\.5/],
    [{ ...base, n_inner: 100 }, /"n_inner" must be null or 128/],
    [{ ...base, model_type: "gpt_neo" }, /"model_type" must be "gpt2", got "gpt_neo"/],
    [{ ...base, scale_attn_by_inverse_layer_idx: true }, /scale_attn_by_inverse_layer_idx/],
  ];
  for (const [json, pattern] of cases) {
    assert.throws(() => configFromHF(json, "m/config.json"), (e: Error) => {
      assert.match(String(e), pattern);
      return true;
    });
  }
  assert.throws(() => configFromHF([1], "a.json"), /a\.json: expected a JSON object/);
});

Deno.test("configFromHF() falls back to n_ctx and HF defaults when keys are absent", () => {
  const c = configFromHF({ n_layer: 1, n_head: 2, n_embd: 8, n_ctx: 16, vocab_size: 99 }, "x");
  assert.deepEqual(c, {
    vocabSize: 99,
    nPositions: 16,
    nEmbd: 8,
    nLayer: 1,
    nHead: 2,
    layerNormEpsilon: 1e-5,
    embdPdrop: 0.1,
    attnPdrop: 0.1,
    residPdrop: 0.1,
    activation: "gelu_new",
  });
});

Deno.test("validateConfig() rejects a head count that does not divide the width", () => {
  assert.throws(() => validateConfig({ ...PRESETS.tiny, nHead: 3 }, "cli"), /cli: nEmbd \(128\)/);
  assert.throws(() => parameterShapes({ ...PRESETS.tiny, nLayer: 0 }), /nLayer must be/);
  validateConfig(PRESETS["gpt2-xl"]);
});
