import assert from "node:assert/strict";
import { join } from "node:path";
import { fetchData } from "./data.ts";
import { bundledDataFile } from "../data/data_dir.ts";
import { DATA_FILES, DATA_SETS } from "../data/data_files.ts";

const never = () => Promise.reject(new Error("fetch was called"));

Deno.test("fetchData() downloads a task's files into --data-dir and lists each file's path", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => new Response(`served ${new URL(req.url).pathname}\n`),
  );
  const dir = await Deno.makeTempDir();
  try {
    const baseUrl = `http://127.0.0.1:${server.addr.port}`;
    const paths = await fetchData(["--task=quora", `--data-dir=${dir}`], {
      baseUrl,
      progress: false,
    });
    assert.deepEqual([...paths.keys()], DATA_SETS.quora);
    for (const name of DATA_SETS.quora) {
      assert.equal(paths.get(name), join(dir, name));
      const text = await Deno.readTextFile(join(dir, name));
      assert.equal(text, `served /${DATA_FILES[name].remotePath}\n`);
    }
    const again = await fetchData(["--task=quora", `--data-dir=${dir}`], { fetch: never });
    assert.deepEqual(again, paths);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fetchData() lists the shipped sonnet files without fetching", async () => {
  const paths = await fetchData(["--task=sonnet", "--data-dir=/nonexistent"], { fetch: never });
  assert.deepEqual([...paths.values()], DATA_SETS.sonnet.map((n) => bundledDataFile(n)));
});

Deno.test("fetchData() rejects an unknown task or flag, naming it", async () => {
  await assert.rejects(
    fetchData(["--task=imdb"]),
    /--task: expected one of sonnet, sst, cfimdb, quora, got "imdb"/,
  );
  await assert.rejects(fetchData(["--dir=x"]), /Unknown option '--dir'/);
});
