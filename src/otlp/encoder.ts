/**
 * The body encoding the OTLP/HTTP exporter uses, injected so a program only bundles the encodings
 * it uses: `OTLP_PROTOBUF_ENCODER` (the default) from `encode_protobuf.ts`,
 * `OTLP_JSON_ENCODER` from `encode_json.ts`, or a custom one.
 *
 * @module
 */
import type { SpanRecord } from "../types.ts";
import type { PartialSuccess } from "./partial_success.ts";

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
  /**
   * Reads the partial success of a 2xx response body (in this encoding). Optional: without it
   * every accepted span counts as delivered. Must not throw.
   *
   * @param body The response body.
   * @returns What the receiver rejected, or `undefined` for a full success.
   */
  parseResponse?(body: Uint8Array): PartialSuccess | undefined;
}
