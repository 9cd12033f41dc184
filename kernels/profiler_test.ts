import assert from "node:assert/strict";
import { matmul, matmulCpu } from "./matmul.ts";
import { scale } from "./elementwise.ts";
import { formatProfile, Profiler } from "./profiler.ts";
import { tensorFrom } from "./tensor.ts";
import { assertClose, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

Deno.test("Profiler counts each kernel's dispatches by region and leaves results unchanged", async () => {
  const g = await gpu();
  const a = randomArray(40 * 24, 1);
  const b = randomArray(24 * 36, 2);
  const profiler = new Profiler(g.device);
  g.profiler = profiler;
  try {
    profiler.start();
    const out = await g.scopeAsync(async () => {
      const x = tensorFrom(g, a, [40, 24]);
      const w = tensorFrom(g, b, [24, 36]);
      const y = profiler.region("head", () => matmul(x, w));
      const z = scale(scale(y, 2), 0.5);
      return await z.readFloat();
    });
    assertClose(out, matmulCpu(a, [40, 24], b, [24, 36]), "matmul under the profiler");
    const report = await profiler.report(g);
    // The region holds the product and, on software adapters, the passes packing its operands
    // into textures (matmul_pack); exactly one product kernel, dispatched once.
    const inRegion = report.kernels.filter((k) => k.name.startsWith("head/"));
    const head = inRegion.filter((k) => !k.name.startsWith("head/matmul_pack"));
    assert.equal(head.length, 1, JSON.stringify(report.kernels));
    assert.ok(inRegion.every((k) => k.name.startsWith("head/matmul")), JSON.stringify(inRegion));
    assert.equal(head[0].calls, 1);
    const scales = report.kernels.filter((k) => !k.name.startsWith("head/"));
    assert.equal(scales.reduce((s, k) => s + k.calls, 0), 2);
    const readback = report.host.find((h) => h.name.startsWith("readback wait"));
    assert.equal(readback?.calls, 1);
    if (report.timed) {
      for (const k of report.kernels) assert.ok(k.totalMs > 0, `${k.name}: ${k.totalMs} ms`);
      assert.ok(report.deviceMs <= report.wallMs, `${report.deviceMs} ≤ ${report.wallMs}`);
    }
    const text = formatProfile(report);
    assert.match(text, /\| head\/matmul[^|]* \| 1 \|/);
    assert.match(text, /\| readback wait/);
  } finally {
    g.profiler = null;
    profiler.dispose();
  }
});

Deno.test("Profiler.start() clears what was recorded before", async () => {
  const g = await gpu();
  const profiler = new Profiler(g.device);
  g.profiler = profiler;
  try {
    g.scope(() => scale(tensorFrom(g, [1, 2, 3], [3]), 2));
    profiler.host("sampling", () => 1);
    profiler.start();
    const report = await profiler.report(g);
    assert.deepEqual(report.kernels, []);
    assert.deepEqual(report.host, []);
  } finally {
    g.profiler = null;
    profiler.dispose();
  }
});
