/**
 * One writer per run folder. `<run>/run.lock` holds the writer's process id, host and start
 * time, and the writer keeps an exclusive advisory lock on it (`flock`), which the operating
 * system drops when the process ends, however it ends (SIGKILL included). A second process is
 * refused while the lock is held; when it is not, the file is a leftover of a process that is
 * gone, and the lock is taken over with a note naming that process.
 *
 * @module
 */
import { join } from "node:path";

/** The lock file's name inside a run folder. */
export const RUN_LOCK_FILE = "run.lock";

/** What the lock file records about its writer. */
export interface LockOwner {
  /** Process id. */
  pid: number;
  /** Host name (`unknown host` when it cannot be read). */
  host: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** A held run-folder lock. */
export interface RunLock {
  /** The lock file. */
  path: string;
  /** Releases the lock and removes the file. */
  release(): void;
}

function hostName(): string {
  // Asked only when granted: a prompt in the middle of start-up would be worse than no name.
  const query = { name: "sys", kind: "hostname" } as const;
  if (Deno.permissions.querySync(query).state === "granted") return Deno.hostname();
  const env = Deno.permissions.querySync({ name: "env", variable: "HOSTNAME" }).state;
  const fromEnv = env === "granted" ? Deno.env.get("HOSTNAME") : undefined;
  if (fromEnv) return fromEnv;
  const read = Deno.permissions.querySync({ name: "read", path: "/etc/hostname" }).state;
  if (read === "granted") {
    try {
      return Deno.readTextFileSync("/etc/hostname").trim() || "unknown host";
    } catch { /* not on this system */ }
  }
  return "unknown host";
}

function describe(text: string): string {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return `process ${o.pid ?? "?"} on ${o.host ?? "?"} (since ${o.since ?? "?"})`;
  } catch {
    return "an unknown process (the lock file is unreadable)";
  }
}

/**
 * Takes the lock of run folder `dir` (which must exist). Throws naming the process that holds it
 * when another live process does; when the lock file is a leftover, takes it over and calls
 * `note` with what it replaced.
 *
 * @example
 * ```ts
 * import { acquireRunLock } from "./run_lock.ts";
 * const run = await Deno.makeTempDir(); // the run folder
 * const lock = await acquireRunLock(run);
 * try {
 *   // … write into the run folder …
 * } finally {
 *   lock.release();
 * }
 * ```
 */
export async function acquireRunLock(
  dir: string,
  note: (message: string) => void = (m) => console.error(m),
): Promise<RunLock> {
  const path = join(dir, RUN_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    const file = await Deno.open(path, { read: true, write: true, create: true });
    if (!(await file.tryLock(true))) {
      const owner = describe(await Deno.readTextFile(path).catch(() => ""));
      file.close();
      throw new Error(
        `${dir} is in use by ${owner}: one process at a time writes a run folder ` +
          `(wait for it to end, or stop it, then --resume)`,
      );
    }
    // The holder we raced with may have removed the file after we opened it: lock the file the
    // path names now, or try again.
    const [held, named] = await Promise.all([file.stat(), Deno.stat(path).catch(() => null)]);
    if (named === null || named.ino !== held.ino) {
      file.close();
      continue;
    }
    const previous = new TextDecoder().decode(await Deno.readFile(path)).trim();
    if (previous !== "") {
      note(`${path}: taking over from ${describe(previous)}, which has ended`);
    }
    const owner: LockOwner = { pid: Deno.pid, host: hostName(), since: new Date().toISOString() };
    await file.truncate(0);
    const bytes = new TextEncoder().encode(JSON.stringify(owner) + "\n");
    for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        try {
          Deno.removeSync(path);
        } catch { /* already gone */ }
        file.close();
      },
    };
  }
  throw new Error(`${path}: the lock file keeps being replaced by another process`);
}
