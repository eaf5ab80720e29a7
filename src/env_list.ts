/**
 * Comma-separated list variables of the OpenTelemetry specification (`OTEL_TRACES_EXPORTER`,
 * `OTEL_PROPAGATORS`): case-insensitive entries, white space around them and empty ones ignored.
 *
 * @module
 */
import { type EnvReader, readEnv } from "./otlp/resource.ts";

/**
 * Reads a list variable: its entries lower-cased and trimmed, empty ones left out.
 *
 * @param env Environment reader (blank means unset; a reader that throws means unset).
 * @param name The variable.
 * @returns The entries, or undefined when the variable is unset.
 */
export function envList(env: EnvReader | undefined, name: string): string[] | undefined {
  return readEnv(env, name)?.toLowerCase().split(",").map((entry) => entry.trim()).filter(
    (entry) => entry !== "",
  );
}
