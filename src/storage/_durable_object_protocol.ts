/**
 * The wire format between {@linkcode DurableObjectStubStorage} (in a Worker) and
 * {@linkcode TraceletDurableObject} (the Durable Object): one POST per storage call whose body is
 * a frame `[u32 big-endian header length][header JSON][payload bytes]`. Binary values (blob bytes,
 * outbox bodies) travel in the payload, never as base64; the header says how to slice it.
 *
 * @module
 */
import { utf8Decoder, utf8Encoder } from "../utf8.ts";

/** The storage calls the Durable Object serves. */
export type DurableObjectOp =
  | "appendLines"
  | "readLines"
  | "putBlob"
  | "getBlob"
  | "hasBlob"
  | "enqueue"
  | "peek"
  | "update"
  | "ack"
  | "bytes";

/** The URL every call is posted to (the host is never resolved: a stub routes by itself). */
export const RPC_URL = "https://tracelet.durable-object/rpc";

/** A decoded frame. */
export interface Frame {
  /** The JSON header. */
  readonly header: Record<string, unknown>;
  /** The payload bytes (a view into the frame). */
  readonly payload: Uint8Array;
}

/**
 * Encodes a header and payload parts into one frame (copies the parts).
 *
 * @param header A JSON-serializable object.
 * @param parts Payload parts, concatenated in order.
 * @returns The frame bytes, over their own `ArrayBuffer` (a `BodyInit`; the type is not written
 *   `Uint8Array<ArrayBuffer>`, which TypeScript 5.6 and older reject in the shipped declarations).
 */
export function encodeFrame(
  header: Record<string, unknown>,
  parts: readonly Uint8Array[] = [],
): Uint8Array & { readonly buffer: ArrayBuffer } {
  const head = utf8Encoder.encode(JSON.stringify(header));
  let size = 4 + head.byteLength;
  for (const part of parts) size += part.byteLength;
  const frame = new Uint8Array(size);
  new DataView(frame.buffer).setUint32(0, head.byteLength);
  frame.set(head, 4);
  let offset = 4 + head.byteLength;
  for (const part of parts) {
    frame.set(part, offset);
    offset += part.byteLength;
  }
  return frame;
}

/**
 * Decodes a frame.
 *
 * @param bytes The frame bytes.
 * @returns The header and payload.
 * @throws {TypeError} When the frame is malformed.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.byteLength < 4) throw new TypeError("Cannot decode frame: it is shorter than 4 bytes");
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (4 + length > bytes.byteLength) throw new TypeError("Cannot decode frame: header overruns it");
  const header = JSON.parse(utf8Decoder.decode(bytes.subarray(4, 4 + length)));
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new TypeError("Cannot decode frame: header is not an object");
  }
  return { header, payload: bytes.subarray(4 + length) };
}

/**
 * Rebuilds an error sent by the Durable Object: `TypeError` and `RangeError` keep their class
 * (callers and the conformance suite rely on it); anything else becomes an `Error`.
 *
 * @param error The `{ name, message }` the object sent.
 * @returns The error to throw.
 */
export function reviveError(error: unknown): Error {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  const text = typeof message === "string" ? message : "Cannot use Durable Object storage";
  if (name === "TypeError") return new TypeError(text);
  if (name === "RangeError") return new RangeError(text);
  const revived = new Error(text);
  if (typeof name === "string") revived.name = name;
  return revived;
}
