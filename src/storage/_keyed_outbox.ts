/**
 * {@linkcode KeyedOutboxStore}: the outbox of the R2 and KV adapters, one value per entry under
 * `<prefix>o/<id>` with the entry's metadata in the value's `tracelet` metadata field, so listing
 * the outbox reads no bodies. Updating an entry writes it again (see `BoundedOutbox.update`).
 *
 * @module
 */

import { decodeInfo, encodeInfo, toArrayBuffer } from "./_cloudflare.ts";
import { type KeyedStore, listAll } from "./_keyed_store.ts";
import { isOutboxId, type OutboxStore } from "./_outbox.ts";
import type { OutboxEntryInfo } from "./types.ts";

/** The metadata field that holds an entry's {@linkcode OutboxEntryInfo}. */
const FIELD = "tracelet";

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
      const info = decodeInfo(entry.metadata?.[FIELD]);
      if (info !== undefined) infos.push(info);
    }
    return infos;
  }

  /** @returns One entry's metadata, or undefined when absent. */
  async get(id: string): Promise<OutboxEntryInfo | undefined> {
    return decodeInfo((await this.#store.head(this.#prefix + id))?.[FIELD]);
  }

  /** @returns One entry's body, or undefined when absent. */
  readBody(id: string): Promise<Uint8Array | undefined> {
    return this.#store.get(this.#prefix + id);
  }

  /** Writes an entry: its body as the value, its metadata alongside. */
  write(info: OutboxEntryInfo, body: Uint8Array): Promise<void> {
    return this.#store.put(this.#prefix + info.id, toArrayBuffer(body), {
      [FIELD]: encodeInfo(info),
    });
  }

  /** Deletes an entry; ids that are not outbox ids are ignored. */
  async remove(id: string): Promise<void> {
    if (isOutboxId(id)) await this.#store.delete(this.#prefix + id);
  }
}
