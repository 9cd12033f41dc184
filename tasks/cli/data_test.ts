import assert from "node:assert/strict";
import { join } from "node:path";
import { fetchData } from "./data.ts";
import { bundledDataFile } from "../data/data_dir.ts";
import { DATA_FILES, DATA_SETS } from "../data/data_files.ts";
import { testDataFile, testNeeds } from "../../tests/fixture.ts";

const never = () => Promise.reject(new Error("fetch was called"));
const needs = testNeeds(import.meta.url);

Deno.test(
  "fetchData() downloads a task's files into --data-dir and lists each file's path",
  needs.data(...DATA_SETS.sst),
  async () => {
    // a local raw-file host serving the reference copies (they pass the SHA-256 checks)
    const byPath = new Map(
      DATA_SETS.sst.map((n) => [`/${DATA_FILES[n].remotePath}`, testDataFile(n)!]),
    );
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (req) => {
        const file = byPath.get(new URL(req.url).pathname);
        return file ? new Response(await Deno.readFile(file)) : new Response("", { status: 404 });
      },
    );
    const dir = await Deno.makeTempDir();
    try {
      const baseUrl = `http://127.0.0.1:${server.addr.port}`;
      const paths = await fetchData(["--task=sst", `--data-dir=${dir}`], {
        baseUrl,
        progress: false,
      });
      assert.deepEqual([...paths.keys()], DATA_SETS.sst);
      for (const name of DATA_SETS.sst) {
        assert.equal(paths.get(name), join(dir, name));
        assert.deepEqual(
          await Deno.readFile(join(dir, name)),
          await Deno.readFile(byPath.get(`/${DATA_FILES[name].remotePath}`)!),
        );
      }
      const again = await fetchData(["--task=sst", `--data-dir=${dir}`], { fetch: never });
      assert.deepEqual(again, paths);
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

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
