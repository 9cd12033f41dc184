import assert from "node:assert/strict";
import { join } from "node:path";
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  writeSafetensors,
} from "./safetensors.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { parityFixtureDir, testNeeds } from "../tests/fixture.ts";

const FIXTURE = parityFixtureDir();
const needs = testNeeds(import.meta.url);

/** Builds a safetensors file by hand: u64 LE length, the header text as given, then `data`. */
function craft(header: unknown, data: Uint8Array, headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function u16le(...values: number[]): Uint8Array {
  const out = new Uint8Array(2 * values.length);
  values.forEach((v, i) => {
    out[2 * i] = v & 0xff;
    out[2 * i + 1] = v >> 8;
  });
  return out;
}

const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);

Deno.test("decodeSafetensors() returns F32 tensors when the header is hand-built", () => {
  const bytes = craft({
    __metadata__: { format: "pt" },
    b: { dtype: "F32", shape: [3], data_offsets: [8, 20] },
    a: { dtype: "F32", shape: [2, 1], data_offsets: [0, 8] },
  }, f32(1.5, -2, 3, 4, 5));
  const t = decodeSafetensors(bytes, "x.safetensors");
  assert.deepEqual([...t.keys()].sort(), ["a", "b"]);
  assert.deepEqual(t.get("a"), { dtype: "F32", shape: [2, 1], data: new Float32Array([1.5, -2]) });
  assert.deepEqual([...t.get("b")!.data], [3, 4, 5]);
});

Deno.test("decodeSafetensors() converts F16 bit patterns exactly", () => {
  // 1, -2, 65504 (max), 2^-24 (smallest subnormal), 2^-14 (smallest normal), 1/3 rounded, ±inf, -0
  const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x3555, 0x7c00, 0xfc00, 0x8000];
  const want = [1, -2, 65504, 2 ** -24, 2 ** -14, 0.333251953125, Infinity, -Infinity, -0];
  const bytes = craft({ h: { dtype: "F16", shape: [9], data_offsets: [0, 18] } }, u16le(...bits));
  const got = decodeSafetensors(bytes).get("h")!;
  assert.equal(got.dtype, "F16");
  assert.deepEqual([...got.data], want);
  assert.ok(Object.is(got.data[8], -0));
  const nan = craft({ h: { dtype: "F16", shape: [1], data_offsets: [0, 2] } }, u16le(0x7e00));
  assert.ok(Number.isNaN(decodeSafetensors(nan).get("h")!.data[0]));
});

Deno.test("decodeSafetensors() converts BF16 and F64 exactly", () => {
  // bf16: 1, -3, 3.140625, +inf, 2^-133 (subnormal), -0
  const bits = [0x3f80, 0xc040, 0x4049, 0x7f80, 0x0001, 0x8000];
  const bf = craft({ x: { dtype: "BF16", shape: [2, 3], data_offsets: [0, 12] } }, u16le(...bits));
  const got = decodeSafetensors(bf).get("x")!;
  assert.deepEqual([...got.data], [1, -3, 3.140625, Infinity, 2 ** -133, -0]);
  const d = new Uint8Array(new Float64Array([0.1, -1e300]).buffer);
  const f64 = decodeSafetensors(
    craft({ y: { dtype: "F64", shape: [2], data_offsets: [0, 16] } }, d),
  );
  assert.deepEqual([...f64.get("y")!.data], [Math.fround(0.1), -Infinity]);
});

Deno.test("decodeSafetensors() names file, key and dtype when the dtype is unsupported", () => {
  const bytes = craft({
    w: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
    ids: { dtype: "I32", shape: [1], data_offsets: [4, 8] },
  }, f32(1, 2));
  assert.throws(
    () => decodeSafetensors(bytes, "m.st"),
    /m\.st: tensor "ids": unsupported dtype "I32"/,
  );
  const only = decodeSafetensors(bytes, "m.st", { include: (n) => n !== "ids" });
  assert.deepEqual([...only.keys()], ["w"]);
});

Deno.test("decodeSafetensors() rejects malformed files with a message naming the problem", () => {
  const ok = { w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };
  const cases: [string, Uint8Array, RegExp][] = [
    ["short", new Uint8Array(5), /bad\.st: file is 5 bytes, shorter than the 8-byte/],
    [
      "length past end",
      craft(ok, f32(1, 2)).subarray(0, 12),
      /header length \d+ runs past the end/,
    ],
    ["invalid json", craft(null, f32(1, 2), '{"w": {'), /bad\.st: header is not valid UTF-8 JSON/],
    ["not an object", craft([1], new Uint8Array(0)), /header must be a JSON object/],
    [
      "unknown dtype",
      craft({ w: { dtype: "F17", shape: [2], data_offsets: [0, 8] } }, f32(1, 2)),
      /tensor "w": unknown dtype "F17"/,
    ],
    [
      "bad shape",
      craft({ w: { dtype: "F32", shape: [-2], data_offsets: [0, 8] } }, f32(1, 2)),
      /tensor "w": "shape" must be/,
    ],
    [
      "wrong byte length",
      craft({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, f32(1, 2)),
      /tensor "w": 8 bytes, expected 12 \(F32 × \[3\]\)/,
    ],
    [
      "end before begin",
      craft({ w: { dtype: "F32", shape: [0], data_offsets: [8, 0] } }, f32(1, 2)),
      /tensor "w": data_offsets \[8, 0\]: end < begin/,
    ],
    [
      "truncated data",
      craft(ok, f32(1)),
      /tensors end at data offset 8 .* holds 4 bytes: truncated/,
    ],
    ["trailing bytes", craft(ok, f32(1, 2, 3)), /holds 12 bytes: trailing bytes/],
    [
      "overlap",
      craft({
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
      }, f32(1, 2)),
      /tensor "b": overlaps the previous tensor: begins at 4, expected 8/,
    ],
    [
      "gap",
      craft({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, f32(1, 2)),
      /tensor "a": leaves a gap: begins at 4, expected 0/,
    ],
    [
      "metadata",
      craft({ __metadata__: { n: 1 } }, new Uint8Array(0)),
      /"__metadata__"\."n" must be a string/,
    ],
  ];
  for (const [what, bytes, pattern] of cases) {
    assert.throws(() => decodeSafetensors(bytes, "bad.st"), pattern, what);
  }
});

Deno.test("readSafetensors() validates a truncated file on disk before returning anything", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "t.safetensors");
  const whole = craft({ w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, f32(1, 2, 3, 4));
  await Deno.writeFile(path, whole.subarray(0, whole.length - 3));
  await assert.rejects(readSafetensors(path), new RegExp(`${path}: tensors end at data offset 16`));
  await Deno.writeFile(path, whole.subarray(0, 6));
  await assert.rejects(readSafetensors(path), /file is 6 bytes/);
  await Deno.writeFile(path, whole.subarray(0, 20));
  await assert.rejects(readSafetensors(path), /header length \d+ runs past the end of the file/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test(
  "readSafetensors() reads the parity fixture with the shapes its config implies",
  needs.parityFixture(),
  async () => {
    const config = JSON.parse(await Deno.readTextFile(join(FIXTURE, "config.json")));
    const path = join(FIXTURE, "model.safetensors");
    const t = await readSafetensors(path);
    const C = config.n_embd;
    assert.equal(t.size, 4 + 12 * config.n_layer);
    assert.deepEqual(t.get("wte.weight")!.shape, [config.vocab_size, C]);
    assert.deepEqual(t.get("h.0.mlp.c_fc.weight")!.shape, [C, 4 * C]);
    // the fixture draws wte ~ N(0, 0.3²) and ln_f.weight ~ 1 + N(0, 0.1²)
    const wte = t.get("wte.weight")!.data;
    const std = Math.sqrt(wte.reduce((s, v) => s + v * v, 0) / wte.length);
    assert.ok(Math.abs(std - 0.3) < 0.01, `wte std ${std}`);
    const lnf = t.get("ln_f.weight")!.data;
    assert.ok(Math.abs(lnf.reduce((s, v) => s + v, 0) / lnf.length - 1) < 0.1);
    const fromBytes = decodeSafetensors(await Deno.readFile(path), path);
    assert.deepEqual(fromBytes, t);
  },
);

Deno.test("writeSafetensors() round-trips values, shapes and metadata with an 8-aligned header", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "r.safetensors");
  const tensors = new Map([
    ["x", { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, -6.25]) }],
    ["scalar", { shape: [], data: new Float32Array([7]) }],
    ["empty", { shape: [0, 4], data: new Float32Array(0) }],
  ]);
  await writeSafetensors(path, tensors, { format: "pt", step: "3" });
  const bytes = await Deno.readFile(path);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  const header = JSON.parse(text);
  assert.deepEqual(header.__metadata__, { format: "pt", step: "3" });
  assert.deepEqual(header.x, { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
  assert.equal(text.trimEnd().length, JSON.stringify(header).length); // only spaces pad
  assert.equal(bytes.length, 8 + n + 28);
  const back = await readSafetensors(path);
  for (const [name, t] of tensors) {
    assert.deepEqual(back.get(name), { dtype: "F32", shape: t.shape, data: t.data });
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("encodeSafetensors() rejects data whose length disagrees with the shape", () => {
  const bad = [{ name: "w", shape: [2, 2], data: new Float32Array(3) }];
  assert.throws(
    () => encodeSafetensors(bad),
    /tensor "w": shape \[2,2\] needs 4 values, data has 3/,
  );
});

Deno.test("writeSafetensors() keeps the old file and leaves no temp file when writing fails", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "m.safetensors");
  await Deno.writeTextFile(path, "old content");
  const tensors = [{ name: "w", shape: [1000], data: new Float32Array(1000).fill(1) }];
  const fail = (written: number) => {
    if (written > 0) throw new Error("disk full (injected)");
  };
  await assert.rejects(writeSafetensors(path, tensors, {}, { onProgress: fail }), /injected/);
  assert.equal(await Deno.readTextFile(path), "old content");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["m.safetensors"]);
  async function* chunks() {
    yield new TextEncoder().encode("half of it");
    throw new Error("stream broke (injected)");
  }
  await assert.rejects(writeFileAtomic(path, chunks()), /stream broke/);
  assert.equal(await Deno.readTextFile(path), "old content");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["m.safetensors"]);
  await writeSafetensors(path, tensors);
  assert.deepEqual((await readSafetensors(path)).get("w")!.data, tensors[0].data);
  assert.equal([...Deno.readDirSync(dir)].length, 1);
  await Deno.remove(dir, { recursive: true });
});
