/**
 * The span limits OpenTelemetry's attribute and span limit variables set, for the limits
 * `configure({ limits })` leaves unset (explicit options win field by field). Invalid values are
 * reported once (`invalid_env`) and ignored.
 *
 * @module
 */
import { envInteger, firstEnvInteger } from "./env_integer.ts";
import type { SpanLimits } from "./attributes.ts";
import type { EnvReader } from "./otlp/resource.ts";

/** Each limit and its variables, most specific first (the span ones win over the general ones). */
const VARIABLES: ReadonlyArray<readonly [keyof SpanLimits, readonly string[]]> = [
  ["attributeCountLimit", ["OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"]],
  [
    "attributeValueLengthLimit",
    ["OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"],
  ],
  ["eventCountLimit", ["OTEL_SPAN_EVENT_COUNT_LIMIT"]],
  ["linkCountLimit", ["OTEL_SPAN_LINK_COUNT_LIMIT"]],
];

/**
 * Reads the limit variables (integers >= 0) for the limits `given` leaves unset; the variables
 * of a limit given are not read. `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT` and
 * `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` win over `OTEL_ATTRIBUTE_COUNT_LIMIT` and
 * `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` (an invalid span one leaves the general one to apply);
 * `OTEL_SPAN_EVENT_COUNT_LIMIT` and `OTEL_SPAN_LINK_COUNT_LIMIT` set the event and link counts.
 * tracelet has one limit for the attributes of an event and of a link
 * (`attributePerEventCountLimit`): `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT` and
 * `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT` both set it, the smaller winning when both are set.
 *
 * @param env Environment reader.
 * @param given The explicit `limits` option.
 * @returns The limits to use: each one given, else the environment's (unset when neither).
 */
export function spanLimitsWithEnv(
  env: EnvReader | undefined,
  given: Partial<SpanLimits> | undefined,
): Partial<SpanLimits> {
  const limits: Partial<SpanLimits> = {};
  for (const [key, names] of VARIABLES) {
    limits[key] = given?.[key] ?? firstEnvInteger(env, names, 0);
  }
  limits.attributePerEventCountLimit = given?.attributePerEventCountLimit ?? perEventLimit(env);
  return limits;
}

/** The smaller of the event and link attribute count variables that are set (and valid). */
function perEventLimit(env: EnvReader | undefined): number | undefined {
  const set = ["OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT"]
    .map((name) => envInteger(env, name, 0))
    .filter((value) => value !== undefined);
  return set.length === 0 ? undefined : Math.min(...set);
}
