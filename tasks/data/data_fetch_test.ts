import assert from "node:assert/strict";
import { join } from "node:path";
import { downloadDataFile, ensureDataFiles, gitBlobSha1 } from "./data_fetch.ts";
import { bundledDataFile } from "./data_dir.ts";
import { DATA_FILES } from "./data_files.ts";
import { testDataFile, testNeeds } from "../../tests/fixture.ts";

const needs = testNeeds(import.meta.url);

/** A local raw-file host serving `files` (path → bytes), recording each requested path. */
function serve(files: Record<string, Uint8Array<ArrayBuffer>>) {
  const requested: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    requested.push(path);
    const body = files[path];
    return body === undefined ? new Response("not found", { status: 404 }) : new Response(body);
  });
  return { server, requested, baseUrl: `http://127.0.0.1:${server.addr.port}` };
}

const remote = (name: string) => `/${DATA_FILES[name].remotePath}`;
const bytes = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "data_fetch_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ensureDataFiles() fetches only the missing files and rejects a Quora file whose git blob id differs", async () => {
  const dev = bytes("\tid\tsentence1\tsentence2\tis_duplicate\n0\ta\tb c\td\t1.0\n");
  const host = serve({ [remote("quora-dev.csv")]: dev, [remote("quora-train.csv")]: bytes("x") });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(join(dir, "quora-train.csv"), "my own copy");
      const seen: number[] = [];
      await assert.rejects(
        ensureDataFiles(dir, ["quora-train.csv", "quora-dev.csv"], {
          baseUrl: host.baseUrl,
          progress: (p) => seen.push(p.received),
        }),
        (e: Error) => {
          assert.match(e.message, /git blob SHA-1 [0-9a-f]{40}, expected 97f9430a53b7f554/);
          assert.match(e.message, /quora-dev\.csv +from http:\/\/127\.0\.0\.1:\d+\/ziyiw23\//);
          assert.doesNotMatch(e.message, /quora-train\.csv +from/);
          return true;
        },
      );
      assert.deepEqual(host.requested, [remote("quora-dev.csv")]);
      assert.equal(seen.at(-1), dev.length);
      assert.equal(await Deno.readTextFile(join(dir, "quora-train.csv")), "my own copy");
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["quora-train.csv"]);
    });
  } finally {
    await host.server.shutdown();
  }
});

Deno.test("gitBlobSha1() is the id git gives the file's content", async () => {
  await withTempDir(async (dir) => {
    // ids printed by `git hash-object` for these contents
    await Deno.writeTextFile(join(dir, "hello"), "hello\n");
    await Deno.writeTextFile(join(dir, "empty"), "");
    assert.equal(await gitBlobSha1(join(dir, "hello")), "ce013625030ba8dba906f756967f9e9ca394464a");
    assert.equal(await gitBlobSha1(join(dir, "empty")), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  });
});

Deno.test("downloadDataFile() keeps a download whose git blob id matches, reporting progress", async () => {
  const body = bytes("hello\n");
  const host = serve({ "/hello.txt": body });
  try {
    await withTempDir(async (dir) => {
      const seen: number[] = [];
      const source = {
        remotePath: "hello.txt",
        gitBlobSha1: "ce013625030ba8dba906f756967f9e9ca394464a",
      };
      const n = await downloadDataFile(
        `${host.baseUrl}/hello.txt`,
        join(dir, "hello.txt"),
        source,
        {
          progress: (p) => seen.push(p.received),
        },
      );
      assert.equal(n, body.length);
      assert.equal(seen.at(-1), body.length);
      assert.deepEqual(await Deno.readFile(join(dir, "hello.txt")), body);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["hello.txt"]);
    });
  } finally {
    await host.server.shutdown();
  }
});

Deno.test("downloadDataFile() leaves neither the file nor a temporary one when the git blob id differs", async () => {
  const host = serve({ "/hello.txt": bytes("hello!\n") });
  try {
    await withTempDir(async (dir) => {
      const source = {
        remotePath: "hello.txt",
        gitBlobSha1: "ce013625030ba8dba906f756967f9e9ca394464a",
      };
      await assert.rejects(
        downloadDataFile(`${host.baseUrl}/hello.txt`, join(dir, "hello.txt"), source, {
          progress: false,
        }),
        /GET http:\/\/127\.0\.0\.1:\d+\/hello\.txt: git blob SHA-1 [0-9a-f]{40}, expected ce013625/,
      );
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    });
  } finally {
    await host.server.shutdown();
  }
});

Deno.test(
  "ensureDataFiles() accepts a download whose SHA-256 is the reference copy's",
  needs.data("ids-sst-dev.csv"),
  async () => {
    const reference = await Deno.readFile(testDataFile("ids-sst-dev.csv")!);
    const host = serve({ [remote("ids-sst-dev.csv")]: reference });
    try {
      await withTempDir(async (dir) => {
        await ensureDataFiles(join(dir, "new"), ["ids-sst-dev.csv"], { baseUrl: host.baseUrl });
        assert.deepEqual(await Deno.readFile(join(dir, "new", "ids-sst-dev.csv")), reference);
      });
    } finally {
      await host.server.shutdown();
    }
  },
);

Deno.test("ensureDataFiles() rejects a download with the wrong SHA-256 and leaves nothing", async () => {
  const host = serve({ [remote("ids-sst-dev.csv")]: bytes("not the SST dev file\n") });
  try {
    await withTempDir(async (dir) => {
      await assert.rejects(
        ensureDataFiles(dir, ["ids-sst-dev.csv"], { baseUrl: host.baseUrl, progress: false }),
        (e: Error) => {
          assert.match(e.message, /SHA-256 [0-9a-f]{64}, expected a186ce94/);
          assert.match(e.message, /ids-sst-dev\.csv +from http:\/\/127\.0\.0\.1:\d+\/gpoesia\//);
          return true;
        },
      );
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    });
  } finally {
    await host.server.shutdown();
  }
});

Deno.test("ensureDataFiles() names every missing file, its URL and the folder when offline", async () => {
  const offline = () => Promise.reject(new TypeError("error sending request: dns error"));
  await withTempDir(async (dir) => {
    const names = ["ids-cfimdb-train.csv", "ids-cfimdb-dev.csv"];
    await assert.rejects(ensureDataFiles(dir, names, { fetch: offline }), (e: Error) => {
      assert.match(e.message, /dns error/);
      assert.ok(e.message.includes(`put them in ${dir}`), e.message);
      for (const n of names) {
        const url = `https://raw.githubusercontent.com/${DATA_FILES[n].remotePath}`;
        assert.ok(e.message.includes(`${n}`) && e.message.includes(url), e.message);
      }
      assert.match(e.message, /--data-dir or GPT2_DATA_DIR/);
      return true;
    });
  });
});

Deno.test("ensureDataFiles() does not touch the network when downloading is off", async () => {
  const never = () => Promise.reject(new Error("fetch was called"));
  await withTempDir(async (dir) => {
    await assert.rejects(
      ensureDataFiles(dir, ["ids-sst-train.csv"], { download: false, fetch: never }),
      /downloading is off\. Download these files and put them in .*\n +ids-sst-train\.csv +from https:/,
    );
  });
});

Deno.test("ensureDataFiles() reads the sonnet files that ship with the module without fetching", async () => {
  const never = () => Promise.reject(new Error("fetch was called"));
  await withTempDir(async (dir) => {
    const names = ["sonnets.txt", "sonnets_held_out_dev.txt", "TRUE_sonnets_held_out_dev.txt"];
    const paths = await ensureDataFiles(dir, names, { fetch: never });
    assert.deepEqual(paths, names.map((n) => bundledDataFile(n)));
    assert.match(await Deno.readTextFile(paths[0]), /From fairest creatures we desire increase/);
  });
});

Deno.test("ensureDataFiles() rejects a name that is not a CS224N data file", async () => {
  await assert.rejects(
    ensureDataFiles("/nowhere", ["sst.csv"]),
    /unknown data file "sst\.csv"; known: sonnets\.txt/,
  );
});
