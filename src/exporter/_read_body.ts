/**
 * Reading a collector's response body with a bound, so that a proxy or a misconfigured endpoint
 * answering with a huge or endless body cannot make an exporter buffer all of it.
 *
 * @internal
 * @module
 */

/**
 * The most of a response body an exporter reads: 1 MiB, room for a partial-success answer with a
 * long message (a cut one would not parse, and rejected spans would count as exported). An
 * error's detail is masked and cut to a few hundred characters for its diagnostic.
 */
export const MAX_RESPONSE_BYTES: number = 1024 * 1024;

/**
 * Reads at most {@linkcode MAX_RESPONSE_BYTES} of a response body, then cancels the rest (which
 * also frees the connection). Rejects as reading the body does (an abort, a network error).
 *
 * @param response The response.
 * @param stop Cancels the body when it aborts, even when the fetch that made the response ignored
 *   its signal (a body that never ends would otherwise keep its connection open).
 * @returns The first bytes of the body (empty when there is none).
 */
export async function readBodyStart(response: Response, stop?: AbortSignal): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  stop?.addEventListener("abort", () => reader?.cancel().catch(() => {}));
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  try {
    for (let size = 0, read; reader && size < MAX_RESPONSE_BYTES; size += read.value.length) {
      if ((read = await reader.read()).done) break;
      chunks.push(read.value as Uint8Array<ArrayBuffer>);
    }
  } finally {
    reader?.cancel().catch(() => {});
  }
  return new Uint8Array(await new Blob(chunks).arrayBuffer()).subarray(0, MAX_RESPONSE_BYTES);
}
