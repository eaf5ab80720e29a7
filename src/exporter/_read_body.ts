/**
 * Reading a collector's response body with a bound: exporters keep at most the first 64 KiB of
 * an answer (a partial-success message, or the detail of an error), so a proxy or a misconfigured
 * endpoint answering with a huge body cannot make them buffer all of it.
 *
 * @internal
 * @module
 */

/** The most of a response body an exporter reads. */
export const MAX_RESPONSE_BYTES = 65536;

/**
 * Reads at most {@linkcode MAX_RESPONSE_BYTES} of a response body, then cancels the rest (which
 * also frees the connection). Rejects as reading the body does (an abort, a network error).
 *
 * @param response The response.
 * @returns The first bytes of the body (empty when there is none).
 */
export async function readBodyStart(response: Response): Promise<Uint8Array> {
  const reader = response.body?.getReader();
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
