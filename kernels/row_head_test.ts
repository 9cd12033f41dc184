import assert from "node:assert/strict";
import { matmulCpu } from "./matmul.ts";
import { ROW_HEAD_MAX_ROWS, rowHeadMatmul, transposeHead } from "./row_head.ts";
import { tensorFrom } from "./tensor.ts";
import { assertClose, randomArray, smallBindingGpu, testGpu } from "./testing.ts";

const gpu = testGpu();

for (const loads of ["auto", "storage"] as const) {
  Deno.test(`rowHeadMatmul() equals x · Wᵀ of the CPU reference for odd widths and row counts (loads: ${loads})`, async () => {
    const g = await gpu();
    for (
      const [M, N, K] of [[1, 37, 8], [3, 1030, 12], [ROW_HEAD_MAX_ROWS + 3, 77, 16], [12, 5, 4]]
    ) {
      const x = randomArray(M * K, M + N);
      const w = randomArray(N * K, K + 1);
      const out = await g.scopeAsync(async () => {
        const head = transposeHead(tensorFrom(g, w, [N, K]), { loads });
        // On a software adapter "auto" puts the weight in textures, "storage" in buffers.
        const textured = head.chunks.every((c) => c.tex !== undefined);
        assert.equal(textured, loads === "auto" && g.isSoftware, `textured: ${textured}`);
        const y = await rowHeadMatmul(tensorFrom(g, x, [M, K]), head).readFloat();
        head.dispose();
        return y;
      });
      assertClose(out, matmulCpu(x, [M, K], w, [N, K], { transB: true }), `M=${M} N=${N} K=${K}`);
    }
  });
}

Deno.test("transposeHead() splits a weight larger than one binding into column chunks", async () => {
  const g = smallBindingGpu(await gpu(), 4096 + 256); // 1,088 floats per binding
  const [M, N, K] = [2, 300, 16]; // 4,800 floats: several chunks of 68 columns
  const x = randomArray(M * K, 5);
  const w = randomArray(N * K, 6);
  const head = transposeHead(tensorFrom(g, w, [N, K]));
  assert.ok(head.chunks.length > 1, `${head.chunks.length} chunks`);
  assert.equal(head.chunks.reduce((s, c) => s + c.n, 0), N);
  const out = await rowHeadMatmul(tensorFrom(g, x, [M, K]), head).readFloat();
  head.dispose();
  assertClose(out, matmulCpu(x, [M, K], w, [N, K], { transB: true }), "chunked head");
});

Deno.test("rowHeadMatmul() rejects an input whose width differs from the head's, naming both", async () => {
  const g = await gpu();
  const head = transposeHead(tensorFrom(g, randomArray(40, 1), [10, 4]));
  assert.throws(
    () => rowHeadMatmul(tensorFrom(g, randomArray(8, 2), [1, 8]), head),
    /\(M, 4\).*\[1, 8\]/,
  );
  head.dispose();
});
