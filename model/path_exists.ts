/**
 * Whether a path exists (other errors, such as a permission error, are thrown).
 *
 * @module
 */

/**
 * True when `path` exists; false when it does not; rethrows any other error.
 *
 * @example
 * ```ts
 * if (await pathExists("runs/x/config.json")) console.log("a run folder");
 * ```
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
