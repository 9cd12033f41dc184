/**
 * Locating the parity fixture and the data directory from tests.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";

/** Directory of the GPT-2 parity fixture: `GPT2_PARITY_FIXTURE`, else ../shared/fixtures/gpt2-tiny. */
export function parityFixtureDir(): string {
  return Deno.env.get("GPT2_PARITY_FIXTURE") ??
    fromFileUrl(new URL("../../shared/fixtures/gpt2-tiny", import.meta.url));
}
