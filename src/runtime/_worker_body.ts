/**
 * Response-body end detection for the Workers preset: wraps a response body in a pull-based
 * `ReadableStream` that reports when the client has read the last byte, when the stream failed,
 * or when the client went away (cancel). The wrapper pulls one chunk per client read
 * (`highWaterMark: 0`), so "done" means the body was consumed, not merely produced. On workerd a
 * response with a `Content-Length` keeps it, through a `FixedLengthStream`.
 *
 * @module
 */

/** How a response body ended. */
export interface BodyOutcome {
  /** Bytes handed to the client. */
  readonly bytes: number;
  /** `done` (fully read), `cancelled` (client went away) or `error` (the source failed). */
  readonly state: "done" | "cancelled" | "error";
  /** The source's error, for `error`. */
  readonly error?: unknown;
}

/**
 * Wraps a body stream so `onEnd` runs exactly once when it ends, however it ends.
 *
 * @param body The original body.
 * @param onEnd Called once with the outcome; must not throw (errors are ignored).
 * @returns A stream with the same chunks.
 */
export function observeBody(
  body: ReadableStream<Uint8Array>,
  onEnd: (outcome: BodyOutcome) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let bytes = 0;
  let ended = false;
  const end = (state: BodyOutcome["state"], error?: unknown) => {
    if (ended) return;
    ended = true;
    try {
      onEnd({ bytes, state, error });
    } catch {
      // The observer must never break the response.
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        end("error", error);
        controller.error(error);
        return;
      }
      if (result.done) {
        controller.close();
        end("done");
        return;
      }
      bytes += result.value?.byteLength ?? 0;
      controller.enqueue(result.value);
    },
    cancel(reason) {
      end("cancelled");
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * Returns a response whose body reports its end through `onEnd`. Responses without a body, and
 * WebSocket upgrades (status 101), are returned unchanged after calling `onEnd` at once.
 *
 * @param response The handler's response.
 * @param onEnd Called once when the body has been delivered (or failed, or was cancelled).
 * @returns The response to hand to the runtime.
 */
export function observeResponse(
  response: Response,
  onEnd: (outcome: BodyOutcome) => void,
): Response {
  if (response.body === null || response.status === 101) {
    try {
      onEnd({ bytes: 0, state: "done" });
    } catch {
      // The observer must never break the response.
    }
    return response;
  }
  let body = observeBody(response.body, onEnd);
  const fixed = fixedLength(response);
  if (fixed !== undefined) {
    // Keeps `Content-Length` on the wire (a plain stream would be sent chunked). Identity
    // streams hand a chunk on only when it is read, so the end is still detected at delivery.
    body.pipeTo(fixed.writable).catch(() => {});
    body = fixed.readable;
  }
  // Passing the response as init copies status, statusText and headers (and, on workerd, its
  // `webSocket`, `cf` and `encodeBody` fields).
  return new Response(body, response);
}

type FixedLengthStreamClass = new (length: number) => TransformStream<Uint8Array, Uint8Array>;

/** workerd's `FixedLengthStream` for a response with a valid `Content-Length`, if available. */
function fixedLength(response: Response): TransformStream<Uint8Array, Uint8Array> | undefined {
  const Fixed = (globalThis as { FixedLengthStream?: FixedLengthStreamClass }).FixedLengthStream;
  const header = response.headers.get("content-length");
  if (typeof Fixed !== "function" || header === null || !/^\d{1,15}$/.test(header)) {
    return undefined;
  }
  try {
    return new Fixed(Number(header));
  } catch {
    return undefined;
  }
}
