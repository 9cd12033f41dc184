import assert from "node:assert/strict";
import { join } from "node:path";
import { loadCheckpointTensors, normalizeCheckpointTensors, saveCheckpoint } from "./checkpoint.ts";
import { PRESETS } from "./config.ts";
import { parityFixtureDir, testNeeds } from "../tests/fixture.ts";

const FIXTURE = parityFixtureDir();
const needs = testNeeds(import.meta.url);

// A 1-layer model small enough to spell out: C = 4, V = 6, P = 3.
const SMALL_CONFIG = { n_layer: 1, n_head: 2, n_embd: 4, n_positions: 3, vocab_size: 6 };
const SMALL_KEYS: [string, number[]][] = [
  ["wte.weight", [6, 4]],
  ["wpe.weight", [3, 4]],
  ["h.0.ln_1.weight", [4]],
  ["h.0.ln_1.bias", [4]],
  ["h.0.attn.c_attn.weight", [4, 12]],
  ["h.0.attn.c_attn.bias", [12]],
  ["h.0.attn.c_proj.weight", [4, 4]],
  ["h.0.attn.c_proj.bias", [4]],
  ["h.0.ln_2.weight", [4]],
  ["h.0.ln_2.bias", [4]],
  ["h.0.mlp.c_fc.weight", [4, 16]],
  ["h.0.mlp.c_fc.bias", [16]],
  ["h.0.mlp.c_proj.weight", [16, 4]],
  ["h.0.mlp.c_proj.bias", [4]],
  ["ln_f.weight", [4]],
  ["ln_f.bias", [4]],
];

/** Values of tensor number k: k + i/8, exact in f32. */
function values(k: number, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, (_, i) => k + i / 8);
}

type Entry = [string, number[], Float32Array] | [string, number[], Uint8Array, string];

/** Writes dir/config.json and a hand-built dir/model.safetensors from [name, shape, data, dtype]
 * entries: Float32Array data is written as F32, Uint8Array data as raw bytes of the given dtype. */
async function craftCheckpoint(config: Record<string, unknown>, tensors: Entry[]): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify(config));
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, shape, data, dtype] of tensors) {
    header[name] = {
      dtype: dtype ?? "F32",
      shape,
      data_offsets: [offset, offset + data.byteLength],
    };
    offset += data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  let pos = 8 + json.length;
  for (const [, , data] of tensors) {
    if (data instanceof Uint8Array) bytes.set(data, pos);
    else data.forEach((v, i) => view.setFloat32(pos + 4 * i, v, true));
    pos += data.byteLength;
  }
  await Deno.writeFile(join(dir, "model.safetensors"), bytes);
  return dir;
}

const smallTensors = (): [string, number[], Float32Array][] =>
  SMALL_KEYS.map(([name, shape], k) => [name, shape, values(k, shape)]);

Deno.test(
  "loadCheckpointTensors() loads the parity fixture with every parameter",
  needs.parityFixture(),
  async () => {
    const { config, tensors } = await loadCheckpointTensors(FIXTURE);
    assert.deepEqual([config.nLayer, config.nHead, config.nEmbd], [2, 4, 32]);
    assert.equal(config.nPositions, 64);
    assert.equal(config.vocabSize, 50257);
    assert.equal(tensors.size, 4 + 12 * 2);
    assert.equal(tensors.get("wte.weight")!.length, 50257 * 32);
    assert.equal(tensors.get("h.1.mlp.c_proj.weight")!.length, 128 * 32);
  },
);

Deno.test("loadCheckpointTensors() returns the file's values under HF names", async () => {
  const dir = await craftCheckpoint(SMALL_CONFIG, smallTensors());
  const { tensors } = await loadCheckpointTensors(dir);
  assert.deepEqual([...tensors.keys()], SMALL_KEYS.map(([n]) => n));
  assert.deepEqual([...tensors.get("wpe.weight")!.slice(0, 3)], [1, 1.125, 1.25]);
  assert.equal(tensors.get("ln_f.bias")![3], 15 + 3 / 8);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadCheckpointTensors() strips transformer. and skips mask buffers and a tied head", async () => {
  const list: Entry[] = smallTensors().map(([n, s, d]) => ["transformer." + n, s, d]);
  // the causal-mask buffer, stored as bytes as some exporters do: must not even be decoded
  list.push(["transformer.h.0.attn.bias", [1, 1, 3, 3], new Uint8Array(9).fill(1), "U8"]);
  list.push(["h.0.attn.masked_bias", [], new Float32Array([-1e4])]);
  list.push(["lm_head.weight", [6, 4], values(0, [6, 4])]);
  const dir = await craftCheckpoint(SMALL_CONFIG, list);
  const { tensors } = await loadCheckpointTensors(dir);
  assert.deepEqual([...tensors.keys()], SMALL_KEYS.map(([n]) => n));
  assert.deepEqual(tensors.get("h.0.attn.c_attn.bias"), values(5, [12]));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("normalizeCheckpointTensors() drops mask buffers when given them directly", () => {
  const config = { ...PRESETS.tiny, nLayer: 1, nHead: 2, nEmbd: 4, nPositions: 3, vocabSize: 6 };
  const raw = new Map(smallTensors().map(([n, shape, data]) => [n, { shape, data }]));
  raw.set("h.0.attn.bias", { shape: [1, 1, 3, 3], data: new Float32Array(9) });
  raw.set("transformer.h.0.attn.masked_bias", { shape: [], data: new Float32Array(1) });
  const out = normalizeCheckpointTensors(raw, config, "f.st");
  assert.deepEqual([...out.keys()], SMALL_KEYS.map(([n]) => n));
  raw.set("h.0.attn.bias_extra", { shape: [1], data: new Float32Array(1) });
  assert.throws(
    () => normalizeCheckpointTensors(raw, config, "f.st"),
    /f\.st: unexpected keys "h\.0\.attn\.bias_extra"/,
  );
});

Deno.test("loadCheckpointTensors() names file, key and shapes when a checkpoint is wrong", async () => {
  const t = smallTensors();
  const cases: [string, Entry[], RegExp][] = [
    ["missing", t.filter(([n]) => n !== "h.0.ln_2.bias"), /missing keys "h\.0\.ln_2\.bias"/],
    [
      "wrong shape",
      t.map(([n, s, d]) => n === "h.0.attn.c_proj.weight" ? [n, [2, 8], d] : [n, s, d]),
      /key "h\.0\.attn\.c_proj\.weight" has shape \[2,8\], expected \[4,4\]/,
    ],
    [
      "unexpected",
      [...t, ["h.1.ln_1.weight", [4], values(0, [4])]],
      /unexpected keys "h\.1\.ln_1\.weight": not GPT-2 parameters for this config \(1 layers\)/,
    ],
    [
      "untied head",
      [...t, ["lm_head.weight", [6, 4], values(0, [6, 4]).map((v, i) => i === 5 ? 9 : v)]],
      /"lm_head\.weight" differs from "wte\.weight" at element 5 \(9 vs 0\.625\)/,
    ],
    [
      "head shape",
      [...t, ["lm_head.weight", [4, 6], values(0, [6, 4])]],
      /"lm_head\.weight" has shape \[4,6\], expected \[6,4\]/,
    ],
    [
      "duplicate",
      [...t, ["transformer.wpe.weight", [3, 4], values(1, [3, 4])]],
      /"wpe\.weight" appears twice/,
    ],
  ];
  for (const [what, list, pattern] of cases) {
    const dir = await craftCheckpoint(SMALL_CONFIG, list);
    const file = join(dir, "model.safetensors").replaceAll(".", "\\.");
    await assert.rejects(loadCheckpointTensors(dir), (e: Error) => {
      assert.match(e.message, new RegExp(`^${file}: `), what);
      assert.match(e.message, pattern, what);
      return true;
    });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCheckpointTensors() rejects a bad config.json or a missing file by path", async () => {
  const dir = await craftCheckpoint({ ...SMALL_CONFIG, n_head: 3 }, smallTensors());
  const configPath = join(dir, "config.json");
  await assert.rejects(
    loadCheckpointTensors(dir),
    new RegExp(`${configPath}: key "n_embd" \\(4\\) must be divisible by "n_head" \\(3\\)`),
  );
  await Deno.writeTextFile(configPath, "{ not json");
  await assert.rejects(loadCheckpointTensors(dir), /config\.json: not valid JSON/);
  await Deno.remove(join(dir, "model.safetensors"));
  await Deno.writeTextFile(join(dir, "pytorch_model.bin"), "");
  await assert.rejects(
    loadCheckpointTensors(dir),
    /model\.safetensors: file not found.*pytorch_model\.bin is not read/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("saveCheckpoint() writes an HF layout that loads back unchanged", async () => {
  const source = await craftCheckpoint(SMALL_CONFIG, smallTensors());
  const { config, tensors } = await loadCheckpointTensors(source);
  const root = await Deno.makeTempDir();
  const dir = join(root, "nested", "ckpt");
  await saveCheckpoint(dir, config, tensors, { step: "12" });
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "config.json",
    "model.safetensors",
  ]);
  const hf = JSON.parse(await Deno.readTextFile(join(dir, "config.json")));
  assert.equal(hf.model_type, "gpt2");
  assert.deepEqual(hf.architectures, ["GPT2LMHeadModel"]);
  assert.equal(hf.n_embd, 4);
  const bytes = await Deno.readFile(join(dir, "model.safetensors"));
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.deepEqual(header.__metadata__, { step: "12", format: "pt" });
  assert.deepEqual(Object.keys(header).slice(1), SMALL_KEYS.map(([k]) => k));
  const back = await loadCheckpointTensors(dir);
  assert.deepEqual(back.config, config);
  assert.deepEqual(back.tensors, tensors);
  await Deno.remove(source, { recursive: true });
  await Deno.remove(root, { recursive: true });
});

Deno.test("saveCheckpoint() writes nothing when a tensor is missing, extra or mis-sized", async () => {
  const source = await craftCheckpoint(SMALL_CONFIG, smallTensors());
  const { config, tensors } = await loadCheckpointTensors(source);
  const dir = join(source, "out");
  const without = new Map(tensors);
  without.delete("ln_f.bias");
  await assert.rejects(saveCheckpoint(dir, config, without), /missing tensor "ln_f\.bias"/);
  const extra = new Map([...tensors, ["lm_head.weight", tensors.get("wte.weight")!]]);
  await assert.rejects(saveCheckpoint(dir, config, extra), /unexpected tensors "lm_head\.weight"/);
  const short = new Map([...tensors, ["wpe.weight", new Float32Array(11)]]);
  await assert.rejects(
    saveCheckpoint(dir, config, short),
    /tensor "wpe\.weight" has 11 values, expected 12 for shape \[3,4\]/,
  );
  await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
  await Deno.remove(source, { recursive: true });
});
