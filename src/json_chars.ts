/**
 * The character codes of JSON's punctuation, shared by the code that writes JSON as bytes
 * (`otlp/json_writer.ts`, `otlp/encode_json.ts`) and the code that scans JSON text
 * (`redact/json_scan.ts`): the same values as UTF-8 bytes and as UTF-16 code units.
 *
 * @module
 */

/** `"` */
export const QUOTE = 0x22;
/** `\` */
export const BACKSLASH = 0x5c;
/** `:` */
export const COLON = 0x3a;
/** `,` */
export const COMMA = 0x2c;
/** `[` */
export const OPEN_BRACKET = 0x5b;
/** `]` */
export const CLOSE_BRACKET = 0x5d;
/** `{` */
export const OPEN_BRACE = 0x7b;
/** `}` */
export const CLOSE_BRACE = 0x7d;
