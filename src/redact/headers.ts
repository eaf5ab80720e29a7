/**
 * Redaction of HTTP headers: a `Headers` object, `[name, value]` pairs or a plain record becomes
 * a plain record whose sensitive values are replaced and the others truncated; repeated pair
 * names are joined as HTTP joins them.
 *
 * @module
 */
import { setOwn } from "../own_property.ts";
import { readArray } from "../safe_read.ts";
import { ownEntries } from "../serialize/own_entries.ts";
import { readPair } from "./readable.ts";

/** Header collections accepted by `RedactionPolicy.redactHeaders`. */
export type HeadersInput =
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

/** What header redaction needs of a redaction policy. */
export interface HeaderRedaction {
  /** False when redaction is off: values are only truncated. */
  readonly enabled: boolean;
  /** What replaces a sensitive value. */
  readonly replacement: string;
  /** Whether a header name is sensitive. */
  isSensitiveKey(key: string): boolean;
  /** Cuts a long value. */
  truncate(text: string): string;
}

/**
 * Redacts HTTP headers (see `RedactionPolicy.redactHeaders`, which calls this).
 *
 * @param policy The policy.
 * @param headers The headers (names and values that are not strings are taken as their string
 *   form; what cannot be read is left out).
 * @returns A new plain record with sensitive values replaced (names kept as given).
 */
export function redactHeaderValues(
  policy: HeaderRedaction,
  headers: HeadersInput,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const put = (name: string, value: unknown) => {
    if (value === undefined) return;
    if (policy.enabled && policy.isSensitiveKey(name)) setOwn(out, name, policy.replacement);
    else {
      const items = readArray(value);
      const text = (v: unknown) => policy.truncate(v as string);
      setOwn(out, name, items === undefined ? text(value) : items.map(text));
    }
  };
  try {
    const iterable = headers as Partial<Iterable<readonly [string, string]>>;
    if (typeof iterable[Symbol.iterator] === "function") {
      for (const pair of headers as Iterable<readonly [string, string]>) {
        const [name, value] = readPair(pair);
        if (name === undefined) continue;
        const previous = Object.hasOwn(out, name) ? out[name] : undefined;
        put(name, value);
        if (typeof previous === "string" && previous !== policy.replacement) {
          setOwn(out, name, `${previous}, ${out[name]}`);
        }
      }
    } else {
      const record = ownEntries(headers) ?? {};
      for (const name of Object.keys(record)) put(name, record[name]);
    }
  } catch {
    // Headers that cannot be read (further): the ones read so far.
  }
  return out;
}
