/**
 * The WebGPU device and everything that is per-device: pipeline cache, buffer pool, the command
 * encoder that batches dispatches, uniform arena, readback and the tensor lifetime scopes.
 *
 * @module
 */
import { BufferPool, roundBucket } from "./buffer_pool.ts";
import { type Kernel, kernelSource, paramBytes } from "./kernel.ts";
import type { Profiler } from "./profiler.ts";

/** A dispatch or copy whose pipeline, bind group and uniforms were built once (see capture.ts). */
export type RecordedCommand =
  | {
    kind: "dispatch";
    name: string;
    pipeline: GPUComputePipeline;
    group: GPUBindGroup;
    workgroups: [number, number, number];
  }
  | {
    kind: "copy";
    src: GPUBuffer;
    srcOffset: number;
    dst: GPUBuffer;
    dstOffset: number;
    bytes: number;
  }
  | {
    kind: "texture";
    src: GPUBuffer;
    offset: number;
    bytesPerRow: number;
    texture: GPUTexture;
    width: number;
    height: number;
  };

/**
 * Takes the commands of a {@link Gpu} while it records (capture.ts): dispatches and copies are
 * handed to it instead of being encoded, and released buffers are kept by it instead of pooled.
 */
export interface CommandRecorder {
  /**
   * Takes one validated dispatch (its uniform values already converted to bytes). A texture it
   * binds belongs to the caller, who keeps it alive while the recording lives.
   */
  dispatch(
    kernel: Kernel,
    pipeline: GPUComputePipeline,
    uniforms: ArrayBuffer,
    buffers: (BufferWindow | GPUTextureView)[],
    workgroups: [number, number, number],
  ): void;
  /** Takes one buffer-to-buffer or buffer-to-texture copy. */
  copy(command: Exclude<RecordedCommand, { kind: "dispatch" }>): void;
  /** Keeps a buffer released while recording (the recording still binds it). */
  hold(buffer: GPUBuffer): void;
  /** Keeps a pooled texture released while recording (the recording still binds it). */
  holdTexture(texture: GPUTexture): void;
}

/** A contiguous byte range of a buffer, bound to one kernel binding. */
export interface BufferWindow {
  /** The buffer. */
  buffer: GPUBuffer;
  /** Byte offset (aligned to the device's storage offset alignment). */
  offset: number;
  /** Byte size of the window. */
  size: number;
}

/** Options for {@link acquireGpu}. */
export interface AcquireOptions {
  /** Prefer the low-power or high-performance adapter. */
  powerPreference?: GPUPowerPreference;
  /** Take this adapter instead of requesting one (tests). */
  adapter?: GPUAdapter;
}

/** Anything a scope can release at its end. */
export interface Disposable {
  /** Frees GPU memory; safe to call twice. */
  dispose(): void;
}

const UNIFORM_SLOT = 256;
const UNIFORM_SLOTS = 1024;

/**
 * One WebGPU device with its caches. Create it with {@link acquireGpu}; pass it explicitly to
 * everything that needs it (there is no module-level device).
 */
export class Gpu {
  /** The WebGPU device. */
  readonly device: GPUDevice;
  /** What the adapter says about itself. */
  readonly adapterInfo: GPUAdapterInfo;
  /** True for software adapters (llvmpipe, lavapipe, SwiftShader, WARP). */
  readonly isSoftware: boolean;
  /** Largest byte size one storage binding may have. */
  readonly maxBindingBytes: number;
  /** Storage buffer offsets must be multiples of this. */
  readonly offsetAlignment: number;
  /** Whether ops record autograd nodes; see {@link Gpu.noGrad}. */
  gradEnabled = true;
  /** When set, every dispatch is timed and readback waits are counted (see profiler.ts). */
  profiler: Profiler | null = null;
  /** Set once the device is lost; every later call throws with this reason. */
  lostReason: string | null = null;
  /** While set, dispatches and copies are recorded, not encoded (see capture.ts). */
  recorder: CommandRecorder | null = null;

  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #errors: string[] = [];
  readonly #staging = new Map<number, GPUBuffer[]>();
  readonly #textures = new Map<string, GPUTexture[]>();
  readonly #pool: BufferPool;
  readonly #scopes: Set<Disposable>[] = [];
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  readonly #uniformBuffer: GPUBuffer;
  readonly #uniformData = new ArrayBuffer(UNIFORM_SLOT * UNIFORM_SLOTS);
  #uniformUsed = 0;

  /** Wraps an acquired device; prefer {@link acquireGpu}. */
  constructor(device: GPUDevice, info: GPUAdapterInfo, isSoftware: boolean) {
    this.device = device;
    this.adapterInfo = info;
    this.isSoftware = isSoftware;
    this.maxBindingBytes = device.limits.maxStorageBufferBindingSize;
    this.offsetAlignment = device.limits.minStorageBufferOffsetAlignment;
    this.#pool = new BufferPool(device);
    this.#uniformBuffer = device.createBuffer({
      size: UNIFORM_SLOT * UNIFORM_SLOTS,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    device.addEventListener("uncapturederror", (event) => {
      this.#errors.push((event as GPUUncapturedErrorEvent).error.message);
    });
    device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  /** A one-line description of the adapter, for logs and benchmark tables. */
  describe(): string {
    const i = this.adapterInfo;
    const name = i.description || [i.vendor, i.architecture, i.device].filter((s) => s).join(" ");
    return `${name || "unknown adapter"}${this.isSoftware ? " (software)" : ""}`;
  }

  /** Bytes currently held by live buffers and by the pool. */
  memory(): { liveBytes: number; pooledBytes: number } {
    return this.#pool.memory();
  }

  #checkAlive(what: string): void {
    if (this.lostReason !== null) {
      throw new Error(
        `${what}: the WebGPU device was lost (${this.lostReason}); acquire a new Gpu`,
      );
    }
  }

  /** Takes a storage buffer of at least `bytes` bytes from the pool or creates one. */
  allocate(bytes: number, what = `${bytes} bytes`): GPUBuffer {
    this.#checkAlive(`allocate ${what}`);
    return this.#pool.take(bytes);
  }

  /** Returns a buffer to the pool. Later commands may reuse it: queue order keeps that safe. */
  release(buffer: GPUBuffer): void {
    if (this.recorder) this.recorder.hold(buffer);
    else this.#pool.give(buffer);
  }

  /** Destroys every pooled and staging buffer (memory held by live tensors stays). */
  trimPool(): void {
    this.flush();
    this.#pool.trim();
    for (const list of this.#staging.values()) for (const b of list) b.destroy();
    this.#staging.clear();
    for (const list of this.#textures.values()) for (const t of list) t.destroy();
    this.#textures.clear();
  }

  /** The compute pipeline of a kernel, built once per device. */
  pipeline(kernel: Kernel): GPUComputePipeline {
    const cached = this.#pipelines.get(kernel.name);
    if (cached) return cached;
    const module = this.device.createShaderModule({
      code: kernelSource(kernel),
      label: kernel.name,
    });
    const pipeline = this.device.createComputePipeline({
      layout: "auto",
      compute: { module, entryPoint: "main" },
      label: kernel.name,
    });
    this.#pipelines.set(kernel.name, pipeline);
    return pipeline;
  }

  /**
   * Records one dispatch into the current command encoder (nothing is submitted until
   * {@link flush} or a readback).
   */
  dispatch(
    kernel: Kernel,
    params: ArrayLike<number>,
    buffers: (BufferWindow | GPUTextureView)[],
    workgroups: readonly [number, number?, number?],
  ): void {
    this.#checkAlive(kernel.name);
    if (params.length !== kernel.params.length) {
      throw new Error(
        `${kernel.name}: expected ${kernel.params.length} params, got ${params.length}`,
      );
    }
    if (buffers.length !== kernel.buffers.length) {
      throw new Error(
        `${kernel.name}: expected ${kernel.buffers.length} buffers, got ${buffers.length}`,
      );
    }
    const [x, y = 1, z = 1] = workgroups;
    const maxGroups = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxGroups || y > maxGroups || z > maxGroups) {
      throw new Error(`${kernel.name}: dispatch ${x}×${y}×${z} exceeds ${maxGroups} per dimension`);
    }
    if (x === 0 || y === 0 || z === 0) return;
    for (const [i, w] of buffers.entries()) {
      if ("buffer" in w && w.size > this.maxBindingBytes) {
        throw new Error(
          `${kernel.name}: binding '${kernel.buffers[i].name}' is ${w.size} bytes, over this ` +
            `adapter's maxStorageBufferBindingSize ${this.maxBindingBytes}; the op must chunk it`,
        );
      }
    }
    const pipeline = this.pipeline(kernel);
    if (this.recorder) {
      const bytes = new ArrayBuffer(paramBytes(kernel));
      writeParams(kernel, params, new DataView(bytes));
      this.recorder.dispatch(kernel, pipeline, bytes, buffers, [x, y, z]);
      return;
    }
    if (this.#uniformUsed === UNIFORM_SLOTS) this.flush();
    const slot = this.#uniformUsed++;
    writeParams(
      kernel,
      params,
      new DataView(this.#uniformData, slot * UNIFORM_SLOT, paramBytes(kernel)),
    );
    const entries: GPUBindGroupEntry[] = [{
      binding: 0,
      resource: {
        buffer: this.#uniformBuffer,
        offset: slot * UNIFORM_SLOT,
        size: paramBytes(kernel),
      },
    }];
    buffers.forEach((w, i) =>
      entries.push({
        binding: i + 1,
        resource: "buffer" in w ? { buffer: w.buffer, offset: w.offset, size: w.size } : w,
      })
    );
    const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    this.#encodeDispatch(kernel.name, pipeline, group, [x, y, z]);
  }

  #encodeDispatch(
    name: string,
    pipeline: GPUComputePipeline,
    group: GPUBindGroup,
    [x, y, z]: readonly [number, number, number],
  ): void {
    if (!this.#encoder) this.#encoder = this.device.createCommandEncoder();
    if (this.profiler) {
      this.#pass?.end();
      this.#pass = this.profiler.beginPass(this.#encoder, name);
    }
    if (!this.#pass) this.#pass = this.#encoder.beginComputePass();
    this.#pass.setPipeline(pipeline);
    this.#pass.setBindGroup(0, group);
    this.#pass.dispatchWorkgroups(x, y, z);
    if (this.profiler) {
      this.#pass.end();
      this.#pass = null;
    }
  }

  /**
   * Encodes commands built once by a recording (capture.ts), in order with everything else:
   * no bind group, buffer or uniform is created here.
   */
  encodeRecorded(commands: readonly RecordedCommand[]): void {
    this.#checkAlive("encodeRecorded");
    for (const c of commands) {
      if (c.kind === "dispatch") this.#encodeDispatch(c.name, c.pipeline, c.group, c.workgroups);
      else if (c.kind === "copy") this.copy(c.src, c.srcOffset, c.dst, c.dstOffset, c.bytes);
      else this.copyToTexture(c.src, c.offset, c.bytesPerRow, c.texture, c.width, c.height);
    }
  }

  /** Records a buffer-to-buffer copy in order with the dispatches. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.#checkAlive("copy");
    if (this.recorder) {
      this.recorder.copy({ kind: "copy", src, srcOffset, dst, dstOffset, bytes });
      return;
    }
    if (!this.#encoder) this.#encoder = this.device.createCommandEncoder();
    this.#pass?.end();
    this.#pass = null;
    this.#encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /**
   * Takes an rgba32float texture of `width` × `height` texels (sampled, copy destination) from
   * this device's texture pool or creates one; give it back with {@link releaseTexture}.
   */
  takeTexture(width: number, height: number): GPUTexture {
    this.#checkAlive("takeTexture");
    const free = this.#textures.get(`${width}x${height}`);
    return free?.pop() ?? this.device.createTexture({
      size: [width, height],
      format: "rgba32float",
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
    });
  }

  /**
   * Returns a texture to the pool. Later commands may reuse it: queue order keeps that safe.
   * While recording, the recording keeps it instead (its commands still bind it).
   */
  releaseTexture(texture: GPUTexture): void {
    if (this.recorder) {
      this.recorder.holdTexture(texture);
      return;
    }
    const key = `${texture.width}x${texture.height}`;
    const free = this.#textures.get(key) ?? [];
    free.push(texture);
    this.#textures.set(key, free);
  }

  /**
   * Records a copy of `height` rows of `width` texels (16 bytes each), `bytesPerRow` apart from
   * `offset` in a buffer, into a texture, in order with the dispatches.
   */
  copyToTexture(
    src: GPUBuffer,
    offset: number,
    bytesPerRow: number,
    texture: GPUTexture,
    width: number,
    height: number,
  ): void {
    this.#checkAlive("copyToTexture");
    if (this.recorder) {
      this.recorder.copy({ kind: "texture", src, offset, bytesPerRow, texture, width, height });
      return;
    }
    if (!this.#encoder) this.#encoder = this.device.createCommandEncoder();
    this.#pass?.end();
    this.#pass = null;
    this.#encoder.copyBufferToTexture({ buffer: src, offset, bytesPerRow, rowsPerImage: height }, {
      texture,
    }, [width, height]);
  }

  /** Writes host data into a buffer, in order with the recorded commands. */
  write(buffer: GPUBuffer, offset: number, data: ArrayBufferView): void {
    this.#checkAlive("write");
    this.flush();
    const bytes = data.buffer as ArrayBuffer;
    this.device.queue.writeBuffer(buffer, offset, bytes, data.byteOffset, data.byteLength);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (this.#pass) this.#pass.end();
    this.#pass = null;
    if (this.#uniformUsed > 0) {
      this.device.queue.writeBuffer(
        this.#uniformBuffer,
        0,
        this.#uniformData,
        0,
        this.#uniformUsed * UNIFORM_SLOT,
      );
      this.#uniformUsed = 0;
    }
    if (this.#encoder) {
      this.profiler?.resolve(this.#encoder);
      this.device.queue.submit([this.#encoder.finish()]);
    }
    this.#encoder = null;
  }

  /** Copies `bytes` bytes from a buffer back to the host (submits pending work first). */
  async readBytes(buffer: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    this.#checkAlive("read");
    if (this.recorder) throw new Error("read: cannot read back while commands are being recorded");
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    // Staging buffers are reused (a training step reads its loss, a decoding step its logits):
    // one is taken off the free list for the duration of the read and put back unmapped.
    const bucket = roundBucket(size);
    const staging = this.#staging.get(bucket)?.pop() ??
      this.device.createBuffer({
        size: bucket,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
    try {
      this.copy(buffer, offset, staging, 0, size);
      this.flush();
      const t0 = performance.now();
      await staging.mapAsync(GPUMapMode.READ, 0, size);
      this.profiler?.addHost("readback wait (includes device work)", performance.now() - t0);
      this.throwIfFailed("read");
      const out = staging.getMappedRange(0, size).slice(0, bytes);
      staging.unmap();
      const free = this.#staging.get(bucket) ?? [];
      free.push(staging);
      this.#staging.set(bucket, free);
      return out;
    } catch (e) {
      staging.destroy();
      throw e;
    }
  }

  /** Waits until the device has finished all submitted work. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwIfFailed("sync");
  }

  /**
   * Throws if WebGPU reported an error (a kernel that failed to compile, a validation error)
   * since the device was acquired: such errors arrive asynchronously, so they are surfaced at
   * the next readback or sync rather than lost.
   */
  throwIfFailed(where: string): void {
    if (this.#errors.length > 0) {
      throw new Error(`${where}: WebGPU reported an error: ${this.#errors.join("; ")}`);
    }
  }

  /** Runs `fn` without recording autograd nodes (evaluation, optimizer updates, backward). */
  noGrad<T>(fn: () => T): T {
    const before = this.gradEnabled;
    this.gradEnabled = false;
    try {
      return fn();
    } finally {
      this.gradEnabled = before;
    }
  }

  /** Registers a tensor with the innermost open scope (see {@link Gpu.scope}). */
  track(item: Disposable): void {
    this.#scopes.at(-1)?.add(item);
  }

  /** Removes an item from every open scope so that no scope end disposes it. */
  keep(item: Disposable): void {
    for (const s of this.#scopes) s.delete(item);
  }

  /**
   * Runs `fn`, then disposes every tensor created inside it except those in the result (and
   * those passed to {@link Gpu.keep}). Scopes nest; a kept tensor belongs to the outer scope.
   */
  scope<T>(fn: () => T): T {
    this.#scopes.push(new Set());
    let result: T;
    try {
      result = fn();
    } catch (e) {
      for (const item of this.#scopes.pop()!) item.dispose();
      throw e;
    }
    const inner = this.#scopes.pop()!;
    const keepers = new Set<unknown>(collect(result));
    for (const item of inner) {
      if (keepers.has(item)) this.track(item);
      else item.dispose();
    }
    return result;
  }

  /** Async form of {@link Gpu.scope}. */
  async scopeAsync<T>(fn: () => Promise<T>): Promise<T> {
    this.#scopes.push(new Set());
    const mine = this.#scopes.length;
    let result: T;
    try {
      result = await fn();
    } finally {
      if (this.#scopes.length !== mine) {
        // deno-lint-ignore no-unsafe-finally
        throw new Error(
          "scopeAsync: scopes must not interleave (await each scope before the next)",
        );
      }
    }
    const inner = this.#scopes.pop()!;
    const keepers = new Set<unknown>(collect(result));
    for (const item of inner) {
      if (keepers.has(item)) this.track(item);
      else item.dispose();
    }
    return result;
  }
}

/** Writes a kernel's parameter values into its uniform block. */
function writeParams(kernel: Kernel, params: ArrayLike<number>, view: DataView): void {
  kernel.params.forEach(([, type], i) => {
    const v = params[i];
    if (type === "f32") view.setFloat32(i * 4, v, true);
    else if (type === "i32") view.setInt32(i * 4, v, true);
    else view.setUint32(i * 4, v, true);
  });
}

function collect(value: unknown, out: unknown[] = [], depth = 0): unknown[] {
  if (value === null || typeof value !== "object" || depth > 6) return out;
  out.push(value);
  const base = (value as { base?: unknown }).base;
  if (base) collect(base, out, depth);
  if (Array.isArray(value)) { for (const v of value) collect(v, out, depth + 1); }
  else if (value instanceof Map) { for (const v of value.values()) collect(v, out, depth + 1); }
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  }
  return out;
}

/**
 * Requests a WebGPU adapter and device with the adapter's own maximum limits.
 *
 * @example
 * ```ts
 * const gpu = await acquireGpu();
 * console.log(gpu.describe());
 * ```
 */
export async function acquireGpu(options: AcquireOptions = {}): Promise<Gpu> {
  const nav = globalThis.navigator as Navigator & { gpu?: GPU };
  if (!nav?.gpu) {
    throw new Error(
      "acquireGpu: WebGPU is not available in this runtime (navigator.gpu is undefined). " +
        "Use Deno 2.x (WebGPU needs no flag there) or a browser with WebGPU enabled.",
    );
  }
  const adapter = options.adapter ??
    await nav.gpu.requestAdapter({ powerPreference: options.powerPreference });
  if (!adapter) {
    throw new Error(
      "acquireGpu: no WebGPU adapter found. On a machine without a GPU install a software Vulkan " +
        "driver (Debian/Ubuntu: `apt-get install mesa-vulkan-drivers`), and set XDG_RUNTIME_DIR " +
        "to a private temporary folder.",
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const key of LIMIT_KEYS) {
    const value = (adapter.limits as unknown as Record<string, number>)[key];
    if (typeof value === "number") requiredLimits[key] = value;
  }
  // Timestamp queries cost nothing until a profiler uses them (see profiler.ts).
  const requiredFeatures: GPUFeatureName[] = adapter.features.has("timestamp-query")
    ? ["timestamp-query"]
    : [];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const info = adapter.info;
  const description = `${info.description} ${info.vendor} ${info.device}`.toLowerCase();
  const software = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ===
      true || /llvmpipe|lavapipe|swiftshader|warp|software/.test(description);
  return new Gpu(device, info, software);
}

const LIMIT_KEYS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupSizeZ",
  "maxComputeWorkgroupsPerDimension",
  "maxStorageBuffersPerShaderStage",
];
