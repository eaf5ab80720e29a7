/**
 * W3C Baggage (`baggage` header, https://www.w3.org/TR/baggage/) checking for task continuation:
 * each list member is `key=value` with optional `;property` parts, keys are HTTP tokens and values
 * baggage octets (percent-encoded text, kept as received). The header is carried through as text,
 * not decoded. No function here throws.
 *
 * @module
 */
import { listMembers, trimOws } from "./_list_members.ts";

/** The most list members kept from a received `baggage` header (W3C Baggage, Limits). */
export const MAX_BAGGAGE_MEMBERS = 64;
/** The most bytes kept from a received `baggage` header (W3C Baggage, Limits). */
export const MAX_BAGGAGE_BYTES = 8192;

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const VALUE = "[\\x21\\x23-\\x2b\\x2d-\\x3a\\x3c-\\x5b\\x5d-\\x7e]*";
const OWS = "[ \\t]*";
// Each `;`-separated part of a member, trimmed: the first is `key=value`, the others properties.
// (One pattern for a whole member backtracks quadratically on runs of spaces.)
const KEY_VALUE = new RegExp(`^${TOKEN}${OWS}=${OWS}${VALUE}$`);
const PROPERTY = new RegExp(`^${TOKEN}(?:${OWS}=${OWS}${VALUE})?$`);

/** Whether a trimmed list member is valid. */
function isMember(member: string): boolean {
  const [pair, ...properties] = member.split(";").map(trimOws);
  return KEY_VALUE.test(pair) && properties.every((part) => PROPERTY.test(part));
}

/**
 * Parses a `baggage` header into its list members (each trimmed of surrounding spaces and tabs;
 * empty members are skipped). Any invalid member makes the whole header invalid.
 *
 * @param header The header value.
 * @returns The members in order (all of them: see {@linkcode limitBaggage}), or `undefined` when
 *   the header is invalid.
 * @example
 * ```ts
 * import { parseBaggage } from "@tracelet/tracelet";
 * parseBaggage("userId=alice, isProduction=false;ttl=60"); // ["userId=alice", "isProduction=false;ttl=60"]
 * parseBaggage("no value"); // undefined
 * ```
 */
export function parseBaggage(header: unknown): string[] | undefined {
  if (typeof header !== "string") return undefined;
  const members = listMembers(header);
  return members.every(isMember) ? members : undefined;
}

/** The result of {@linkcode limitBaggage}. */
export interface LimitedBaggage {
  /** The header to propagate (undefined when no member is left). */
  readonly header: string | undefined;
  /** How many members were dropped to fit the limits. */
  readonly dropped: number;
}

/**
 * Keeps the leading members that fit the W3C limits: at most {@linkcode MAX_BAGGAGE_MEMBERS}
 * members and {@linkcode MAX_BAGGAGE_BYTES} bytes joined with `,` (the recommendation lets a
 * platform drop members past them).
 *
 * @param members Valid members, as {@linkcode parseBaggage} returns them.
 * @returns The header and the number of members dropped.
 */
export function limitBaggage(members: readonly string[]): LimitedBaggage {
  const kept: string[] = [];
  let bytes = -1; // No comma before the first member.
  for (const member of members) {
    // Valid members are ASCII: one byte per character.
    if (kept.length === MAX_BAGGAGE_MEMBERS || bytes + 1 + member.length > MAX_BAGGAGE_BYTES) break;
    kept.push(member);
    bytes += 1 + member.length;
  }
  return {
    header: kept.length === 0 ? undefined : kept.join(","),
    dropped: members.length - kept.length,
  };
}
