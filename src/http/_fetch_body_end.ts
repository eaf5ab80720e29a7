/**
 * The end of a `tracedFetch()` span at the end of its response body: which responses have a body
 * worth timing, and the response handed to the caller, whose body ends the span when it has been
 * read to its end, cancelled or failed (`endAfterBody`), made to read as the one `fetch` gave
 * (`url`, `redirected`, `type`, `headers`, a blob's type), and whose body-reading methods end the
 * span when they reject.
 *
 * @module
 */
import { endAfterBody, type ResponsePolicy, type SpanEnd } from "./_span_response.ts";

/**
 * True when the response has a body worth timing: a 2xx other than 204 and 205 whose body is not
 * empty (`Content-Length: 0`) and can be observed. Redirects handed back (`redirect: "manual"`)
 * and failing statuses end at the headers: their bodies are often never read, and a span that
 * waits for them would never be exported.
 *
 * @param response The response `fetch` gave.
 * @returns Whether to end the span at the end of its body.
 */
export function hasBodyToTime(response: Response): boolean {
  const { status, body } = response;
  return body !== null && !body.locked && !response.bodyUsed && status >= 200 && status <= 299 &&
    status !== 204 && status !== 205 && response.headers.get("content-length") !== "0";
}

/** The methods that read a response body. */
const CONSUMERS = ["arrayBuffer", "blob", "bytes", "formData", "json", "text"] as const;

/**
 * `method` of `Response.prototype` made to end the span when it rejects (Bun's `formData()`
 * rejects a response of another type without reading its body, which would keep the span
 * open), and, for `blob`, to keep the type: Bun gives a stream-bodied response's blob no type.
 */
function consumer(
  name: typeof CONSUMERS[number],
  original: Response,
  end: () => void,
): ((this: Response) => Promise<unknown>) | undefined {
  const method = (Response.prototype as unknown as Record<string, unknown>)[name];
  if (typeof method !== "function") return undefined;
  return function (this: Response) {
    const result = (method as (this: Response) => Promise<unknown>).call(this).catch((error) => {
      end();
      throw error;
    });
    if (name !== "blob") return result;
    return result.then((blob) => {
      const type = original.headers.get("content-type");
      if ((blob as Blob).type !== "" || type === null) return blob;
      // The runtime's own Blob-from-response rule: the type as its fetch would give it.
      return new Response(blob as Blob, { headers: { "content-type": type } }).blob();
    });
  };
}

/**
 * The observed response made to read as the original does: `url`, `redirected`, `type` and the
 * (immutable) `headers` of the response `fetch` gave, and a blob's type, also on its clones. A
 * body-reading method that rejects ends the span.
 */
function asOriginal(copy: Response, original: Response, end: () => void): Response {
  const fields = {
    url: original.url,
    redirected: original.redirected,
    type: original.type,
    headers: original.headers,
  };
  for (const [key, value] of Object.entries(fields)) {
    Object.defineProperty(copy, key, { value, configurable: true });
  }
  const methods: Record<string, unknown> = {
    clone: () => asOriginal(Response.prototype.clone.call(copy), original, end),
  };
  for (const name of CONSUMERS) methods[name] = consumer(name, original, end);
  for (const [key, value] of Object.entries(methods)) {
    if (value !== undefined) {
      Object.defineProperty(copy, key, { value, configurable: true, writable: true });
    }
  }
  return copy;
}

/**
 * The response to hand the caller of a traced fetch, with its span ending when the body has been
 * read to its end, cancelled or failed, or when a body-reading method rejects: a copy that reads
 * as the one `fetch` gave. When the body cannot be observed, the span has ended and the response
 * is `fetch`'s own.
 *
 * @param spanEnd The request's span and how to end it.
 * @param response The response `fetch` gave (see {@linkcode hasBodyToTime}).
 * @param policy What to record when the body ends.
 * @returns The response to hand the caller.
 */
export function endAfterFetchBody(
  spanEnd: SpanEnd,
  response: Response,
  policy: ResponsePolicy,
): Response {
  const observed = endAfterBody(spanEnd, response, policy);
  try {
    return observed === response ? response : asOriginal(observed, response, spanEnd.end);
  } catch {
    return observed; // Its body is the one to read now, whatever its `url` says.
  }
}
