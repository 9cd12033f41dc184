/**
 * GPU tensors: a shape, an element type and a storage buffer on one {@link Gpu}, plus the
 * autograd links (`requiresGrad`, `grad`, the node that produced it).
 *
 * @module
 */
import type { BufferWindow, Gpu } from "./gpu.ts";

/** Element types a tensor can hold. */
export type DType = "f32" | "i32";

/** How a non-leaf tensor was produced: enough to push a gradient back to its inputs. */
export interface GradNode {
  /** Op name, for error messages and debugging. */
  op: string;
  /** The inputs the gradient flows to. */
  inputs: Tensor[];
  /**
   * Given d(loss)/d(output), returns d(loss)/d(input) for each input (null where the input needs
   * no gradient; `needs[i]` says which ones do, so frozen inputs cost no work).
   */
  backward(gradOutput: Tensor, needs: boolean[]): (Tensor | null)[];
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Formats a shape as `[2, 3]` for error messages. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** A tensor on the GPU. Create with {@link tensorFrom}, {@link zeros} or an op. */
export class Tensor {
  /** The device the data lives on. */
  readonly gpu: Gpu;
  /** Dimensions, outermost first (row-major storage). */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** Whether gradients flow into this tensor. */
  requiresGrad: boolean;
  /** Accumulated gradient (leaves only), after {@link backward}. */
  grad: Tensor | null = null;
  /** The op that produced this tensor (null for leaves). */
  node: GradNode | null = null;
  /** Optional name (parameter name) used in messages. */
  name: string;
  /** For a view: the tensor that owns the buffer (kept alive by scopes with the view). */
  readonly base: Tensor | null;
  #buffer: GPUBuffer | null;
  readonly #ownsBuffer: boolean;

  /**
   * Wraps a buffer; prefer the factory functions. A tensor made with a `base` is a view: disposing it
   * leaves the buffer to the base tensor.
   */
  constructor(
    gpu: Gpu,
    shape: readonly number[],
    dtype: DType,
    buffer: GPUBuffer,
    name = "",
    base: Tensor | null = null,
  ) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`Tensor: bad shape ${shapeString(shape)}`);
    }
    this.gpu = gpu;
    this.shape = [...shape];
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.requiresGrad = false;
    this.name = name;
    this.#buffer = buffer;
    this.base = base;
    this.#ownsBuffer = base === null;
    gpu.track(this);
  }

  /** The storage buffer (throws after {@link dispose}). */
  get buffer(): GPUBuffer {
    if (!this.#buffer) throw new Error(`Tensor ${this.label()}: used after dispose()`);
    return this.#buffer;
  }

  /** Whether {@link dispose} has been called. */
  get disposed(): boolean {
    return this.#buffer === null;
  }

  /** Name and shape, for messages. */
  label(): string {
    return `${this.name ? this.name + " " : ""}${shapeString(this.shape)} ${this.dtype}`;
  }

  /** Returns the buffer to the pool. The tensor must not be used afterwards. */
  dispose(): void {
    if (this.#buffer && this.#ownsBuffer) this.gpu.release(this.#buffer);
    this.#buffer = null;
  }

  /**
   * Binds `count` elements starting at element `start`. The byte offset is aligned down to the
   * device's offset alignment; `shift` is how many elements the kernel must skip.
   */
  window(start = 0, count = this.size): { window: BufferWindow; shift: number } {
    const align = this.gpu.offsetAlignment;
    const offset = Math.floor((start * 4) / align) * align;
    const shift = (start * 4 - offset) / 4;
    const size = Math.max(4, (count + shift) * 4);
    return { window: { buffer: this.buffer, offset, size }, shift };
  }

  /** The whole tensor as one binding (it must fit one binding). */
  whole(): BufferWindow {
    return { buffer: this.buffer, offset: 0, size: Math.max(4, this.size * 4) };
  }

  /** Copies the data to the host. */
  async read(): Promise<Float32Array | Int32Array> {
    const bytes = await this.gpu.readBytes(this.buffer, 0, this.size * 4);
    return this.dtype === "f32" ? new Float32Array(bytes) : new Int32Array(bytes);
  }

  /** Copies float data to the host (throws for integer tensors). */
  async readFloat(): Promise<Float32Array> {
    if (this.dtype !== "f32") throw new Error(`readFloat: ${this.label()} is not f32`);
    return new Float32Array(await this.gpu.readBytes(this.buffer, 0, this.size * 4));
  }

  /** Reads a scalar (a tensor of one element). */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item(): ${this.label()} has ${this.size} elements`);
    return (await this.read())[0];
  }

  /** A new tensor sharing nothing with this one, with the same data, no graph. */
  clone(): Tensor {
    const out = new Tensor(this.gpu, this.shape, this.dtype, this.gpu.allocate(this.size * 4));
    this.gpu.copy(this.buffer, 0, out.buffer, 0, this.size * 4);
    return out;
  }

  /** Same data viewed with another shape of the same size (shares the buffer; no copy). */
  reshapeView(shape: readonly number[]): Tensor {
    if (sizeOf(shape) !== this.size) {
      throw new Error(`reshape: ${this.label()} cannot become ${shapeString(shape)}`);
    }
    return new Tensor(this.gpu, shape, this.dtype, this.buffer, this.name, this.base ?? this);
  }
}

/** Options for creating a tensor. */
export interface TensorOptions {
  /** Element type (default f32; integer arrays default to i32). */
  dtype?: DType;
  /** Track gradients (leaf parameter). */
  requiresGrad?: boolean;
  /** Name used in messages (parameter name). */
  name?: string;
}

/**
 * Uploads host data as a tensor.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * const gpu = await acquireGpu();
 * const x = tensorFrom(gpu, [1, 2, 3, 4], [2, 2]);
 * console.log(x.shape, await x.readFloat()); // [2, 2] [1, 2, 3, 4]
 * ```
 */
export function tensorFrom(
  gpu: Gpu,
  data: ArrayLike<number>,
  shape: readonly number[],
  options: TensorOptions = {},
): Tensor {
  const dtype = options.dtype ?? (data instanceof Int32Array ? "i32" : "f32");
  if (data.length !== sizeOf(shape)) {
    throw new Error(
      `tensorFrom${
        options.name ? ` (${options.name})` : ""
      }: ${data.length} values do not fill shape ${shapeString(shape)} (${sizeOf(shape)} elements)`,
    );
  }
  const typed: Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer> = dtype === "f32"
    ? Float32Array.from(data)
    : Int32Array.from(data);
  const t = new Tensor(gpu, shape, dtype, gpu.allocate(typed.byteLength), options.name);
  t.requiresGrad = options.requiresGrad ?? false;
  if (typed.length > 0) gpu.write(t.buffer, 0, typed);
  return t;
}

/** An uninitialised tensor (contents are whatever the pooled buffer held). */
export function empty(gpu: Gpu, shape: readonly number[], dtype: DType = "f32"): Tensor {
  return new Tensor(
    gpu,
    shape,
    dtype,
    gpu.allocate(sizeOf(shape) * 4, `${shapeString(shape)} ${dtype}`),
  );
}

/** Asserts that a tensor has the expected shape, naming the op and argument. */
export function expectShape(op: string, arg: string, t: Tensor, shape: readonly number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${op}: ${arg} must have shape ${shapeString(shape)}, got ${t.label()}`);
  }
}

/** Asserts a tensor's element type, naming the op and argument. */
export function expectDtype(op: string, arg: string, t: Tensor, dtype: DType): void {
  if (t.dtype !== dtype) throw new Error(`${op}: ${arg} must be ${dtype}, got ${t.label()}`);
}

/** Asserts that two tensors are on the same device. */
export function expectSameGpu(op: string, a: Tensor, b: Tensor): void {
  if (a.gpu !== b.gpu) {
    throw new Error(`${op}: ${a.label()} and ${b.label()} are on different devices`);
  }
}
