/**
 * {@linkcode KeyedStore}: the few operations the R2 and KV adapters need from their binding, a
 * flat key space of byte values with small string metadata, listable by prefix in key order.
 * `cloudflare_r2.ts` and `cloudflare_kv.ts` map their bindings onto it; the storage logic on top
 * lives once, in `_keyed_storage.ts` and `_keyed_outbox.ts`.
 *
 * @module
 */

/** String metadata stored with a value (R2 custom metadata, KV metadata). */
export type KeyedMetadata = Readonly<Record<string, string>>;

/** One key of a listing. */
export interface KeyedEntry {
  /** The full key. */
  readonly key: string;
  /** The key's metadata, when the listing asked for it and the key has any. */
  readonly metadata?: KeyedMetadata | undefined;
}

/** One page of a listing. */
export interface KeyedPage {
  /** The keys of this page, in key order. */
  readonly entries: readonly KeyedEntry[];
  /** Where the next page starts; undefined on the last page. */
  readonly cursor?: string | undefined;
}

/** A keyed object binding (an R2 bucket, a KV namespace) as the Cloudflare adapters use it. */
export interface KeyedStore {
  /** Writes a value, replacing any value and metadata under the key. */
  put(key: string, value: ArrayBuffer | string, metadata?: KeyedMetadata): Promise<void>;
  /** Reads a value, or undefined when absent. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Reads a value and its metadata (`{}` when it has none) in one operation, or undefined. */
  read(key: string): Promise<{ value: Uint8Array; metadata: KeyedMetadata } | undefined>;
  /** Reads a key's metadata (`{}` when it has none), or undefined when the key is absent. */
  head(key: string): Promise<KeyedMetadata | undefined>;
  /** Lists one page of keys under a prefix; `metadata` asks for each key's metadata. */
  list(prefix: string, cursor: string | undefined, metadata: boolean): Promise<KeyedPage>;
  /** Deletes a key; absent keys are fine. */
  delete(key: string): Promise<void>;
}

/**
 * Lists every key under a prefix, following the pages.
 *
 * @param store The store.
 * @param prefix The key prefix.
 * @param metadata Whether to fetch each key's metadata.
 * @returns The keys in key order.
 */
export async function listAll(
  store: KeyedStore,
  prefix: string,
  metadata = false,
): Promise<KeyedEntry[]> {
  const entries: KeyedEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, cursor, metadata);
    entries.push(...page.entries);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
