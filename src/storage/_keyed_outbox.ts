/**
 * {@linkcode KeyedOutboxStore}: the outbox of the R2 and KV adapters, one value per entry under
 * `<prefix>o/<id>` with the entry's metadata in the value's `tracelet` metadata field, so listing
 * the outbox reads no bodies. Neither binding can change metadata alone, so updating an entry
 * reads it (value and metadata in one operation) and writes it again.
 *
 * The metadata is JSON, at most 1024 bytes once the binding encodes it (KV's limit; R2 allows
 * 2048): the `reason` is cut (to 200 characters, then to what fits).
 *
 * @module
 */

import { toArrayBuffer } from "./_cloudflare.ts";
import { type KeyedMetadata, type KeyedStore, listAll } from "./_keyed_store.ts";
import type { OutboxStore } from "./_outbox.ts";
import { isOutboxId, toOutboxInfo } from "./_outbox_entries.ts";
import type { OutboxEntryInfo } from "./types.ts";
import { utf8Encoder } from "../utf8.ts";

/** The metadata field that holds an entry's {@linkcode OutboxEntryInfo}. */
const FIELD = "tracelet";
/** Longest outbox `reason` kept, in characters. */
const MAX_REASON = 200;
/** Largest metadata, in bytes of its JSON (KV's limit). */
const MAX_METADATA_BYTES = 1024;

const bytesOf = (text: string): number => utf8Encoder.encode(text).byteLength;

/**
 * Serializes an entry's metadata for the binding, cutting the reason so that the metadata stays
 * within {@linkcode MAX_METADATA_BYTES} once JSON-encoded again by the binding.
 *
 * @param info The entry metadata.
 * @returns The metadata record.
 * @throws {TypeError} When even without a reason it does not fit (a very long content type).
 */
export function encodeMetadata(info: OutboxEntryInfo): KeyedMetadata {
  const bare = JSON.stringify({ ...info, reason: "" });
  let room = MAX_METADATA_BYTES - bytesOf(JSON.stringify({ [FIELD]: bare }));
  if (room < 0) {
    throw new TypeError(
      `Cannot store outbox entry: its metadata does not fit ${MAX_METADATA_BYTES} bytes (content type too long)`,
    );
  }
  let reason = "";
  let chars = 0;
  for (const char of info.reason) {
    // What the character costs once escaped twice (its own JSON, then the binding's).
    const cost = bytesOf(JSON.stringify(JSON.stringify(char))) - 6;
    if (++chars > MAX_REASON || cost > room) break;
    room -= cost;
    reason += char;
  }
  return { [FIELD]: JSON.stringify({ ...info, reason }) };
}

/**
 * Parses metadata written by {@linkcode encodeMetadata}.
 *
 * @param metadata The stored metadata, if any.
 * @returns The entry metadata, or undefined when missing or malformed.
 */
export function decodeMetadata(metadata: KeyedMetadata | undefined): OutboxEntryInfo | undefined {
  const text = metadata?.[FIELD];
  if (typeof text !== "string") return undefined;
  try {
    const info = JSON.parse(text) as Partial<OutboxEntryInfo> | null;
    return typeof info?.id === "string" ? toOutboxInfo(info.id, info, "read") : undefined;
  } catch {
    return undefined;
  }
}

/** An {@linkcode OutboxStore} over a {@linkcode KeyedStore}. */
export class KeyedOutboxStore implements OutboxStore {
  readonly #store: KeyedStore;
  readonly #prefix: string;

  /**
   * Creates the outbox store.
   *
   * @param store The keyed binding.
   * @param prefix The adapter's key prefix (entries go under `<prefix>o/`).
   */
  constructor(store: KeyedStore, prefix: string) {
    this.#store = store;
    this.#prefix = `${prefix}o/`;
  }

  /** @returns Every entry's metadata, read from the listing. */
  async list(): Promise<OutboxEntryInfo[]> {
    const infos: OutboxEntryInfo[] = [];
    for (const entry of await listAll(this.#store, this.#prefix, true)) {
      const info = decodeMetadata(entry.metadata);
      if (info !== undefined) infos.push(info);
    }
    return infos;
  }

  /** @returns One entry's metadata, or undefined when absent. */
  async get(id: string): Promise<OutboxEntryInfo | undefined> {
    return decodeMetadata(await this.#store.head(this.#prefix + id));
  }

  /** @returns One entry's body, or undefined when absent. */
  readBody(id: string): Promise<Uint8Array | undefined> {
    return this.#store.get(this.#prefix + id);
  }

  /** @returns One entry's metadata and body, read in one operation, or undefined. */
  async read(id: string): Promise<{ info: OutboxEntryInfo; body: Uint8Array } | undefined> {
    const stored = await this.#store.read(this.#prefix + id);
    const info = decodeMetadata(stored?.metadata);
    return stored && info && { info, body: stored.value };
  }

  /** Writes an entry: its body as the value, its metadata alongside. */
  write(info: OutboxEntryInfo, body: Uint8Array): Promise<void> {
    const metadata = encodeMetadata(info);
    return this.#store.put(this.#prefix + info.id, toArrayBuffer(body), metadata);
  }

  /**
   * Deletes an entry; ids that are not outbox ids are ignored. R2 and KV deletes do not say
   * whether the key existed, so this resolves to true (two isolates evicting the same entry at
   * once may both report it).
   */
  async remove(id: string): Promise<boolean> {
    if (!isOutboxId(id)) return false;
    await this.#store.delete(this.#prefix + id);
    return true;
  }
}
