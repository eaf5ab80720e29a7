/**
 * An incremental SHA-256 (FIPS 180-4) for content that does not fit in memory at once: artifact
 * files read a chunk at a time. `crypto.subtle.digest` takes the whole input in one buffer, which
 * is what in-memory artifacts use; both give the same digest. The compression function is in
 * `_sha256_blocks.ts`.
 *
 * @module
 */
import { sha256Blocks } from "./_sha256_blocks.ts";

/** Incremental SHA-256: `update` with the bytes in order, then `digest` once. */
export class Sha256 {
  readonly #h = Int32Array.of(
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
  );
  /** The last partial block, with room for the padding (two blocks). */
  readonly #buffer = new Uint8Array(128);
  readonly #view = new DataView(this.#buffer.buffer);
  #buffered = 0;
  #length = 0;

  /**
   * Adds bytes.
   *
   * @param bytes The next bytes of the content.
   * @returns This hash, to chain.
   */
  update(bytes: Uint8Array): this {
    let p = 0;
    const n = bytes.length;
    this.#length += n;
    if (this.#buffered > 0) {
      const take = Math.min(64 - this.#buffered, n);
      this.#buffer.set(bytes.subarray(0, take), this.#buffered);
      this.#buffered += take;
      p = take;
      if (this.#buffered < 64) return this;
      sha256Blocks(this.#h, this.#view, 0, 1);
      this.#buffered = 0;
    }
    const blocks = (n - p) >>> 6;
    if (blocks > 0) {
      sha256Blocks(this.#h, new DataView(bytes.buffer, bytes.byteOffset, n), p, blocks);
      p += blocks * 64;
    }
    this.#buffer.set(bytes.subarray(p));
    this.#buffered = n - p;
    return this;
  }

  /**
   * Finishes the hash. Call it once, after the last `update`.
   *
   * @returns The 32-byte digest.
   */
  digest(): Uint8Array {
    const bits = this.#length * 8;
    const end = this.#buffered < 56 ? 64 : 128;
    this.#buffer.fill(0, this.#buffered);
    this.#buffer[this.#buffered] = 0x80;
    this.#view.setUint32(end - 8, Math.floor(bits / 0x100000000));
    this.#view.setUint32(end - 4, bits >>> 0);
    sha256Blocks(this.#h, this.#view, 0, end >>> 6);
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setInt32(i * 4, this.#h[i]);
    return out;
  }
}
