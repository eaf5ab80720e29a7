/**
 * The content-addressed blob store side of artifacts: bytes or a local file stored in the storage
 * adapter's blob store under `sha256:<hex>` (SHA-256 via `crypto.subtle`, or, for a file larger
 * than {@linkcode STREAM_ARTIFACT_BYTES} when the local files and the storage adapter can both do
 * it, read, hashed and stored a chunk at a time in bounded memory). A blob already stored is not
 * written again. A file read whole waits until the process holds less than
 * `MAX_BLOB_BACKLOG_BYTES` of blobs on their way to the storage, so artifacts logged without
 * `await` are not all read at once. What the blob is (its name, its record) is `artifacts.ts`'s.
 *
 * @internal
 * @module
 */
import type { LocalFiles } from "../config_state.ts";
import { bytesToHex } from "../ids.ts";
import type { TraceStorage } from "../storage/types.ts";
import { holdBlobBytes } from "./_blob_backlog.ts";
import { Sha256 } from "../hash/sha256.ts";

/** Files larger than this are read, hashed and stored a chunk at a time where both sides can. */
export const STREAM_ARTIFACT_BYTES: number = 64 * 1024 * 1024;

/** The chunk size of that. */
const CHUNK_BYTES = 1024 * 1024;

/** The largest file read whole (Node's and Bun's `readFile` refuse 2 GiB and more). */
const WHOLE_FILE_BYTES = 2 ** 31 - 1;

/** An incremental SHA-256: the bytes in order, then the digest once. */
export interface IncrementalSha256 {
  /** Adds the next bytes. */
  update(bytes: Uint8Array): unknown;
  /** The 32-byte digest of everything added. */
  digest(): Uint8Array;
}

/** Local files that can also be read a chunk at a time (`nodeLocalFiles` can). */
export interface ChunkedFiles {
  /** The bytes of a file in order, at most `chunkSize` at a time. */
  readChunks(path: string, chunkSize: number): AsyncIterable<Uint8Array>;
  /**
   * A native SHA-256 for files too large to read whole (the runtime's is ~8x faster than
   * tracelet's portable one, which is used without it).
   */
  sha256?(): IncrementalSha256;
}

/** A file that cannot be stored: larger than the storage adapter can take. */
export class TooLarge extends Error {}

/** A stored blob. */
export interface StoredBlob {
  /** `sha256:<64 hex>`: the blob key. */
  readonly oid: string;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * SHA-256 of bytes as lower-case hex.
 *
 * @param bytes The bytes.
 * @returns 64 hex characters.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return bytesToHex(new Uint8Array(digest));
}

/**
 * Stores bytes under their SHA-256, unless a blob of that key is stored already.
 *
 * @param storage The storage adapter.
 * @param bytes The bytes (not copied: the caller must not change them until this settles).
 * @returns The blob key and size.
 */
export async function storeBytes(storage: TraceStorage, bytes: Uint8Array): Promise<StoredBlob> {
  const oid = `sha256:${await sha256Hex(bytes)}`;
  if (!(await storage.hasBlob(oid))) await storage.putBlob(oid, bytes);
  return { oid, size: bytes.length };
}

/** The SHA-256 hex and size of chunks; with `expected`, rejects after the last chunk on change. */
async function* hashed(
  chunks: AsyncIterable<Uint8Array>,
  hash: IncrementalSha256,
  result: { hex: string; size: number },
  expected?: { hex: string; size: number },
): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    size += chunk.length;
    yield chunk;
  }
  result.hex = bytesToHex(hash.digest());
  result.size = size;
  if (expected !== undefined && (expected.hex !== result.hex || expected.size !== size)) {
    throw new Error("the file changed while it was stored");
  }
}

/**
 * Stores a local file: read whole when small (or when the files or the storage cannot take
 * chunks), else hashed in one pass and stored in a second, a chunk at a time, the second pass
 * checking that the bytes stored are the bytes hashed.
 *
 * @param storage The storage adapter.
 * @param files The local files (chunked reads and a native SHA-256 are used when they have them).
 * @param path The file's path.
 * @returns The blob key and size; rejects with {@linkcode TooLarge} for a file the storage
 *   adapter cannot take, and with the I/O or storage error otherwise.
 */
export async function storeFile(
  storage: TraceStorage,
  files: LocalFiles & Partial<ChunkedFiles>,
  path: string,
): Promise<StoredBlob> {
  const size = (await files.stat(path))?.size ?? 0;
  const readChunks = files.readChunks?.bind(files);
  const putBlobStream = storage.putBlobStream?.bind(storage);
  if (size <= STREAM_ARTIFACT_BYTES || readChunks === undefined || putBlobStream === undefined) {
    if (size > WHOLE_FILE_BYTES) {
      const why = putBlobStream === undefined
        ? `the ${storage.kind} storage adapter cannot (it has no putBlobStream)`
        : "the local files cannot be read that way";
      throw new TooLarge(
        `${path} has ${size} bytes: more than ${WHOLE_FILE_BYTES} bytes must be stored a chunk ` +
          `at a time, and ${why}`,
      );
    }
    // Files logged without `await` are read a bounded number of bytes at a time.
    const release = await holdBlobBytes(size);
    try {
      return await storeBytes(storage, await files.readFile(path));
    } finally {
      release();
    }
  }
  const sha256 = files.sha256?.bind(files) ?? (() => new Sha256());
  const first = { hex: "", size: 0 };
  for await (const _ of hashed(readChunks(path, CHUNK_BYTES), sha256(), first)) {
    // Hashing only: `first` gets the digest and size.
  }
  const oid = `sha256:${first.hex}`;
  if (!(await storage.hasBlob(oid))) {
    const again = hashed(readChunks(path, CHUNK_BYTES), sha256(), { hex: "", size: 0 }, first);
    await putBlobStream(oid, again);
  }
  return { oid, size: first.size };
}
