/**
 * Pairs generated sonnets with gold sonnets by their numbers, never by their position: a file in
 * another order scores the same, and every number that cannot be paired is reported by number
 * (gold numbers not generated, generated numbers not in the gold file, numbers generated twice).
 *
 * @module
 */
import type { Sonnet } from "../tasks/data/sonnet_data.ts";

/** Sonnets paired by number, and what could not be paired. */
export interface SonnetPairing {
  /** Generated sonnets, in the gold file's order. */
  generated: Sonnet[];
  /** Their gold sonnets (same length and order as `generated`). */
  gold: Sonnet[];
  /** Gold numbers with no generated sonnet. */
  missing: number[];
  /** Generated numbers that the gold file does not have (extra or unknown sonnets). */
  unknown: number[];
  /** Generated numbers that appear more than once (the first is scored). */
  duplicated: number[];
}

/**
 * Pairs `generated` with `gold` by sonnet number. The first generated sonnet of a repeated number
 * is the one paired.
 *
 * @example
 * ```ts
 * import { pairSonnetsByNumber } from "./sonnet_pairing.ts";
 * const s = (number: number) => ({ number, text: "x", lines: ["x"], line: 1 });
 * const p = pairSonnetsByNumber([s(133), s(132), s(150)], [s(132), s(133), s(134)]);
 * // p.generated numbers [132, 133]; p.missing [134]; p.unknown [150]; p.duplicated []
 * ```
 */
export function pairSonnetsByNumber(generated: Sonnet[], gold: Sonnet[]): SonnetPairing {
  const byNumber = new Map<number, Sonnet>();
  const duplicated = new Set<number>();
  for (const s of generated) {
    if (byNumber.has(s.number)) duplicated.add(s.number);
    else byNumber.set(s.number, s);
  }
  const goldNumbers = new Set(gold.map((s) => s.number));
  const out: SonnetPairing = {
    generated: [],
    gold: [],
    missing: [],
    unknown: [...byNumber.keys()].filter((n) => !goldNumbers.has(n)).sort((a, b) => a - b),
    duplicated: [...duplicated].sort((a, b) => a - b),
  };
  for (const g of gold) {
    const s = byNumber.get(g.number);
    if (s === undefined) out.missing.push(g.number);
    else {
      out.generated.push(s);
      out.gold.push(g);
    }
  }
  return out;
}

/**
 * One sentence per kind of unpaired number (empty when every sonnet pairs), e.g.
 * `gen.txt lacks sonnet 132 of gold.txt (not scored)`.
 *
 * @example
 * ```ts
 * import { pairingProblems, pairSonnetsByNumber } from "./sonnet_pairing.ts";
 * const s = (number: number) => ({ number, text: "x", lines: ["x"], line: 1 });
 * pairingProblems(pairSonnetsByNumber([s(150)], [s(132)]), "gen.txt", "gold.txt");
 * // ["gen.txt lacks sonnet 132 of gold.txt (not scored)",
 * //  "gen.txt has sonnet 150, which gold.txt does not have (not scored)"]
 * ```
 */
export function pairingProblems(p: SonnetPairing, genName: string, goldName: string): string[] {
  const list = (ns: number[]) => `sonnet${ns.length > 1 ? "s" : ""} ${ns.join(", ")}`;
  const out: string[] = [];
  if (p.missing.length > 0) {
    out.push(`${genName} lacks ${list(p.missing)} of ${goldName} (not scored)`);
  }
  if (p.unknown.length > 0) {
    out.push(`${genName} has ${list(p.unknown)}, which ${goldName} does not have (not scored)`);
  }
  if (p.duplicated.length > 0) {
    out.push(`${genName} repeats ${list(p.duplicated)} (the first of each is scored)`);
  }
  return out;
}
