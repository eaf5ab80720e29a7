/**
 * One HTTP attempt of the OpenAI traces backend exporter: a POST with its own `AbortController`
 * and time limit, its answer read (at most 1 MiB) and turned into an outcome string, every secret
 * masked in it. The exporter (`BackendSpanExporter`) owns the retries around it.
 *
 * @internal
 * @module
 */
import { readBodyStart } from "../exporter/_read_body.ts";
import { maskSecrets } from "../exporter/_warn.ts";
import { safeString } from "../safe_string.ts";
import { settlesWithin } from "../settles_within.ts";
import { utf8Decoder } from "../utf8.ts";
import type { BackendFetch } from "./backend_exporter.ts";

/** What one attempt sends, where, and how long it may take. */
export interface BackendAttempt {
  /** The fetch the request goes through. */
  readonly fetch: BackendFetch;
  /** The URL the body is posted to. */
  readonly endpoint: string;
  /** The request headers (the API key among them). */
  readonly headers: Record<string, string>;
  /** The JSON body. */
  readonly body: string;
  /** Time limit of the attempt in ms, its body included. */
  readonly timeout: number;
  /** Ends the attempt at once (shutdown or the caller's signal). */
  readonly stop: AbortSignal;
  /** Values masked in the outcome (the API keys). */
  readonly secrets: readonly string[];
}

/** The status of a browser's redirect not followed (an opaque redirect, status 0). */
const OPAQUE_REDIRECT = "3xx (a redirect)";

/**
 * The status an answer counts as: a browser's opaque redirect as a 3xx, a failure not retried;
 * any other status 0 (`Response.error()` from a custom fetch) stays 0, a network error, retried
 * (as the OTLP exporter does).
 */
function statusOf(response: Response): number | typeof OPAQUE_REDIRECT {
  return response.type === "opaqueredirect" ? OPAQUE_REDIRECT : response.status;
}

/**
 * The outcome of an HTTP answer: `"ok"` for 2xx, a network error for status 0, else
 * `"HTTP <status>: <body start>"` with every secret masked (before the cut: a key echoed across
 * it leaves no prefix behind).
 */
function statusOutcome(
  status: number | typeof OPAQUE_REDIRECT,
  answer: string,
  secrets: readonly string[],
): string {
  if (typeof status === "number" && status >= 200 && status < 300) return "ok";
  if (status === 0) return "network error: an error response (status 0)";
  return `HTTP ${status}: ${maskSecrets(answer, secrets, 300)}`;
}

/**
 * Whether an outcome of {@linkcode attemptBackendPost} is a 3xx or 4xx answer: a rejection,
 * never retried.
 *
 * @param outcome The outcome.
 * @returns True for `"HTTP 3…"` and `"HTTP 4…"`.
 */
export function isRejection(outcome: string): boolean {
  return /^HTTP [34]/.test(outcome);
}

/**
 * One HTTP attempt: `"ok"`, `"HTTP <status>: <body start, secrets masked>"`, or why it failed.
 * It ends after `timeout` ms, or when `stop` aborts, even if the fetch ignores its signal and
 * never settles (a custom fetch): that attempt is then given up as one with no answer. Redirects
 * are not followed (the key and data are never re-sent elsewhere): a 3xx, or a browser's opaque
 * redirect, is a failure; another status 0 (an error response) is a network error.
 *
 * @param attempt The request, its time limit, stop signal and secrets.
 * @returns The outcome; never rejects.
 */
export async function attemptBackendPost(attempt: BackendAttempt): Promise<string> {
  const { headers, body, timeout, stop, secrets } = attempt;
  const controller = new AbortController();
  let wake!: () => void;
  const onStop = new Promise<void>((resolve) => wake = resolve);
  const onAbort = (): void => (controller.abort(), wake());
  stop.addEventListener("abort", onAbort);
  let outcome: string | undefined; // set when the request settles
  let status: number | typeof OPAQUE_REDIRECT | undefined; // set when the response arrives
  const request = (async () => {
    try {
      const response = await attempt.fetch(attempt.endpoint, {
        method: "POST",
        headers,
        body,
        redirect: "manual", // never re-send the key and data elsewhere; a redirect is a failure
        signal: controller.signal,
      });
      status = statusOf(response);
      // At most 1 MiB: an error page of any size is not buffered whole.
      const answer = await readBodyStart(response).then((b) => utf8Decoder.decode(b), () => "");
      outcome = statusOutcome(status, answer, secrets);
    } catch (error) {
      outcome = stop.aborted ? "aborted" : `network error: ${safeString(error)}`;
    }
  })();
  try {
    const inTime = await settlesWithin(Promise.race([request, onStop]), timeout);
    if (outcome !== undefined) return outcome;
    controller.abort(); // a fetch that honours its signal ends now; one that ignores it is left
    // A status whose body did not come in time (cut short, as the abort cuts it) still counts.
    if (status !== undefined) return statusOutcome(status, "", secrets);
    return inTime ? "aborted" : `no answer within ${Math.round(timeout)} ms`; // in time: stopped
  } finally {
    stop.removeEventListener("abort", onAbort);
  }
}
