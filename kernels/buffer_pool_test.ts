import assert from "node:assert/strict";
import { BufferPool, roundBucket } from "./buffer_pool.ts";

Deno.test("roundBucket() rounds to 256 B below 4 KiB, 4 KiB steps to 64 KiB, then 1/8 of a power of two", () => {
  assert.equal(roundBucket(1), 256);
  assert.equal(roundBucket(4096), 4096);
  assert.equal(roundBucket(4097), 8192); // 4 KiB steps up to 64 KiB
  assert.equal(roundBucket(100_000), 106_496); // 2^16 / 8 = 8192-byte steps
});

Deno.test("BufferPool reuses a given-back buffer and accounts live and pooled bytes", async () => {
  const adapter = await navigator.gpu.requestAdapter();
  const device = await adapter!.requestDevice();
  const pool = new BufferPool(device);
  const a = pool.take(1000);
  assert.deepEqual(pool.memory(), { liveBytes: 1024, pooledBytes: 0 });
  pool.give(a);
  assert.deepEqual(pool.memory(), { liveBytes: 0, pooledBytes: 1024 });
  assert.equal(pool.take(1020), a);
  pool.give(a);
  pool.trim();
  assert.deepEqual(pool.memory(), { liveBytes: 0, pooledBytes: 0 });
  assert.notEqual(pool.take(1000), a);
  device.destroy();
});
