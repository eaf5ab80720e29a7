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

/**
 * Decodes UTF-8 bytes exactly as stored: invalid sequences become U+FFFD, and a leading BOM is
 * kept as U+FEFF. Storage reads use it, so a line that starts with U+FEFF reads back as appended.
 */
export const utf8ExactDecoder: TextDecoder = /* @__PURE__ */ new TextDecoder("utf-8", {
  ignoreBOM: true,
});
