/**
 * Recording a sequence of dispatches once and replaying it many times: the bind groups and the
 * uniform blocks are built when the sequence is recorded, so a replay creates no buffer, bind
 * group or uniform (a decoding step of fixed shape, model/cached_decoder.ts). What changes from
 * one replay to the next must live in storage buffers that the caller rewrites with
 * {@link Gpu.write} before each replay.
 *
 * Every buffer the recorded ops bind stays theirs while the recording lives: a buffer released
 * while recording (an intermediate tensor) is held by the recording instead of going back to
 * the pool, and given back by {@link Recording.dispose}; so is a pooled texture (the matmul's
 * operand copies, which are recorded too). A texture the caller made and bound (the decoding
 * LM head's transposed weight, kernels/row_head.ts) stays its owner's, who keeps it alive while
 * the recording lives.
 *
 * @module
 */
import type { BufferWindow, CommandRecorder, Gpu, RecordedCommand } from "./gpu.ts";
import type { Kernel } from "./kernel.ts";

/** Bytes between two uniform blocks (WebGPU's largest minUniformBufferOffsetAlignment). */
const UNIFORM_STRIDE = 256;

/** Commands recorded by {@link captureCommands}, ready to replay. */
export class Recording {
  /** The device. */
  readonly gpu: Gpu;
  /** The recorded dispatches and copies, in order. */
  readonly commands: readonly RecordedCommand[];
  readonly #uniforms: GPUBuffer | null;
  #held: GPUBuffer[];
  #heldTextures: GPUTexture[];
  #disposed = false;

  /** Wraps recorded commands; made by {@link captureCommands}. */
  constructor(
    gpu: Gpu,
    commands: RecordedCommand[],
    uniforms: GPUBuffer | null,
    held: GPUBuffer[],
    heldTextures: GPUTexture[] = [],
  ) {
    this.gpu = gpu;
    this.commands = commands;
    this.#uniforms = uniforms;
    this.#held = held;
    this.#heldTextures = heldTextures;
  }

  /** Encodes the recorded commands again, in order with everything else recorded on the gpu. */
  replay(): void {
    if (this.#disposed) throw new Error("Recording.replay: used after dispose()");
    this.gpu.encodeRecorded(this.commands);
  }

  /**
   * Gives the held buffers and textures back to the pool and frees the uniform blocks; safe to
   * call twice.
   */
  dispose(): void {
    for (const b of this.#held) this.gpu.release(b);
    for (const t of this.#heldTextures) this.gpu.releaseTexture(t);
    this.#held = [];
    this.#heldTextures = [];
    if (!this.#disposed) this.#uniforms?.destroy();
    this.#disposed = true;
  }
}

interface PendingDispatch {
  kernel: Kernel;
  pipeline: GPUComputePipeline;
  uniforms: ArrayBuffer;
  buffers: (BufferWindow | GPUTextureView)[];
  workgroups: [number, number, number];
}

/**
 * Runs `fn` with the gpu recording instead of encoding (inside a scope of its own, whose end is
 * recorded too), and returns what `fn` returned with the {@link Recording}. Nothing recorded has
 * run yet: call `replay()`. `fn` must not read back; host writes it makes ({@link Gpu.write},
 * tensor uploads) happen at once, so only constant data may be uploaded inside it. The result's
 * tensors belong to the caller (dispose them before or with the recording).
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * import { add } from "./elementwise.ts";
 * const gpu = await acquireGpu();
 * const x = tensorFrom(gpu, [1, 2], [2]);
 * const { result: y, recording } = captureCommands(gpu, () => add(x, x));
 * gpu.write(x.buffer, 0, Float32Array.of(5, 6));
 * recording.replay();
 * console.log(await y.readFloat()); // [10, 12]
 * y.dispose();
 * recording.dispose();
 * ```
 */
export function captureCommands<T>(
  gpu: Gpu,
  fn: () => T,
): { result: T; recording: Recording } {
  if (gpu.recorder) throw new Error("captureCommands: the gpu is already recording");
  gpu.flush();
  const pending: (PendingDispatch | Exclude<RecordedCommand, { kind: "dispatch" }>)[] = [];
  const held: GPUBuffer[] = [];
  const heldTextures: GPUTexture[] = [];
  const recorder: CommandRecorder = {
    dispatch: (kernel, pipeline, uniforms, buffers, workgroups) =>
      pending.push({ kernel, pipeline, uniforms, buffers: [...buffers], workgroups }),
    copy: (command) => pending.push(command),
    hold: (buffer) => held.push(buffer),
    holdTexture: (texture) => heldTextures.push(texture),
  };
  gpu.recorder = recorder;
  let result: T;
  try {
    result = gpu.scope(fn);
  } catch (e) {
    gpu.recorder = null;
    for (const b of held) gpu.release(b);
    for (const t of heldTextures) gpu.releaseTexture(t);
    throw e;
  } finally {
    gpu.recorder = null;
  }
  const dispatches = pending.filter((c): c is PendingDispatch => !("kind" in c));
  const device = gpu.device;
  const uniforms = dispatches.length === 0 ? null : device.createBuffer({
    size: dispatches.length * UNIFORM_STRIDE,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    label: "recorded uniforms",
  });
  const data = new Uint8Array(dispatches.length * UNIFORM_STRIDE);
  let slot = 0;
  const commands: RecordedCommand[] = pending.map((c) => {
    if ("kind" in c) return c;
    const offset = slot++ * UNIFORM_STRIDE;
    data.set(new Uint8Array(c.uniforms), offset);
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: uniforms!, offset, size: c.uniforms.byteLength } },
      ...c.buffers.map((w, i) => ({
        binding: i + 1,
        resource: "buffer" in w ? { buffer: w.buffer, offset: w.offset, size: w.size } : w,
      })),
    ];
    const group = device.createBindGroup({ layout: c.pipeline.getBindGroupLayout(0), entries });
    return {
      kind: "dispatch",
      name: c.kernel.name,
      pipeline: c.pipeline,
      group,
      workgroups: c.workgroups,
    };
  });
  if (uniforms) device.queue.writeBuffer(uniforms, 0, data);
  return { result, recording: new Recording(gpu, commands, uniforms, held, heldTextures) };
}
