/**
 * Reading and writing `.safetensors` files: an 8-byte little-endian u64 header length N, N bytes
 * of JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}`,
 * then the data section, offsets relative to its start. Everything is validated before any
 * tensor is returned; F64, F32, F16 and BF16 load as Float32Array, other dtypes are refused.
 *
 * @module
 */

import { type AtomicWriteOptions, writeFileAtomic } from "./atomic_write.ts";

export type { AtomicWriteOptions };

/** Dtypes that load (converted to float32). */
export type FloatDtype = "F64" | "F32" | "F16" | "BF16";

/** One tensor read from a file: its dtype there, its shape, its values as float32. */
export interface LoadedTensor {
  /** The dtype stored in the file (values are converted to float32). */
  dtype: FloatDtype;
  /** Shape, outermost first (row-major). */
  shape: number[];
  /** The values, row-major. */
  data: Float32Array;
}

/** A validated header entry; `begin`/`end` are byte offsets within the data section. */
interface HeaderEntry {
  name: string;
  dtype: string; // any dtype the format defines
  shape: number[];
  begin: number;
  end: number;
}

/** A validated header: entries sorted by `begin`, metadata, where the data section starts. */
interface Header {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  dataStart: number; // 8 + header length
}

/** Options for reading: which tensors to convert and return. */
export interface ReadOptions {
  /** Return only tensors for which this is true (others are validated, not converted). */
  include?: (name: string) => boolean;
}

/** Bytes per element of every dtype the safetensors format defines. */
const DTYPE_SIZES: readonly (readonly [number, readonly string[]])[] = [
  [1, ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3"]],
  [2, ["I16", "U16", "F16", "BF16"]],
  [4, ["I32", "U32", "F32"]],
  [8, ["I64", "U64", "F64"]],
];

function dtypeSize(dtype: string): number | undefined {
  return DTYPE_SIZES.find(([, names]) => names.includes(dtype))?.[0];
}
const MAX_HEADER = 100_000_000;

function isNat(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function entryError(file: string, key: string, msg: string): Error {
  return new Error(`${file}: tensor "${key}": ${msg}`);
}

/**
 * Validates the header, given the first bytes of the file (at least `8 + N` of them) and its
 * size. Throws, naming the file, the key, and expected vs actual, on: a file under 8 bytes, a
 * header length past the end of the file, invalid JSON, a malformed entry, an unknown dtype, a
 * byte length disagreeing with dtype × shape, offsets out of order, overlapping, leaving a gap,
 * or not ending exactly at the end of the file (the reference implementation's rules).
 */
function parseHeader(prefix: Uint8Array, fileSize: number, file: string): Header {
  if (fileSize < 8) {
    throw new Error(`${file}: file is ${fileSize} bytes, shorter than the 8-byte header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileSize - 8) || n > BigInt(MAX_HEADER)) {
    throw new Error(
      `${file}: header length ${n} runs past the end of the file (${fileSize - 8} bytes after ` +
        `the length field; limit ${MAX_HEADER})`,
    );
  }
  const dataStart = 8 + Number(n);
  let json: unknown;
  try {
    json = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(prefix.subarray(8, dataStart)),
    );
  } catch (e) {
    throw new Error(`${file}: header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error(`${file}: header must be a JSON object`);
  }
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [key, raw] of Object.entries(json)) {
    if (key === "__metadata__") {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        throw new Error(`${file}: "__metadata__" must be an object of strings`);
      }
      for (const [mk, mv] of Object.entries(raw)) {
        if (typeof mv !== "string") {
          throw new Error(`${file}: "__metadata__"."${mk}" must be a string, got ${typeof mv}`);
        }
        metadata[mk] = mv;
      }
      continue;
    }
    const { dtype, shape, data_offsets: offs } = (raw ?? {}) as Record<string, unknown>;
    if (typeof dtype !== "string") throw entryError(file, key, `"dtype" must be a string`);
    const size = dtypeSize(dtype);
    if (size === undefined) throw entryError(file, key, `unknown dtype "${dtype}"`);
    if (!Array.isArray(shape) || !shape.every(isNat)) {
      throw entryError(file, key, `"shape" must be an array of non-negative integers`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isNat)) {
      throw entryError(file, key, `"data_offsets" must be [begin, end], non-negative integers`);
    }
    const [begin, end] = offs as number[];
    if (end < begin) throw entryError(file, key, `data_offsets [${begin}, ${end}]: end < begin`);
    const want = shape.reduce((a: number, b: number) => a * b, 1) * size;
    const got = end - begin;
    if (got !== want) {
      throw entryError(file, key, `${got} bytes, expected ${want} (${dtype} × [${shape}])`);
    }
    entries.push({ name: key, dtype, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin !== cursor) {
      const what = e.begin < cursor ? "overlaps the previous tensor" : "leaves a gap";
      throw entryError(file, e.name, `${what}: begins at ${e.begin}, expected ${cursor}`);
    }
    cursor = e.end;
  }
  const available = fileSize - dataStart;
  if (cursor !== available) {
    const last = entries.at(-1)?.name ?? "(none)";
    throw new Error(
      `${file}: tensors end at data offset ${cursor} (last: "${last}") but the data section ` +
        `holds ${available} bytes: ${cursor > available ? "truncated file" : "trailing bytes"}`,
    );
  }
  return { entries, metadata, dataStart };
}

/** The entries `include` selects, each with its float dtype; throws on any other dtype. */
function selectFloat(h: Header, file: string, opts: ReadOptions): FloatEntry[] {
  return h.entries.filter((e) => opts.include?.(e.name) ?? true).map((e) => {
    if (e.dtype === "F32" || e.dtype === "F16" || e.dtype === "BF16" || e.dtype === "F64") {
      return { ...e, dtype: e.dtype };
    }
    throw entryError(file, e.name, `unsupported dtype "${e.dtype}" (expected F32/F16/BF16/F64)`);
  });
}
type FloatEntry = HeaderEntry & { dtype: FloatDtype };

function f16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// Byte order: files are little-endian, and so is every platform Deno runs on (x86-64, ARM64),
// so F32 data is copied as bytes and Float32Array bytes are written as they are.

/** Converts the raw bytes of one tensor to a new Float32Array. */
function toFloat32(bytes: Uint8Array, dtype: FloatDtype): Float32Array {
  if (dtype === "F32") return new Float32Array(bytes.slice().buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / dtypeSize(dtype)!);
  if (dtype === "F64") {
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
  } else if (dtype === "BF16") {
    const u32 = new Uint32Array(out.buffer); // bf16 is the top half of an f32's bit pattern
    for (let i = 0; i < out.length; i++) u32[i] = view.getUint16(2 * i, true) << 16;
  } else {
    for (let i = 0; i < out.length; i++) out[i] = f16ToNumber(view.getUint16(2 * i, true));
  }
  return out;
}

/**
 * Decodes a whole `.safetensors` file held in memory (the version of
 * {@linkcode readSafetensors} for bytes). `fileName` is used in errors.
 *
 * @example
 * ```ts
 * import { decodeSafetensors } from "./safetensors.ts";
 * // any folder holding config.json + model.safetensors, e.g. the one-layer one the tests use:
 * const dir = new URL("../tests/fixtures/gpt2-l1-h8-c16-p24/", import.meta.url).pathname;
 * const bytes = await Deno.readFile(`${dir}model.safetensors`);
 * const tensors = decodeSafetensors(bytes, "model.safetensors");
 * console.log(tensors.get("wte.weight")?.shape); // [50257, 16]
 * ```
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  fileName = "<bytes>",
  options: ReadOptions = {},
): Map<string, LoadedTensor> {
  const header = parseHeader(bytes, bytes.byteLength, fileName);
  const out = new Map<string, LoadedTensor>();
  for (const { name, dtype, shape, begin, end } of selectFloat(header, fileName, options)) {
    const raw = bytes.subarray(header.dataStart + begin, header.dataStart + end);
    out.set(name, { dtype, shape: [...shape], data: toFloat32(raw, dtype) });
  }
  return out;
}

async function readExactly(file: Deno.FsFile, buf: Uint8Array, path: string): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const got = await file.read(buf.subarray(done));
    if (got === null) throw new Error(`${path}: unexpected end of file at byte ${done}`);
    done += got;
  }
}

/**
 * Reads a `.safetensors` file tensor by tensor (the file is never held whole in memory), after
 * validating the whole header against the file size.
 *
 * @example
 * ```ts
 * import { readSafetensors } from "./safetensors.ts";
 * // any folder holding config.json + model.safetensors, e.g. the one-layer one the tests use:
 * const dir = new URL("../tests/fixtures/gpt2-l1-h8-c16-p24/", import.meta.url).pathname;
 * const tensors = await readSafetensors(`${dir}model.safetensors`);
 * for (const [name, t] of tensors) console.log(name, t.dtype, t.shape);
 * ```
 */
export async function readSafetensors(
  path: string,
  options: ReadOptions = {},
): Promise<Map<string, LoadedTensor>> {
  using file = await Deno.open(path, { read: true });
  const size = (await file.stat()).size;
  let prefix = new Uint8Array(Math.min(8, size));
  await readExactly(file, prefix, path);
  const n = size < 8 ? -1n : new DataView(prefix.buffer).getBigUint64(0, true);
  if (n >= 0n && n <= BigInt(Math.min(size - 8, MAX_HEADER))) {
    prefix = new Uint8Array(8 + Number(n));
    await file.seek(0, Deno.SeekMode.Start);
    await readExactly(file, prefix, path);
  }
  const header = parseHeader(prefix, size, path); // throws on a bad length
  const out = new Map<string, LoadedTensor>();
  for (const { name, dtype, shape, begin, end } of selectFloat(header, path, options)) {
    await file.seek(header.dataStart + begin, Deno.SeekMode.Start);
    let data: Float32Array;
    if (dtype === "F32") {
      data = new Float32Array((end - begin) / 4);
      await readExactly(file, new Uint8Array(data.buffer), path);
    } else {
      const raw = new Uint8Array(end - begin);
      await readExactly(file, raw, path);
      data = toFloat32(raw, dtype);
    }
    out.set(name, { dtype, shape: [...shape], data });
  }
  return out;
}

/** A tensor to write: its shape and float32 values. */
export interface TensorToWrite {
  /** Shape, outermost first; its product must equal `data.length`. */
  shape: readonly number[];
  /** Values, row-major. */
  data: Float32Array;
}

/** Tensors to write, in the order they should appear in the file. */
export type TensorsToWrite =
  | ReadonlyMap<string, TensorToWrite>
  | readonly (TensorToWrite & { name: string })[];

function listTensors(tensors: TensorsToWrite): [string, TensorToWrite][] {
  const list: [string, TensorToWrite][] = tensors instanceof Map
    ? [...tensors]
    : (tensors as readonly (TensorToWrite & { name: string })[]).map((t) => [t.name, t]);
  const seen = new Set<string>();
  for (const [name, t] of list) {
    if (name === "__metadata__" || seen.has(name)) {
      throw new Error(`safetensors: tensor name "${name}" is reserved or repeated`);
    }
    seen.add(name);
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every(isNat) || expected !== t.data.length) {
      throw new Error(
        `safetensors: tensor "${name}": shape [${t.shape}] needs ${expected} values, ` +
          `data has ${t.data.length}`,
      );
    }
  }
  return list;
}

/**
 * Serializes float32 tensors as `.safetensors` (F32, little-endian) chunk by chunk: the length
 * and JSON header first (padded with spaces to a multiple of 8 bytes, as the reference
 * implementation does), then one chunk per tensor. Tensors are validated before the first chunk.
 *
 * @example
 * ```ts
 * import { encodeSafetensors } from "./safetensors.ts";
 * const t = [{ name: "w", shape: [2], data: new Float32Array([1, 2]) }];
 * const chunks = [...encodeSafetensors(t, { format: "pt" })];
 * ```
 */
export function encodeSafetensors(
  tensors: TensorsToWrite,
  metadata?: Record<string, string>,
): Generator<Uint8Array> {
  const list = listTensors(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const [name, t] of list) {
    const bytes = t.data.length * 4;
    header[name] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return (function* () {
    yield head;
    for (const [, t] of list) {
      yield new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    }
  })();
}

/**
 * Writes float32 tensors to `path` as `.safetensors`, atomically (see
 * {@linkcode writeFileAtomic}): a crash or error leaves the old file or the complete new one.
 *
 * @example
 * ```ts
 * import { writeSafetensors } from "./safetensors.ts";
 * const tensors = new Map([["w", { shape: [2, 2], data: new Float32Array(4) }]]);
 * const dir = await Deno.makeTempDir();
 * await writeSafetensors(`${dir}/out.safetensors`, tensors, { format: "pt" });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeSafetensors(
  path: string,
  tensors: TensorsToWrite,
  metadata?: Record<string, string>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata), options);
}
