/**
 * The one UTF-8 encoder and decoder every module shares. Both are stateless as used here (no
 * `stream` option), so sharing them is safe; a streaming decode needs its own `TextDecoder`.
 *
 * @module
 */

/** Encodes strings as UTF-8 (lone surrogates become U+FFFD). */
export const utf8Encoder: TextEncoder = /* @__PURE__ */ new TextEncoder();

/** Decodes UTF-8 bytes (invalid sequences become U+FFFD; a leading BOM is dropped). */
export const utf8Decoder: TextDecoder = /* @__PURE__ */ new TextDecoder();
