/**
 * Atomic file writes: a temporary file in the same directory, flushed, then renamed over the
 * target, so that a crash never leaves a half-written file.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/** Options for {@linkcode writeFileAtomic} and {@linkcode writeSafetensors}. */
export interface AtomicWriteOptions {
  /**
   * Called after each chunk reaches the temporary file, with the bytes written so far (for
   * progress reports). If it throws, the write is abandoned and the target left untouched.
   */
  onProgress?: (bytesWritten: number) => void | Promise<void>;
}

/**
 * Writes `content` to `path` atomically: into a new temporary file in the same directory
 * (`.<name>.<uuid>.tmp`), flushed to disk, then renamed over `path`. If anything fails midway
 * (including an error thrown by the content's iterator), the temporary file is removed and
 * `path` keeps its previous content.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic_write.ts";
 * const out = await Deno.makeTempDir();
 * await writeFileAtomic(`${out}/config.json`, JSON.stringify({ n_layer: 2 }));
 * ```
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const chunks = typeof content === "string"
    ? [new TextEncoder().encode(content)]
    : content instanceof Uint8Array
    ? [content]
    : content;
  const tmp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  try {
    using file = await Deno.open(tmp, { write: true, createNew: true });
    let written = 0;
    for await (const chunk of chunks) {
      for (let done = 0; done < chunk.length;) done += await file.write(chunk.subarray(done));
      written += chunk.length;
      await options.onProgress?.(written);
    }
    await file.sync();
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(`${path}: could not rename ${tmp} into place: ${(e as Error).message}`);
  }
}
