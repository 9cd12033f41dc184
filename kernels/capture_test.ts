import assert from "node:assert/strict";
import { captureCommands } from "./capture.ts";
import { add, fill, mul } from "./elementwise.ts";
import { acquireGpu } from "./gpu.ts";
import { empty, tensorFrom } from "./tensor.ts";
import { matmul, matmulCpu } from "./matmul.ts";
import { assertClose, randomArray } from "./testing.ts";

const gpu = await acquireGpu();

Deno.test("captureCommands() replays the recorded ops on inputs rewritten between replays", async () => {
  const x = tensorFrom(gpu, [1, 2], [2]);
  const { result: y, recording } = captureCommands(gpu, () => add(mul(x, x), x));
  gpu.write(x.buffer, 0, Float32Array.of(3, 4));
  recording.replay();
  assert.deepEqual([...await y.readFloat()], [12, 20]);
  gpu.write(x.buffer, 0, Float32Array.of(0, -1));
  recording.replay();
  assert.deepEqual([...await y.readFloat()], [0, 0]);
  recording.dispose();
  assert.throws(() => recording.replay(), /after dispose/);
  y.dispose();
  x.dispose();
});

Deno.test("captureCommands() keeps the intermediates it released out of the pool until disposed", async () => {
  const x = tensorFrom(gpu, [1, 2, 3, 4], [4]);
  const { result: y, recording } = captureCommands(gpu, () => add(mul(x, x), x));
  // Buffers the size of the released intermediate, taken and overwritten after the recording:
  // none may be the recording's, or the replay would read junk.
  const others = Array.from({ length: 4 }, () => fill(empty(gpu, [4]), 1e6));
  recording.replay();
  assert.deepEqual([...await y.readFloat()], [2, 6, 12, 20]);
  for (const t of others) t.dispose();
  recording.dispose();
  y.dispose();
  x.dispose();
});

Deno.test("captureCommands() refuses a readback while recording and a nested recording", async () => {
  const x = tensorFrom(gpu, [1], [1]);
  let reading: Promise<unknown> | null = null;
  const { recording } = captureCommands(gpu, () => {
    assert.throws(() => captureCommands(gpu, () => 0), /already recording/);
    reading = x.readFloat();
  });
  await assert.rejects(reading!, /cannot read back while commands are being recorded/);
  recording.dispose();
  x.dispose();
});

Deno.test("captureCommands() replays a matmul whose operands are copied into pooled textures", async () => {
  // 40 rows take the texture path on a software adapter: the copies into textures are recorded.
  const [M, K, N] = [40, 8, 64];
  const a = tensorFrom(gpu, randomArray(M * K, 1), [M, K]);
  const b = tensorFrom(gpu, randomArray(K * N, 2), [K, N]);
  const { result: c, recording } = captureCommands(gpu, () => gpu.noGrad(() => matmul(a, b)));
  const copies = recording.commands.filter((command) => command.kind === "texture").length;
  assert.equal(copies > 0, gpu.isSoftware, `${copies} texture copies recorded`);
  for (const seed of [3, 4]) {
    const next = randomArray(M * K, seed);
    gpu.write(a.buffer, 0, next);
    // Pooled textures taken and filled between replays must not be the recording's.
    gpu.scope(() => gpu.noGrad(() => matmul(tensorFrom(gpu, randomArray(M * K, 9), [M, K]), b)));
    recording.replay();
    assertClose(
      await c.readFloat(),
      matmulCpu(next, [M, K], await b.readFloat(), [K, N]),
      `seed ${seed}`,
    );
  }
  recording.dispose();
  for (const t of [a, b, c]) t.dispose();
});
