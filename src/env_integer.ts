/**
 * Integer environment variables as the OpenTelemetry specification defines them: decimal digits
 * only, within a range; anything else (`1e3`, `0.5`, `-1`, `5s`, a value past 2^31 − 1) is
 * reported once (`invalid_env`, without its value) and treated as unset, so the next source (a
 * more general variable, then the default) applies.
 *
 * @module
 */
import { envWarn } from "./env_warn.ts";
import { type EnvReader, readEnv } from "./otlp/resource.ts";

/** The largest integer accepted from the environment (2^31 − 1, as the specification asks). */
export const MAX_ENV_INTEGER: number = 2 ** 31 - 1;

/**
 * Reads an integer variable from `min` to {@linkcode MAX_ENV_INTEGER}.
 *
 * @param env Environment reader (blank means unset; a reader that throws means unset).
 * @param name The variable.
 * @param min The smallest valid value (0 or 1).
 * @returns The integer, or undefined when the variable is unset or invalid (reported).
 */
export function envInteger(
  env: EnvReader | undefined,
  name: string,
  min: number,
): number | undefined {
  const value = readEnv(env, name);
  if (value === undefined) return undefined;
  const integer = /^\d+$/.test(value) ? Number(value) : NaN;
  if (integer >= min && integer <= MAX_ENV_INTEGER) return integer;
  envWarn(name, `not an integer from ${min} to ${MAX_ENV_INTEGER}`);
  return undefined;
}

/**
 * The first of several variables (most specific first) that holds a valid integer; each invalid
 * one read on the way is reported, and the rest are not read.
 *
 * @param env Environment reader.
 * @param names The variables, most specific first.
 * @param min The smallest valid value.
 * @returns The integer, or undefined when none holds a valid one.
 */
export function firstEnvInteger(
  env: EnvReader | undefined,
  names: readonly string[],
  min: number,
): number | undefined {
  for (const name of names) {
    const value = envInteger(env, name, min);
    if (value !== undefined) return value;
  }
  return undefined;
}
