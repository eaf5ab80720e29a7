/**
 * The body encoding the OTLP/HTTP exporter uses, injected so a program only bundles the encodings
 * it uses: `OTLP_PROTOBUF_ENCODER` (the default) from `encode_protobuf.ts`,
 * `OTLP_JSON_ENCODER` from `encode_json.ts`, or a custom one.
 *
 * @module
 */
import type { SpanRecord } from "../types.ts";

/** Encodes a span batch as an OTLP `ExportTraceServiceRequest` body. */
export interface OtlpEncoder {
  /** The `Content-Type` of the bodies it produces (for example `application/x-protobuf`). */
  readonly contentType: string;
  /**
   * Encodes one batch. Must not throw for valid span records.
   *
   * @param spans The batch.
   * @returns The uncompressed request body.
   */
  encode(spans: readonly SpanRecord[]): Uint8Array;
}
