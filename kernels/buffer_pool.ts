/**
 * Storage buffers reused by size class, so that a training step allocates nothing new once the
 * first step has run. Sizes are rounded up to buckets (256 B below 4 KiB, 4 KiB steps below
 * 64 KiB, then 1/8 of the power of two below the size) so nearby sizes
 * share buffers.
 *
 * @module
 */

/** Rounds a byte size up so that pooled buffers are reused across nearby sizes. */
export function roundBucket(bytes: number): number {
  if (bytes <= 4096) return Math.ceil(bytes / 256) * 256;
  const step = 2 ** Math.max(12, Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

/**
 * A pool of storage buffers of one device.
 *
 * @example
 * ```ts
 * const adapter = await navigator.gpu.requestAdapter();
 * const device = await adapter!.requestDevice();
 * const pool = new BufferPool(device);
 * const b = pool.take(1000);
 * pool.give(b); // a later take(1000) gets it back
 * console.log(pool.take(1000) === b); // true
 * ```
 */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<number, GPUBuffer[]>();
  #allocatedBytes = 0;
  #pooledBytes = 0;

  /** A pool for `device`. */
  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** A buffer of at least `bytes` bytes (STORAGE, COPY_SRC, COPY_DST) from the pool or new. */
  take(bytes: number): GPUBuffer {
    const size = roundBucket(Math.max(bytes, 16));
    const max = this.#device.limits.maxBufferSize;
    if (size > max) {
      throw new Error(`allocate: ${bytes} bytes exceed this adapter's maxBufferSize ${max}`);
    }
    const reused = this.#free.get(size)?.pop();
    if (reused) {
      this.#pooledBytes -= size;
      return reused;
    }
    this.#allocatedBytes += size;
    return this.#device.createBuffer({
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  /** Returns a buffer for reuse (later commands may reuse it: queue order keeps that safe). */
  give(buffer: GPUBuffer): void {
    const list = this.#free.get(buffer.size) ?? [];
    list.push(buffer);
    this.#free.set(buffer.size, list);
    this.#pooledBytes += buffer.size;
  }

  /** Destroys every pooled buffer. */
  trim(): void {
    for (const list of this.#free.values()) {
      for (const b of list) {
        this.#allocatedBytes -= b.size;
        b.destroy();
      }
    }
    this.#free.clear();
    this.#pooledBytes = 0;
  }

  /** Bytes held by buffers in use and by the pool. */
  memory(): { liveBytes: number; pooledBytes: number } {
    return { liveBytes: this.#allocatedBytes - this.#pooledBytes, pooledBytes: this.#pooledBytes };
  }
}
