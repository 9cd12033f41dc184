import assert from "node:assert/strict";
import { acquireGpu } from "./gpu.ts";
import { scale } from "./elementwise.ts";
import { tensorFrom } from "./tensor.ts";

Deno.test("acquireGpu() requests the adapter's own maximum binding size", async () => {
  const adapter = await navigator.gpu.requestAdapter();
  const gpu = await acquireGpu();
  assert.equal(gpu.maxBindingBytes, adapter!.limits.maxStorageBufferBindingSize);
  assert.match(gpu.describe(), /\S/);
  gpu.device.destroy();
});

Deno.test("acquireGpu() explains what to install when no adapter is found", async () => {
  const original = navigator.gpu.requestAdapter;
  Object.defineProperty(navigator.gpu, "requestAdapter", { value: () => null, configurable: true });
  try {
    await assert.rejects(acquireGpu(), /no WebGPU adapter found.*mesa-vulkan-drivers/s);
  } finally {
    Object.defineProperty(navigator.gpu, "requestAdapter", { value: original, configurable: true });
  }
});

Deno.test("an op on a lost device throws naming the shape and the loss", async () => {
  const gpu = await acquireGpu();
  const x = tensorFrom(gpu, [1, 2, 3], [3]);
  gpu.device.destroy();
  await gpu.device.lost;
  assert.throws(() => scale(x, 2), /allocate \[3\] f32: the WebGPU device was lost \(destroyed/);
  await assert.rejects(x.read(), /read: the WebGPU device was lost/);
});

Deno.test("dispatch() refuses a binding over the adapter's limit instead of a validation error", async () => {
  const gpu = await acquireGpu();
  const buffer = gpu.allocate(16);
  const kernel = {
    name: "noop",
    params: [] as const,
    buffers: [{ name: "x", type: "f32" as const, access: "read_write" as const }],
    workgroupSize: [1, 1, 1] as const,
    body: "  x[0] = 1.0;",
  };
  assert.throws(
    () => gpu.dispatch(kernel, [], [{ buffer, offset: 0, size: gpu.maxBindingBytes + 4 }], [1]),
    /noop: binding 'x' is \d+ bytes, over this adapter's maxStorageBufferBindingSize/,
  );
  gpu.device.destroy();
});

Deno.test("a kernel that fails to compile is reported at the next readback, naming it", async () => {
  const gpu = await acquireGpu();
  const x = tensorFrom(gpu, [1, 2, 3], [3]);
  const broken = {
    name: "broken_kernel",
    params: [] as const,
    buffers: [{ name: "x", type: "f32" as const, access: "read_write" as const }],
    workgroupSize: [1, 1, 1] as const,
    body: "  let y: f32 = 1u;\n  x[0] = y;",
  };
  gpu.dispatch(broken, [], [x.whole()], [1]);
  await assert.rejects(x.read(), /read: WebGPU reported an error: .*broken_kernel/s);
  gpu.device.destroy();
});

Deno.test("a kernel that ignores one of its bindings still runs", async () => {
  const gpu = await acquireGpu();
  const unused = tensorFrom(gpu, [1], [1]);
  const out = tensorFrom(gpu, [0], [1]);
  const kernel = {
    name: "ignores_input",
    params: [["n", "u32"]] as const,
    buffers: [
      { name: "a", type: "f32" as const, access: "read" as const },
      { name: "out", type: "f32" as const, access: "read_write" as const },
    ],
    workgroupSize: [1, 1, 1] as const,
    body: "  out[0] = 7.0;",
  };
  gpu.dispatch(kernel, [1], [unused.whole(), out.whole()], [1]);
  assert.deepEqual([...await out.read()], [7]);
  gpu.device.destroy();
});

Deno.test("concurrent and repeated reads of same-sized tensors each return their own data", async () => {
  const gpu = await acquireGpu();
  const a = tensorFrom(gpu, [1, 2, 3], [3]);
  const b = tensorFrom(gpu, [4, 5, 6], [3]);
  const [x, y] = await Promise.all([a.read(), b.read()]);
  assert.deepEqual([...x, ...y], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...await a.read()], [1, 2, 3]);
  gpu.trimPool();
  assert.deepEqual([...await b.read()], [4, 5, 6]);
  gpu.device.destroy();
});
