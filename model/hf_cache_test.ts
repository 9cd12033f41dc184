import assert from "node:assert/strict";
import { join } from "node:path";
import { findInHfCache, hfHubCacheDir, hfOffline } from "./hf_cache.ts";
import { resolveModelDir } from "./hub.ts";
import { PRESETS } from "./config.ts";

const noFetch = (url: string): Promise<Response> => {
  throw new Error(`unexpected fetch of ${url}`);
};
const COMMIT = "607a30d783dfa663caf39e06633721c8d4cfcd7e";
const TAGGED = "1111111111111111111111111111111111111111";

/** Lists every file under `dir` with its content, following nothing (links show as links). */
function snapshotTree(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...snapshotTree(path).map((n) => `${e.name}/${n}`));
    else if (e.isSymlink) out.push(`${e.name} -> ${Deno.readLinkSync(path)}`);
    else out.push(`${e.name}: ${Deno.readTextFileSync(path)}`);
  }
  return out.sort();
}

/**
 * A hub cache as huggingface_hub lays it out: blobs, snapshots of links to them, refs/main and
 * a tag, for `models--<repo>`.
 */
async function fabricateHfCache(root: string, repo: string): Promise<string> {
  const folder = join(root, `models--${repo.replace("/", "--")}`);
  await Deno.mkdir(join(folder, "blobs"), { recursive: true });
  await Deno.mkdir(join(folder, "refs"));
  await Deno.writeTextFile(join(folder, "refs", "main"), COMMIT);
  await Deno.writeTextFile(join(folder, "refs", "v1"), TAGGED + "\n");
  for (const [commit, tag] of [[COMMIT, "main"], [TAGGED, "v1"]]) {
    const snap = join(folder, "snapshots", commit);
    await Deno.mkdir(snap, { recursive: true });
    for (const f of ["config.json", "model.safetensors"]) {
      await Deno.writeTextFile(join(folder, "blobs", `${tag}-${f}`), `${tag} ${f}`);
      await Deno.symlink(join("..", "..", "blobs", `${tag}-${f}`), join(snap, f));
    }
  }
  return folder;
}

Deno.test("hfHubCacheDir() follows HF_HUB_CACHE, then HF_HOME, XDG_CACHE_HOME and HOME", () => {
  const env = (vars: Record<string, string>) => (k: string) => vars[k];
  const all = { HF_HUB_CACHE: "/a", HF_HOME: "/b", XDG_CACHE_HOME: "/c", HOME: "/d" };
  assert.equal(hfHubCacheDir(env(all)), "/a");
  assert.equal(hfHubCacheDir(env({ ...all, HF_HUB_CACHE: "" })), join("/b", "hub"));
  assert.equal(hfHubCacheDir(env({ XDG_CACHE_HOME: "/c", HOME: "/d" })), "/c/huggingface/hub");
  assert.equal(hfHubCacheDir(env({ HOME: "/d" })), "/d/.cache/huggingface/hub");
  assert.equal(hfHubCacheDir(env({})), null);
  assert.equal(hfOffline(env({ HF_HUB_OFFLINE: "1" })), true);
  assert.equal(hfOffline(env({ HF_HUB_OFFLINE: "0" })), false);
});

Deno.test("resolveModelDir() uses the Hugging Face cache's snapshot for refs/main, read-only", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const hub = join(tmp, "hf", "hub");
    const folder = await fabricateHfCache(hub, "openai-community/gpt2");
    const before = snapshotTree(tmp);
    const env = (k: string) => ({ HF_HOME: join(tmp, "hf"), GPT2_CACHE_DIR: join(tmp, "own") })[k];
    const got = await resolveModelDir("gpt2", { env, fetch: noFetch });
    const dir = join(folder, "snapshots", COMMIT);
    assert.deepEqual(got, { kind: "checkpoint", dir, downloaded: false });
    assert.equal(await Deno.readTextFile(join(dir, "model.safetensors")), "main model.safetensors");
    const tagged = await resolveModelDir("gpt2", { env, fetch: noFetch, revision: "v1" });
    assert.deepEqual(tagged, {
      kind: "checkpoint",
      dir: join(folder, "snapshots", TAGGED),
      downloaded: false,
    });
    const byCommit = await resolveModelDir("gpt2", { env, fetch: noFetch, revision: COMMIT });
    assert.equal(byCommit.kind === "checkpoint" && byCommit.dir, dir);
    assert.deepEqual(snapshotTree(tmp), before, "the caches are left as they were");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("findInHfCache() skips a snapshot that lacks a file", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const folder = await fabricateHfCache(tmp, "gpt2");
    await Deno.remove(join(folder, "snapshots", COMMIT, "model.safetensors"));
    const env = (k: string) => ({ HF_HUB_CACHE: tmp })[k];
    const got = await findInHfCache("gpt2", ["config.json", "model.safetensors"], { env });
    assert.equal(got.dir, null);
    assert.deepEqual(got.tried, [
      join(folder, "snapshots", COMMIT),
      join(tmp, "models--openai-community--gpt2", "refs", "main"),
    ]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("resolveModelDir() downloads a pinned revision from HF_ENDPOINT with HF_TOKEN", async () => {
  const rev = "v2.0";
  const seen: { path: string; auth: string | null }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    seen.push({ path, auth: req.headers.get("authorization") });
    return new Response(`body of ${path}`);
  });
  const tmp = await Deno.makeTempDir();
  try {
    const env = (k: string) =>
      ({
        HF_ENDPOINT: `http://127.0.0.1:${server.addr.port}/mirror/`,
        HF_TOKEN: "hf_secret",
        HF_HUB_CACHE: join(tmp, "hf"),
        GPT2_CACHE_DIR: join(tmp, "own"),
      })[k];
    const got = await resolveModelDir("gpt2-large", { env, revision: rev, progress: false });
    const dir = join(tmp, "own", "gpt2-large@v2.0");
    assert.deepEqual(got, { kind: "checkpoint", dir, downloaded: true });
    assert.deepEqual(seen, [
      { path: "/mirror/gpt2-large/resolve/v2.0/config.json", auth: "Bearer hf_secret" },
      { path: "/mirror/gpt2-large/resolve/v2.0/model.safetensors", auth: "Bearer hf_secret" },
    ]);
    assert.equal(
      await Deno.readTextFile(join(dir, "config.json")),
      "body of /mirror/gpt2-large/resolve/v2.0/config.json",
    );
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("resolveModelDir() never fetches when HF_HUB_OFFLINE=1 and says where to put the files", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const env = (k: string) =>
      ({ HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(tmp, "hf"), GPT2_CACHE_DIR: tmp })[k];
    await assert.rejects(resolveModelDir("gpt2", { env, fetch: noFetch }), (e: Error) => {
      assert.match(e.message, /^gpt2 was not found and HF_HUB_OFFLINE is set\. Looked in /);
      assert.ok(e.message.includes(join(tmp, "hf", "models--gpt2", "refs", "main")), e.message);
      assert.ok(
        e.message.includes(`Put config.json and model.safetensors in ${join(tmp, "gpt2")}`),
      );
      return true;
    });
    assert.deepEqual([...Deno.readDirSync(tmp)], []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("resolveModelDir() rejects a revision for tiny or a checkpoint folder", async () => {
  await assert.rejects(
    resolveModelDir("tiny", { revision: "v1", fetch: noFetch }),
    /a revision \(v1\) applies to a hub model name, not to "tiny"/,
  );
  const ok = await resolveModelDir("tiny", { revision: "main", fetch: noFetch });
  assert.deepEqual(ok, { kind: "random", name: "tiny", config: PRESETS.tiny });
});
