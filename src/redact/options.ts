/**
 * The options of a redaction policy, their defaults, and how options from a caller are read:
 * values of the wrong type (or that cannot be read) keep their defaults, a lone string is a
 * one-key list.
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import { readArray } from "../safe_read.ts";

/** The default sensitive keys: design-research-agents' list plus common variants. */
export const DEFAULT_REDACTED_KEYS: readonly string[] = Object.freeze([
  "api_key",
  "token",
  "authorization",
  "password",
  "secret",
  "access_token",
  "refresh_token",
  "apiKey",
  "api-key",
  "x-api-key",
  "cookie",
  "set-cookie",
  "client_secret",
  "private_key",
  "proxy-authorization",
  "x-auth-token",
  "x-goog-api-key",
]);

/**
 * Names that are sensitive as URL parameters only (query and fragment `key=value` pairs), where
 * they carry credentials: Google's `?key=`, OAuth's authorization `code` and `id_token`, and the
 * signatures of pre-signed URLs (Azure SAS `sig`, S3 and GCS `X-Amz-Signature`,
 * `X-Goog-Signature`, `X-Amz-Security-Token`). As attribute or object keys they stay: `key` and
 * `code` name too much else there.
 */
export const DEFAULT_URL_PARAMETER_KEYS: readonly string[] = Object.freeze([
  "key",
  "code",
  "id_token",
  "sig",
  "signature",
  "x-amz-signature",
  "x-amz-security-token",
  "x-goog-signature",
]);

/** The default replacement value: `***REDACTED***` (the key itself is kept). */
export const DEFAULT_REPLACEMENT = "***REDACTED***";

/** The default maximum string length, in code points. */
export const DEFAULT_MAX_STRING_LENGTH = 2048;

/** Options of a {@linkcode RedactionPolicy}. */
export interface RedactionOptions {
  /** Sensitive keys, replacing {@linkcode DEFAULT_REDACTED_KEYS}. */
  keys?: readonly string[] | undefined;
  /** Sensitive keys added to `keys` (or to the defaults). */
  extraKeys?: readonly string[] | undefined;
  /**
   * Names sensitive only as URL query or fragment parameters, replacing
   * {@linkcode DEFAULT_URL_PARAMETER_KEYS} (every sensitive key is one too). `[]` keeps `?key=`
   * and `?code=` values.
   */
  urlParameterKeys?: readonly string[] | undefined;
  /** An extra rule: returns true for further sensitive keys (receives the original key). */
  matcher?: ((key: string) => boolean) | undefined;
  /** `"exact"` (default) or `"substring"` matching of normalized keys. */
  mode?: "exact" | "substring" | undefined;
  /** What sensitive values become. Default `***REDACTED***`. */
  replacement?: string | undefined;
  /** Strings longer than this many code points are truncated. Default 2048. */
  maxStringLength?: number | undefined;
  /** False turns redaction and truncation off entirely. Default true. */
  enabled?: boolean | undefined;
}

/**
 * Every key of {@linkcode RedactionOptions} (the type checker fails when one is missing), for
 * reporting the keys of `configure({ redaction })` that no option has.
 */
export const REDACTION_OPTION_KEYS: Readonly<Record<keyof RedactionOptions, true>> = {
  keys: true,
  extraKeys: true,
  urlParameterKeys: true,
  matcher: true,
  mode: true,
  replacement: true,
  maxStringLength: true,
  enabled: true,
};

/** Options with their defaults applied (keys not yet normalized). */
export interface ResolvedRedactionOptions {
  /** Whether redaction is on. */
  readonly enabled: boolean;
  /** The replacement for sensitive values. */
  readonly replacement: string;
  /** The string length limit in code points. */
  readonly maxStringLength: number;
  /** The key matching mode. */
  readonly mode: "exact" | "substring";
  /** `keys` (or the defaults) followed by `extraKeys`. */
  readonly keys: readonly string[];
  /** The names sensitive as URL parameters only. */
  readonly urlParameterKeys: readonly string[];
  /** The custom matcher, if one was given. */
  readonly matcher: ((key: string) => boolean) | undefined;
}

/**
 * Reads a caller's redaction options, applying the defaults. Never throws.
 *
 * @param options The options as given.
 * @returns The resolved options.
 */
export function resolveRedactionOptions(options: RedactionOptions): ResolvedRedactionOptions {
  const read = (key: keyof RedactionOptions): unknown => option(options, key);
  const enabled = read("enabled");
  const replacement = read("replacement");
  const maxLength = read("maxStringLength");
  const matcher = read("matcher");
  return {
    enabled: typeof enabled === "boolean" ? enabled : true,
    replacement: typeof replacement === "string" ? replacement : DEFAULT_REPLACEMENT,
    maxStringLength: typeof maxLength === "number" && maxLength >= 0
      ? maxLength
      : DEFAULT_MAX_STRING_LENGTH,
    mode: keyMode(read("mode")),
    keys: [
      ...(keyList(read("keys")) ?? DEFAULT_REDACTED_KEYS),
      ...(keyList(read("extraKeys")) ?? []),
    ],
    urlParameterKeys: keyList(read("urlParameterKeys")) ?? DEFAULT_URL_PARAMETER_KEYS,
    matcher: typeof matcher === "function" ? matcher as (key: string) => boolean : undefined,
  };
}

/** An option's value; `undefined` when the options are not an object or cannot be read. */
function option(options: unknown, key: keyof RedactionOptions): unknown {
  if (typeof options !== "object" || options === null) return undefined;
  try {
    return (options as RedactionOptions)[key];
  } catch {
    return undefined;
  }
}

/** The `mode` option: `"exact"` unless `"substring"`; another value is reported. */
function keyMode(value: unknown): "exact" | "substring" {
  if (value === "substring") return value;
  if (value !== undefined && value !== "exact") {
    reportOnce(
      "redaction_mode",
      "warn",
      "invalid_redaction_options",
      'Redaction `mode` must be "exact" or "substring"; "exact" is used',
    );
  }
  return "exact";
}

/** A key list option: a lone string is one key, items are strings; else `undefined`. */
function keyList(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return [value];
  const items = readArray(value);
  if (items !== undefined) return items as string[]; // normalizeKey reads items of any type
  reportOnce(
    "redaction_keys",
    "warn",
    "invalid_redaction_options",
    "Redaction keys must be a list of strings; the option was ignored",
  );
  return undefined;
}
