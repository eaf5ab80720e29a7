/**
 * The destination tag of an outbox entry: exporters append `; tracelet-destination=<tag>` to the
 * content type they park, so the outbox can pick an endpoint's entries from their metadata alone
 * (`peek`'s `destination` option) and the exporter can strip the tag before sending.
 *
 * @module
 */

const TAG = /;\s*tracelet-destination=([0-9a-f]+)\s*$/;

/**
 * A short, non-reversible tag of an endpoint URL (FNV-1a, 32 bits, hex), so outbox entries can
 * be matched to their exporter without storing the URL (which may carry credentials). The query
 * string's values are left out, as header values are: a key rotated in `?api_key=…` names the
 * same destination, and the batches parked under the old key are still delivered.
 *
 * @param url The endpoint URL.
 * @returns Eight hex characters.
 */
export function destinationTag(url: string): string {
  url = url.replace(/\?.*/, (query) => query.replace(/=[^&#]*/g, ""));
  let hash = 0x811c9dc5;
  for (let i = 0; i < url.length; i++) {
    hash ^= url.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * Tags a content type with a destination, for parking in the outbox.
 *
 * @param contentType The content type the body is sent with.
 * @param destination The destination tag ({@linkcode destinationTag}).
 * @returns The content type to store.
 */
export function tagContentType(contentType: string, destination: string): string {
  return `${contentType}; tracelet-destination=${destination}`;
}

/**
 * Splits a stored content type into the type to send and its destination tag.
 *
 * @param stored The entry's content type, possibly with a `tracelet-destination` parameter.
 * @returns The plain content type and the tag (undefined for untagged entries).
 */
export function splitContentType(stored: string): { type: string; destination?: string } {
  const match = TAG.exec(stored);
  if (match === null) return { type: stored };
  return { type: stored.slice(0, match.index), destination: match[1] };
}

/**
 * Tells whether an entry is meant for a destination: tagged for it, or not tagged at all.
 *
 * @param contentType The entry's stored content type.
 * @param destination The destination tag asked for.
 * @returns Whether the entry belongs to that destination.
 */
export function isForDestination(contentType: string, destination: string): boolean {
  const tag = splitContentType(contentType).destination;
  return tag === undefined || tag === destination;
}
