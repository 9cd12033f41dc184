import assert from "node:assert/strict";
import { pieces } from "./vec4_stream.ts";
import { testGpu } from "./testing.ts";
import { maxChunkElements } from "./dispatch_util.ts";

const gpu = testGpu();

Deno.test("pieces() covers every element once with aligned vec4 bodies and short tails", async () => {
  const g = await gpu();
  const chunk = maxChunkElements(g);
  for (const n of [1, 3, 4, 5, 1001, 50257 * 768, 2 * chunk + 7]) {
    let next = 0;
    for (const p of pieces(g, n)) {
      assert.equal(p.start, next, `n = ${n}: gap or overlap at ${p.start}`);
      if (p.vec) {
        assert.equal(p.count % 4, 0);
        assert.equal((p.start * 4) % 256, 0, "vec4 body must start on a 256-byte offset");
        assert.ok(p.count * 4 <= g.maxBindingBytes);
      } else assert.ok(p.count < 4);
      next += p.count;
    }
    assert.equal(next, n);
  }
  assert.deepEqual(pieces(g, 0), []);
});
