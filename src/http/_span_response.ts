/**
 * What an HTTP span records about a response, for the server span (`instrument()`,
 * `traceFetchHandler`) and the client span (`tracedFetch`): the status code, failures with
 * `error.type`, and the end of the span when the body has been read, cancelled or failed.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import type { Span } from "../span.ts";
import { observeResponse } from "./_observe_body.ts";
import { trackUnread } from "./_unread_bodies.ts";
import { errorType } from "./_semconv.ts";

/** A running HTTP span and how to end it (once; ending may do more, such as a flush). */
export interface SpanEnd {
  /** The span. */
  readonly span: Span;
  /** Ends the span; calls after the first do nothing. */
  readonly end: () => void;
}

/**
 * An `end` for {@linkcode SpanEnd}: ends the span and then runs `after`, the first time only.
 *
 * @param span The span.
 * @param after What ending it also does (lets a flush proceed, for example).
 * @returns The function.
 */
export function endOnce(span: Span, after?: () => void): () => void {
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    span.end();
    after?.();
  };
}

/**
 * How a span reads a response: from which status code on it is a failure (500 for a server, 400
 * for a client, as the conventions say), whether to record the body's size, and what to report.
 */
export interface ResponsePolicy {
  /** The first failing status code. */
  readonly errorFrom: 400 | 500;
  /** Record `http.response.body.size` when the body ends. */
  readonly bodySize: boolean;
  /** The diagnostic code reported when a body cannot be observed. */
  readonly unobserved: string;
  /**
   * The runtime sends this response (a server's): its `Content-Length` is kept on the wire. A
   * client's response is read by the caller, who may drop it unread: then nothing may hold its
   * body (workerd's FixedLengthStream pipe did, and the span never ended).
   */
  readonly sent: boolean;
  /**
   * The status code the runtime answers with when a server handler gives something other than a
   * `Response` of its own class (workerd: 500). Unset where it varies: no status code is recorded
   * then, and a response of another class (a polyfill, undici's on Node) counts as a response.
   */
  readonly notResponseStatus?: number;
}

/**
 * Records `http.response.status_code`, and a failing status as status ERROR with the status code
 * as `error.type`.
 *
 * @param span The span.
 * @param status The response status.
 * @param policy From which status on it fails.
 */
export function recordStatus(span: Span, status: number, policy: ResponsePolicy): void {
  span.setAttribute("http.response.status_code", status);
  if (status >= policy.errorFrom) {
    span.setStatus({ code: "ERROR" });
    span.setAttribute("error.type", String(status));
  }
}

/**
 * Records a failure: the exception event, status ERROR and `error.type` (unless a failing status
 * code already is the `error.type`).
 *
 * @param span The span.
 * @param error The thrown value.
 * @param failedByStatus True when the response's status code failed the span already.
 */
export function recordFailure(span: Span, error: unknown, failedByStatus: boolean): void {
  span.recordException(error);
  if (!failedByStatus) span.setAttribute("error.type", errorType(error));
}

/**
 * The response with a body that ends the span when it has been read to the end, cancelled or
 * failed; the response itself, with the span ended now, when its body cannot be observed (it is
 * locked, for example: that is recorded as an error).
 *
 * @param spanEnd The span and how to end it.
 * @param response The response.
 * @param policy What to record.
 * @returns The response to hand on (a new one whose body reports its end, or `response`).
 */
export function endAfterBody(
  spanEnd: SpanEnd,
  response: Response,
  policy: ResponsePolicy,
): Response {
  const { span, end } = spanEnd;
  const failed = response.status >= policy.errorFrom;
  // A client body still open when its Workers invocation ends is ended there, as unread.
  let untrack: (() => void) | undefined;
  let open = true;
  try {
    const observed = observeResponse(response, policy.sent, (outcome) => {
      if (!open) return; // Swept: the span ended as unread.
      open = false;
      untrack?.();
      if (policy.bodySize) span.setAttribute("http.response.body.size", outcome.bytes);
      if (outcome.state === "error") recordFailure(span, outcome.error, failed);
      if (outcome.state === "cancelled") span.addEvent("http.response.cancelled");
      end();
    });
    if (open && !policy.sent) {
      untrack = trackUnread(span.spanContext().traceId, () => {
        open = false;
        span.addEvent("http.response.unread");
        end();
      });
    }
    return observed;
  } catch (error) {
    report("warn", policy.unobserved, "Cannot observe the response body", error);
    recordFailure(span, error, failed);
    end();
    return response;
  }
}
