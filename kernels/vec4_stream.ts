/**
 * Streaming kernels over tensors of any size in vec4 pieces, shared by the optimizer-side ops
 * (AdamW, gradient clipping, finite checks).
 *
 * A tensor is cut into chunks that fit one storage binding; each chunk into a vec4 body (a
 * multiple of 4 elements, bound at an exact, aligned offset) and a scalar tail of at most 3
 * elements. Each kernel therefore comes in two variants, built from one WGSL body in which the
 * alias `V` is `vec4<f32>` or `f32` (and `U` is `vec4<u32>` or `u32`). On llvmpipe vec4 loads
 * make these memory-bound kernels about 2.5× faster than one f32 per invocation.
 *
 * Also here: a deterministic two-stage reduction (strided partial sums per invocation, then one
 * workgroup) that keeps every loop under llvmpipe's limit of 65,535 iterations per invocation
 * (loops beyond it silently stop early).
 *
 * @module
 */
import type { BufferWindow, Gpu } from "./gpu.ts";
import type { Kernel, StorageType } from "./kernel.ts";
import { maxChunkElements, WG } from "./dispatch_util.ts";
import { empty, type Tensor } from "./tensor.ts";

/** One piece of a tensor: `count` elements from `start`, processed as vec4 or as scalars. */
export interface Piece {
  /** First element. */
  start: number;
  /** Number of elements (a multiple of 4 when `vec`). */
  count: number;
  /** Whether the vec4 variant runs on it. */
  vec: boolean;
}

/** A kernel in its vec4 and scalar variants. */
export interface KernelPair {
  /** Variant where `V` = vec4<f32>; indices count vec4s. */
  vec: Kernel;
  /** Variant where `V` = f32, for tails. */
  scalar: Kernel;
}

/** Elements per chunk start: 256 bytes, the largest storage offset alignment WebGPU allows. */
const PIECE_ALIGN = 64;

/**
 * Splits `n` elements into pieces: chunks that fit one binding (starting at multiples of 256
 * bytes), each a vec4 body plus a scalar tail of up to 3 elements.
 */
export function pieces(gpu: Gpu, n: number): Piece[] {
  if (256 % gpu.offsetAlignment !== 0) {
    throw new Error(`pieces: offset alignment ${gpu.offsetAlignment} does not divide 256`);
  }
  const chunk = Math.floor(maxChunkElements(gpu) / PIECE_ALIGN) * PIECE_ALIGN;
  const out: Piece[] = [];
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    const body = count - (count % 4);
    if (body > 0) out.push({ start, count: body, vec: true });
    if (count > body) out.push({ start: start + body, count: count - body, vec: false });
  }
  return out;
}

/**
 * The binding of a piece of `t` and the shift (in the variant's units: vec4s or elements) the
 * kernel adds to its indices. Vec pieces start on an aligned offset, so their shift is 0.
 */
export function bindPiece(t: Tensor, piece: Piece): { window: BufferWindow; shift: number } {
  if (!piece.vec) return t.window(piece.start, piece.count);
  return { window: { buffer: t.buffer, offset: piece.start * 4, size: piece.count * 4 }, shift: 0 };
}

/** Number of kernel items (vec4s or elements) of a piece. */
export function pieceItems(piece: Piece): number {
  return piece.vec ? piece.count / 4 : piece.count;
}

/**
 * Builds the two variants of a kernel. `make` gets the storage type for the streamed buffers
 * (`vec4<f32>` or `f32`) and returns the spec without its name and prelude; `V` and `U` are
 * declared as aliases.
 */
export function kernelPair(
  name: string,
  make: (type: StorageType) => Omit<Kernel, "name">,
): KernelPair {
  const build = (vec: boolean): Kernel => {
    const spec = make(vec ? "vec4<f32>" : "f32");
    const aliases = vec
      ? "alias V = vec4<f32>;\nalias U = vec4<u32>;"
      : "alias V = f32;\nalias U = u32;";
    return {
      ...spec,
      name: `${name}_${vec ? "v4" : "s"}`,
      prelude: `${aliases}\n${spec.prelude ?? ""}`,
    };
  };
  return { vec: build(true), scalar: build(false) };
}

/** Workgroups for a strided pass over `items` items: about 128 items per invocation. */
function stridedGroups(items: number): number {
  return Math.max(1, Math.min(1024, Math.ceil(items / (WG * 128))));
}

/** A reduction: how each item maps to the accumulator and how the total is finished. */
export interface ReduceSpec {
  /** Unique name (pipeline keys derive from it). */
  name: string;
  /** Accumulator type: f32 sums or u32 counts. */
  acc: "f32" | "u32";
  /**
   * WGSL expression of the item `x` (type V) giving the accumulator increment (type V for f32
   * sums, U for u32 counts).
   */
  map: string;
  /** WGSL expression of the total `s` written to the output (default `s`). */
  finish?: string;
}

/** The kernels of a reduction; build once per op as a module constant. */
export interface Reduction {
  /** Strided partial sums, one slot per invocation. */
  partial: KernelPair;
  /** Sums the slots in one workgroup and applies `finish`. */
  final: Kernel;
  /** Output dtype. */
  dtype: "f32" | "i32";
}

/** Builds the kernels of a reduction (see {@link reduceStream}). */
export function reduction(spec: ReduceSpec): Reduction {
  const isF = spec.acc === "f32";
  const slot: StorageType = isF ? "f32" : "u32";
  const partial = kernelPair(`reduce_${spec.name}`, (type) => {
    const accType = type === "f32" ? (isF ? "f32" : "u32") : (isF ? "vec4<f32>" : "vec4<u32>");
    const total = type === "f32" ? "a" : "a.x + a.y + a.z + a.w";
    return {
      params: [["n", "u32"], ["shift", "u32"], ["outIndex", "u32"]],
      buffers: [
        { name: "src", type, access: "read" },
        { name: "out", type: slot, access: "read_write" },
      ],
      workgroupSize: [WG, 1, 1],
      body: `  let stride = nwg.x * ${WG}u;
  var a = ${accType}(0);
  for (var i = gid.x; i < p.n; i += stride) {
    let x = src[i + p.shift];
    a += ${spec.map};
  }
  out[p.outIndex + gid.x] = ${total};`,
    };
  });
  const final: Kernel = {
    name: `reduce_${spec.name}_final`,
    params: [["n", "u32"]],
    buffers: [
      { name: "slots", type: slot, access: "read" },
      { name: "out", type: slot, access: "read_write" },
    ],
    workgroupSize: [WG, 1, 1],
    prelude: `var<workgroup> acc: array<${slot}, ${WG}>;`,
    body: `  var a = ${slot}(0);
  for (var i = lid.x; i < p.n; i += ${WG}u) { a += slots[i]; }
  acc[lid.x] = a;
  workgroupBarrier();
  if (lid.x == 0u) {
    var s = ${slot}(0);
    for (var k = 0u; k < ${WG}u; k++) { s += acc[k]; }
    out[0] = ${spec.finish ?? "s"};
  }`,
  };
  return { partial, final, dtype: isF ? "f32" : "i32" };
}

/**
 * Reduces every element of the tensors into a 1-element tensor (f32, or i32 holding u32 counts)
 * without reading back. Deterministic: the partition depends only on the sizes.
 */
export function reduceStream(r: Reduction, tensors: Tensor[], gpu: Gpu): Tensor {
  const jobs: [Tensor, Piece, number][] = [];
  let slots = 0;
  for (const t of tensors) {
    for (const piece of pieces(gpu, t.size)) {
      const groups = stridedGroups(pieceItems(piece));
      jobs.push([t, piece, groups]);
      slots += groups * WG;
    }
  }
  if (slots > WG * 65535) throw new Error(`reduceStream: ${slots} partial sums are too many`);
  const out = empty(gpu, [1], r.dtype);
  const partial = empty(gpu, [Math.max(1, slots)], r.dtype);
  let at = 0;
  for (const [t, piece, groups] of jobs) {
    const b = bindPiece(t, piece);
    const k = piece.vec ? r.partial.vec : r.partial.scalar;
    gpu.dispatch(k, [pieceItems(piece), b.shift, at], [b.window, partial.whole()], [groups]);
    at += groups * WG;
  }
  gpu.dispatch(r.final, [slots], [partial.whole(), out.whole()], [1]);
  partial.dispose();
  return out;
}
