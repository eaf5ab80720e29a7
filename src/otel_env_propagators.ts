/**
 * `OTEL_PROPAGATORS` checked against what tracelet propagates: W3C Trace Context (`traceparent` /
 * `tracestate`, sent by `tracedFetch` and continued by the server wrappers) and W3C Baggage
 * (carried in task contexts only). Nothing is configured from it; a propagator tracelet does not
 * have (`b3`, `jaeger`, `xray`, …) is reported, so a service expecting one learns it is not sent.
 *
 * @module
 */
import { envWarn } from "./env_warn.ts";
import { envList } from "./env_list.ts";
import type { EnvReader } from "./otlp/resource.ts";

const KNOWN = ["tracecontext", "baggage", "none"];

/**
 * Reads `OTEL_PROPAGATORS` (a comma-separated list, any case) and reports it once
 * (`invalid_env`, without its value) when it lists a propagator other than `tracecontext`,
 * `baggage` and `none`. `none` is accepted but does not turn propagation off: pass
 * `propagate: false` to `tracedFetch` and `trustTraceparent: false` to the server wrappers.
 *
 * @param env Environment reader.
 */
export function checkEnvPropagators(env: EnvReader | undefined): void {
  const name = "OTEL_PROPAGATORS";
  const listed = envList(env, name);
  if (listed === undefined || listed.every((entry) => KNOWN.includes(entry))) return;
  envWarn(
    name,
    "only tracecontext (W3C Trace Context) and baggage (W3C Baggage, in task contexts) are supported",
    "the other entries",
  );
}
