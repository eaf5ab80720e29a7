/**
 * Body end detection, for the server span (`instrument()`, `traceFetchHandler`) and the client
 * span (`tracedFetch`): wraps a body in a pull-based `ReadableStream` that reports when its reader
 * has read the last byte, when the source failed (noticed even while nobody reads), or when the
 * reader went away (cancel, or the wrapper was garbage-collected before its end). The wrapper pulls
 * one chunk per read (`highWaterMark: 0`), so "done" means the body was consumed, not merely
 * produced. A byte-stream source gets a byte-stream wrapper, so BYOB readers keep working.
 *
 * The wrapper locks its source at once (to notice a failure while nobody reads), and a runtime
 * releases a locked source only when it is read or cancelled: Node's `fetch` cancels an unread
 * body when its response is garbage-collected, but only while the body is unlocked. So a wrapper
 * collected before its end cancels its source itself, as the runtime would, and ends as
 * `cancelled`: an unread traced body frees its connection and memory like an unread plain one.
 *
 * On workerd a `fetch()` response passed on with a `Content-Length` and no `Content-Encoding` keeps
 * its length, through a `FixedLengthStream`; its body is that long (workerd checked it). An encoded
 * one is sent chunked: workerd hands a handler the decoded body of an encoded `fetch()` response
 * but keeps the encoded length in its headers. So is a response the handler made: workerd sends its
 * body whole whatever `Content-Length` it declares (a header copied from the origin after an edit),
 * and held to that header the body was cut short or failed.
 *
 * On Deno and Node a `fetch()` response whose body the runtime decoded (gzip or br) is re-wrapped
 * without its `Content-Encoding` and `Content-Length`, which describe bytes it no longer has:
 * Deno's server drops them when it sends such a response itself, and a re-wrapped one would lose
 * that. Bun's keep theirs, as Bun sends them untraced: its `fetch` can keep the encoded body
 * (`decompress: false`), which no header tells, and the headers go out before the first read.
 *
 * @module
 */
import { runtimeKey } from "../runtime/_globals.ts";

/** How a body ended. */
export interface BodyOutcome {
  /** Bytes handed to the reader. */
  readonly bytes: number;
  /**
   * `done` (fully read), `cancelled` (the reader cancelled, or the body was garbage-collected
   * before its end) or `error` (the source failed, or its length did not match the declared one).
   */
  readonly state: "done" | "cancelled" | "error";
  /** The source's error, for `error`. */
  readonly error?: unknown;
}

/** True when `body` is a byte stream (it gives BYOB readers). Leaves it unlocked. */
function isByteStream(body: ReadableStream<Uint8Array>): boolean {
  try {
    body.getReader({ mode: "byob" }).releaseLock();
    return true;
  } catch {
    return false;
  }
}

/**
 * Cancels the source of a wrapper collected before its end. Its held value (the wrapper's
 * `release`) refers to the source and the observer, never to the wrapper, and is dropped when
 * the body ends (`unregister`), so it keeps nothing alive that the source does not.
 */
const collected = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry<() => void>((release) => release())
  : undefined;

/** Why a source is cancelled when its wrapper was collected before its end. */
const COLLECTED = "The traced response body was garbage-collected before its end";

/**
 * Wraps a body stream so `onEnd` runs exactly once when it ends, however it ends: read to its
 * end, failed, cancelled by its reader, or garbage-collected before its end (its source is then
 * cancelled, and it ends as `cancelled`).
 *
 * @param body The original body.
 * @param onEnd Called once with the outcome; must not throw (errors are ignored).
 * @param length The declared length, if any: a body that turns out longer or shorter fails
 *   with a `RangeError` (before the extra chunk is passed on) instead of ending `done`.
 * @param collectable Whether the source is cancelled when the wrapper is garbage-collected
 *   before its end (a response the caller may never read). Never for a body the runtime sends,
 *   and never on workerd: there the runtime reads a response's stream natively and the stream's
 *   JavaScript object can be collected while the body is still being delivered, which cancelled
 *   it mid-way (the client got a truncated body).
 * @returns A stream with the same chunks.
 */
export function observeBody(
  body: ReadableStream<Uint8Array>,
  onEnd: (outcome: BodyOutcome) => void,
  length: number | undefined,
  collectable: boolean,
): ReadableStream<Uint8Array> {
  const bytesType = isByteStream(body);
  const reader = body.getReader();
  let bytes = 0;
  let ended = false;
  const end = (state: BodyOutcome["state"], error?: unknown) => {
    if (ended) return;
    ended = true;
    collected?.unregister(reader);
    try {
      onEnd({ bytes, state, error });
    } catch {
      // The observer must never break the body.
    }
  };
  // A source that fails while nobody reads (an aborted fetch whose body was never read) ends the
  // span now; the reader still gets the error at its next read.
  reader.closed.catch((error: unknown) => end("error", error));
  const source: UnderlyingSource<Uint8Array> = {
    type: bytesType ? "bytes" : undefined,
    async pull(controller) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        end("error", error);
        controller.error(error);
        return;
      }
      const size = result.done ? 0 : result.value?.byteLength ?? 0;
      if (length !== undefined && (result.done ? bytes !== length : bytes + size > length)) {
        const error = new RangeError(
          `The response body does not match its Content-Length of ${length} bytes`,
        );
        end("error", error);
        controller.error(error);
        reader.cancel(error).catch(() => {});
        return;
      }
      if (result.done) {
        controller.close();
        // A pending BYOB read settles (done) only when told so.
        (controller as ReadableByteStreamController).byobRequest?.respond(0);
        end("done");
        return;
      }
      bytes += size;
      // A byte stream hands a pending BYOB read what fits and queues the rest.
      (controller as ReadableStreamDefaultController<Uint8Array>).enqueue(result.value);
    },
    cancel(reason) {
      end("cancelled");
      return reader.cancel(reason);
    },
  };
  const wrapper = new ReadableStream<Uint8Array>(source, { highWaterMark: 0 });
  // No closure here refers to `wrapper`: the held value must not keep it alive.
  if (collectable) {
    collected?.register(wrapper, () => {
      end("cancelled");
      reader.cancel(COLLECTED).catch(() => {});
    }, reader);
  }
  return wrapper;
}

/**
 * Returns a response whose body reports its end through `onEnd`. Responses without a body, and
 * WebSocket upgrades (status 101), are returned unchanged after calling `onEnd` at once.
 *
 * @param response The response.
 * @param sent Whether the runtime sends it (a server's response): on workerd its `Content-Length`
 *   is then kept on the wire through a `FixedLengthStream`. Not for a response the caller reads.
 * @param onEnd Called once when the body has been delivered (or failed, or was cancelled).
 * @returns The response to hand on.
 * @throws {TypeError} When the body cannot be read (it is locked or was used); the caller decides.
 */
export function observeResponse(
  response: Response,
  sent: boolean,
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
  const fixed = sent ? fixedLength(response) : undefined;
  // With a declared length the body is checked against it on the way, so a wrong length is
  // recorded as an error (not as a cancelled body) before the extra bytes reach the stream.
  let body = observeBody(
    response.body,
    onEnd,
    fixed?.length,
    !sent && runtimeKey() !== "workerd",
  );
  if (fixed !== undefined) {
    // Keeps `Content-Length` on the wire (a plain stream would be sent chunked). Identity
    // streams hand a chunk on only when it is read, so the end is still detected at delivery.
    body.pipeTo(fixed.stream.writable).catch(() => {});
    body = fixed.stream.readable;
  }
  const decoded = decodedHeaders(response);
  if (decoded !== undefined) {
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: decoded,
    });
  }
  // Passing the response as init copies status, statusText and headers (and, on workerd, its
  // `webSocket`, `cf` and `encodeBody` fields).
  return new Response(body, response);
}

/** The codings the `fetch` of Deno and Node always decode (Deno decodes no others). */
const DECODED_CODINGS = ["gzip", "br"];

/** The runtimes whose `fetch` always decodes those codings (Bun's can be told not to). */
const DECODING_RUNTIMES = ["deno", "node"];

/**
 * The headers of a `fetch()` response whose body the runtime decoded, without `Content-Encoding`
 * and `Content-Length`; undefined for any other response. A `fetch()` response is told from one
 * made with `new Response()` by its `url`. Only on Deno and Node: workerd encodes a body it sends
 * as its `Content-Encoding` says (and ignores a stream's `Content-Length`), and Bun's body may
 * still be encoded (`decompress: false`).
 */
function decodedHeaders(response: Response): Headers | undefined {
  const coding = response.headers.get("content-encoding")?.trim().toLowerCase();
  if (
    coding === undefined || !DECODED_CODINGS.includes(coding) || response.url === "" ||
    !DECODING_RUNTIMES.includes(runtimeKey())
  ) {
    return undefined;
  }
  const headers = new Headers(response.headers);
  headers.delete("content-encoding");
  headers.delete("content-length");
  return headers;
}

type FixedLengthStreamClass = new (length: number) => TransformStream<Uint8Array, Uint8Array>;

/**
 * workerd's `FixedLengthStream` for a `fetch()` response (it has a `url`) with a valid
 * `Content-Length` and no `Content-Encoding`, if available. An encoded response's length is not
 * trusted: for a `fetch()` response workerd decodes the body but keeps the encoded length (and
 * `encodeBody: "manual"` cannot be read back from a response). Nor is a made response's: its
 * header is whatever the handler set or copied.
 */
function fixedLength(
  response: Response,
): { stream: TransformStream<Uint8Array, Uint8Array>; length: number } | undefined {
  const Fixed = (globalThis as { FixedLengthStream?: FixedLengthStreamClass }).FixedLengthStream;
  const header = response.headers.get("content-length");
  if (
    typeof Fixed !== "function" || header === null || !/^\d{1,15}$/.test(header) ||
    response.headers.has("content-encoding") || !response.url
  ) {
    return undefined;
  }
  try {
    const length = Number(header);
    return { stream: new Fixed(length), length };
  } catch {
    return undefined;
  }
}
