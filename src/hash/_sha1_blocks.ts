/**
 * The SHA-1 compression function (FIPS 180-4, 6.1.2) over whole 64-byte blocks, written for
 * V8's optimizing compiler: words are read with big-endian `DataView` loads, each of the four
 * 20-round stages is its own branch-free loop, and nothing is allocated per block. One call
 * compresses one block: a short function is optimized with full type feedback after a few
 * blocks, where one loop over all blocks was compiled mid-loop (on-stack replacement) without
 * feedback for the code after it, and ran at a third of the speed in about half the processes.
 *
 * @internal
 * @module
 */

/** The message schedule, reused by every call (the function is synchronous, never re-entered). */
const W = new Int32Array(80);

/** Compresses the block at byte `p` of `view` into `state`. */
function sha1Block(state: Int32Array, view: DataView, p: number): void {
  const w = W;
  for (let i = 0; i < 16; i++) w[i] = view.getInt32(p + i * 4);
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], t = 0, i = 0;
  for (; i < 20; i++) {
    t = (((a << 5) | (a >>> 27)) + (d ^ (b & (c ^ d))) + e + 0x5a827999 + w[i]) | 0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = t;
  }
  for (; i < 40; i++) {
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]) | 0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = t;
  }
  for (; i < 60; i++) {
    // 0x8f1bbcdc as a signed 32-bit integer.
    t = (((a << 5) | (a >>> 27)) + ((b & c) | (d & (b | c))) + e - 0x70e44324 + w[i]) | 0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = t;
  }
  for (; i < 80; i++) {
    // 0xca62c1d6 as a signed 32-bit integer.
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e - 0x359d3e2a + w[i]) | 0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = t;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
}

/**
 * Runs the compression function over `blocks` whole blocks of `view`, from byte `offset`,
 * updating `state` in place.
 *
 * @param state The five state words (H0…H4) as signed 32-bit integers.
 * @param view The message bytes.
 * @param offset Where the first block starts in `view`.
 * @param blocks How many 64-byte blocks to run.
 */
export function sha1Blocks(
  state: Int32Array,
  view: DataView,
  offset: number,
  blocks: number,
): void {
  for (let n = 0, p = offset; n < blocks; n++, p += 64) sha1Block(state, view, p);
}
