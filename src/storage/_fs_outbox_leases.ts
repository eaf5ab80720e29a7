/**
 * Outbox leases of the fs adapters, kept on disk beside the entries, so that every drainer of one
 * outbox directory sees them: storage objects, worker threads and processes alike (a Node cluster
 * sharing a root). A leased entry is sent by one drainer; once its lease expires (a drainer killed
 * mid-drain) another takes it over, so a crash may send a batch twice but never strands it.
 *
 * Files, beside `<id>.json` and `<id>.bin`:
 * - `<id>.lease`: the claim, `{"owner","until","token"}` as JSON (a random `token` per claim). It
 *   is created by a hard link from a temporary file, which fails when it exists: two drainers
 *   cannot both create it, and none reads it half written.
 * - `<id>.<token>.end`: held (an exclusive create, again a link) while a claim is being ended, by
 *   its owner releasing it or by a drainer taking it over once expired, so that a claim is ended
 *   once: the one who creates it replaces or removes `<id>.lease` after checking it still holds
 *   that token, then removes the marker.
 *
 * A claim is taken in this process's memory first ({@linkcode OutboxLeases}, shared per root), so
 * storage objects of one process settle it without the disk. When the disk fails (a full disk, a
 * file system without hard links) the claim holds in memory only, with an `outbox_lease_failed`
 * warning once: a batch is then maybe sent twice, never stranded. A lease file whose entry is
 * gone (acked or evicted by another process, or left by a crash) is removed with the entry, or
 * by the outbox's sweep of old orphans.
 *
 * @module
 */

import { reportOnce } from "../diagnostics.ts";
import {
  type FileSystem,
  isAlreadyExists,
  isNotFound,
  readIfExists,
  removeIfExists,
  STALE_MILLIS,
  writeAtomic,
} from "./_fs.ts";
import type { OutboxClaims, OutboxLeases } from "./_outbox_leases.ts";
import { utf8Decoder, utf8Encoder } from "../utf8.ts";

/** One claim as stored in `<id>.lease`. */
interface DiskLease {
  readonly owner: string;
  /** Epoch ms when it ends. */
  readonly until: number;
  /** Random hex, new for every claim. */
  readonly token: string;
}

const TOKEN = /^[0-9a-f]{16}$/;

/** How many times a claim is tried when the lease file comes and goes under it. */
const ATTEMPTS = 3;

function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** Outbox claims in lease files of an outbox directory, over the process's in-memory claims. */
export class FsOutboxLeases implements OutboxClaims {
  readonly #fs: FileSystem;
  readonly #link: (from: string, to: string) => Promise<void>;
  readonly #dir: string;
  readonly #memory: OutboxLeases;
  /** The claims this object holds on disk, by entry id. */
  readonly #held = new Map<string, DiskLease>();

  /**
   * Creates the lease table of an outbox directory.
   *
   * @param fs The file system.
   * @param link Its `link` (bound), which lease files need.
   * @param dir The outbox directory (absolute).
   * @param memory The in-memory claims of every storage object of this process on that directory.
   */
  constructor(
    fs: FileSystem,
    link: (from: string, to: string) => Promise<void>,
    dir: string,
    memory: OutboxLeases,
  ) {
    this.#fs = fs;
    this.#link = link;
    this.#dir = dir;
    this.#memory = memory;
  }

  #leasePath(id: string): string {
    return `${this.#dir}/${id}.lease`;
  }

  /**
   * Claims an entry unless another owner, in any process, holds an unexpired claim on it.
   *
   * @param id The entry id.
   * @param owner Who claims it.
   * @param until Epoch ms when the claim ends.
   * @param now Epoch ms now.
   * @returns Whether the claim is `owner`'s now. Never rejects.
   */
  async claim(id: string, owner: string, until: number, now: number): Promise<boolean> {
    if (!this.#memory.claim(id, owner, until, now)) return false;
    let taken: boolean;
    try {
      taken = await this.#claimOnDisk(id, { owner, until, token: newToken() }, now);
    } catch (error) {
      this.#failed(error);
      taken = true; // held in memory only: maybe sent twice, never stranded
    }
    if (!taken) this.#memory.release(id);
    return taken;
  }

  async #claimOnDisk(id: string, mine: DiskLease, now: number): Promise<boolean> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await this.#create(id, mine)) {
        this.#held.set(id, mine);
        return true;
      }
      const current = await this.#read(id);
      if (current === undefined) continue; // ended meanwhile: try again
      if (current.owner !== mine.owner && current.until > now) return false;
      // Expired, or the owner's own: replaced, as a claim in memory is (a new end time).
      return await this.#takeOver(id, current, mine);
    }
    return false;
  }

  /** Creates `<id>.lease` holding `lease` unless it exists. */
  async #create(id: string, lease: DiskLease): Promise<boolean> {
    const temp = `${this.#dir}/.${id}.lease.${lease.token}.tmp`;
    await this.#fs.writeFile(temp, utf8Encoder.encode(JSON.stringify(lease)));
    try {
      await this.#link(temp, this.#leasePath(id));
      return true;
    } catch (error) {
      if (isAlreadyExists(error)) return false;
      throw error;
    } finally {
      await removeIfExists(this.#fs, temp).catch(() => {});
    }
  }

  /** The lease in `<id>.lease`, or undefined when there is none. */
  async #read(id: string): Promise<DiskLease | undefined> {
    const path = this.#leasePath(id);
    const bytes = await readIfExists(this.#fs, path);
    if (bytes === undefined) return undefined;
    try {
      const { owner, until, token } = JSON.parse(utf8Decoder.decode(bytes));
      if (typeof owner === "string" && Number.isFinite(until) && TOKEN.test(token)) {
        return { owner, until, token };
      }
    } catch {
      // Not a lease of ours (a disk error): expires with the age of the file.
    }
    try {
      return { owner: "", until: await this.#fs.mtime(path) + STALE_MILLIS, token: "0".repeat(16) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Runs `fn` holding the right to end the claim `token` on `id` (its `.end` marker), after
   * checking that `<id>.lease` still holds that claim; false when another holds that right or the
   * claim is no longer there.
   */
  async #ending(id: string, token: string, fn: () => Promise<void>): Promise<boolean> {
    const marker = `${this.#dir}/${id}.${token}.end`;
    try {
      await this.#link(this.#leasePath(id), marker);
    } catch (error) {
      if (isAlreadyExists(error) || isNotFound(error)) return false;
      throw error;
    }
    try {
      if ((await this.#read(id))?.token !== token) return false;
      await fn();
      return true;
    } finally {
      await removeIfExists(this.#fs, marker).catch(() => {});
    }
  }

  /** Replaces an expired claim (or the owner's own) with ours, unless another drainer does first. */
  async #takeOver(id: string, expired: DiskLease, mine: DiskLease): Promise<boolean> {
    const lease = utf8Encoder.encode(JSON.stringify(mine));
    const taken = await this.#ending(
      id,
      expired.token,
      () => writeAtomic(this.#fs, this.#leasePath(id), lease),
    );
    if (taken) this.#held.set(id, mine);
    return taken;
  }

  /**
   * Ends this object's claim on an entry that stays stored; one taken over meanwhile (expired) is
   * left to its new owner.
   *
   * @param id The entry id.
   * @returns When ended. Never rejects.
   */
  async release(id: string): Promise<void> {
    this.#memory.release(id);
    const mine = this.#held.get(id);
    if (mine === undefined) return;
    this.#held.delete(id);
    try {
      await this.#ending(id, mine.token, () => this.#fs.remove(this.#leasePath(id)));
    } catch (error) {
      this.#failed(error); // the claim expires by itself
    }
  }

  /**
   * Removes the claim on an entry that was removed, whoever holds it.
   *
   * @param id The entry id.
   * @returns When removed. Never rejects.
   */
  async removed(id: string): Promise<void> {
    this.#memory.release(id);
    this.#held.delete(id);
    try {
      await removeIfExists(this.#fs, this.#leasePath(id));
    } catch (error) {
      this.#failed(error); // an orphan: the outbox's sweep removes it
    }
  }

  /**
   * Ends every claim this object holds (its storage is closing).
   *
   * @returns When ended. Never rejects.
   */
  async releaseAll(): Promise<void> {
    for (const id of [...this.#held.keys()]) await this.release(id);
  }

  /**
   * Forgets expired claims and claims on gone entries, in memory (lease files of gone entries are
   * removed with them, or swept).
   *
   * @param now Epoch ms.
   * @param live Whether an entry id still exists.
   * @param listedAt Epoch ms when the listing behind `live` started. Default `now`.
   */
  prune(now: number, live: (id: string) => boolean, listedAt: number = now): void {
    this.#memory.prune(now, live, listedAt);
    for (const [id, lease] of this.#held) {
      if (lease.until <= now || !live(id)) this.#held.delete(id);
    }
  }

  #failed(error: unknown): void {
    reportOnce(
      `outbox_lease_failed:${this.#dir}`,
      "warn",
      "outbox_lease_failed",
      `Cannot keep outbox leases on disk in ${this.#dir}: they hold in this process only, so ` +
        "another process draining this outbox may send a batch twice",
      error,
    );
  }
}
