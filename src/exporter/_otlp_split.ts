/**
 * Splitting an encoded OTLP traces request (protobuf or JSON, uncompressed) into several valid
 * requests of at most about `max` bytes each, spans kept in order with their resource and scope.
 * Used for keepalive requests, whose bodies browsers bound (64 KiB in flight), and to halve a
 * request refused as too large (413). A single span larger than `max` makes a request of its own. Each part tells how many spans it carries, so
 * the spans of a part the receiver refuses can be counted.
 *
 * @module
 */

/** One resource's or scope's own fields, and what it holds. */
interface Group<T> {
  readonly head: T;
  readonly items: T[];
}

/** One request of a split body, and how many spans it carries. */
export interface OtlpPart {
  /** The encoded request. */
  readonly body: Uint8Array;
  /** Its spans; unknown (`undefined`) when the body was not split. */
  readonly spans?: number;
}

/** A part of a body that was split: its span count is known. */
export type CountedPart = OtlpPart & { readonly spans: number };

/** A chunk's resources, each with its scopes. */
type Chunk<T> = { head: T; scopes: Group<T>[] }[];

/** A request of `chunk`, encoded by `encode`, with its span count. */
function part<T>(chunk: Chunk<T>, encode: (chunk: Chunk<T>) => Uint8Array): OtlpPart {
  let spans = 0;
  for (const resource of chunk) for (const scope of resource.scopes) spans += scope.items.length;
  return { body: encode(chunk), spans };
}

/**
 * Packs spans into chunks of at most `max` bytes, keeping their groups. `size` bounds what an
 * item adds to a request, and `framing` what a resource or scope adds beyond its head's `size`,
 * so a chunk of several spans never encodes to more than `max`.
 */
function pack<T>(
  resources: Group<T>[][],
  heads: (resource: Group<T>[]) => T,
  size: (item: T) => number,
  framing: number,
  max: number,
): Chunk<T>[] {
  const chunks: Chunk<T>[] = [];
  let chunk: Chunk<T> = [];
  let bytes = 0;
  for (const resource of resources) {
    let held: { head: T; scopes: Group<T>[] } | undefined;
    for (const scope of resource) {
      let into: Group<T> | undefined;
      for (const span of scope.items) {
        const cost = () =>
          size(span) + (into ? 0 : size(scope.head) + framing) +
          (held ? 0 : size(heads(resource)) + framing);
        if (bytes > 0 && bytes + cost() > max) {
          chunks.push(chunk);
          chunk = [];
          bytes = 0;
          held = into = undefined;
        }
        bytes += cost();
        if (!held) chunk.push(held = { head: heads(resource), scopes: [] });
        if (!into) held.scopes.push(into = { head: scope.head, items: [] });
        into.items.push(span);
      }
    }
  }
  if (bytes > 0) chunks.push(chunk);
  return chunks;
}

function varint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let scale = 1;; scale *= 128) {
    const byte = bytes[at++];
    if (byte === undefined) throw new RangeError("truncated protobuf");
    value += (byte & 127) * scale;
    if (byte < 128) return [value, at];
  }
}

/** A message's fields: [number, start of the tag, start of a length-delimited value, end]. */
function fields(bytes: Uint8Array, start: number, end: number): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  for (let at = start; at < end;) {
    const [tag, next] = varint(bytes, at);
    let value = next;
    let stop: number;
    const type = tag % 8;
    if (type === 2) {
      const [length, from] = varint(bytes, next);
      value = from;
      stop = from + length;
    } else if (type === 0) stop = varint(bytes, next)[1];
    else if (type === 1 || type === 5) stop = next + (type === 1 ? 8 : 4);
    else throw new RangeError("unsupported protobuf wire type");
    if (stop > end) throw new RangeError("truncated protobuf");
    out.push([Math.floor(tag / 8), at, value, stop]);
    at = stop;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) out.set(part, (at += part.length) - part.length);
  return out;
}

function varintBytes(n: number): Uint8Array {
  const out: number[] = [];
  for (;; n = Math.floor(n / 128)) {
    if (n < 128) return new Uint8Array([...out, n]);
    out.push((n % 128) | 128);
  }
}

function lengthDelimited(tag: number, parts: Uint8Array[]): Uint8Array {
  const body = concat(parts);
  return concat([new Uint8Array([tag]), varintBytes(body.length), body]);
}

/** Splits an OTLP/protobuf `ExportTraceServiceRequest` (throws when it is malformed). */
function splitProtobuf(body: Uint8Array, max: number): OtlpPart[] {
  // Field 1 of the request: ResourceSpans; its field 2: ScopeSpans; their field 2: Span.
  const split = (message: Uint8Array): Group<Uint8Array> => {
    const head: Uint8Array[] = [];
    const items: Uint8Array[] = [];
    for (const [number, tag, value, stop] of fields(message, 0, message.length)) {
      if (number === 2) items.push(message.subarray(value, stop));
      else head.push(message.subarray(tag, stop));
    }
    return { head: concat(head), items };
  };
  const heads = new Map<Group<Uint8Array>[], Uint8Array>();
  const resources = fields(body, 0, body.length).filter(([number]) => number === 1).map(
    ([, , value, stop]) => {
      const resource = split(body.subarray(value, stop));
      const scopes = resource.items.map(split);
      heads.set(scopes, resource.head);
      return scopes;
    },
  );
  // A span, scope or resource adds its bytes, a tag and a length (at most 3 bytes below 2 MiB).
  const encode = (chunk: Chunk<Uint8Array>) =>
    concat(chunk.map((resource) =>
      lengthDelimited(0x0a, [
        resource.head,
        ...resource.scopes.map((scope) =>
          lengthDelimited(0x12, [
            scope.head,
            ...scope.items.map((span) => lengthDelimited(0x12, [span])),
          ])
        ),
      ])
    ));
  return pack(resources, (r) => heads.get(r)!, (item) => item.length + 4, 0, max).map((chunk) =>
    part(chunk, encode)
  );
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** Splits an OTLP/JSON request. */
function splitJson(body: Uint8Array, max: number): OtlpPart[] {
  const encoder = new TextEncoder();
  const request: Json = JSON.parse(new TextDecoder().decode(body));
  const heads = new Map<Group<Json>[], Json>();
  const resources = (request.resourceSpans as Json[]).map(({ scopeSpans, ...head }) => {
    const scopes = (scopeSpans as Json[]).map(({ spans, ...scope }) => ({
      head: scope,
      items: spans as Json[],
    }));
    heads.set(scopes, head);
    return scopes;
  });
  // An item adds its JSON and a comma; a resource or scope adds its head's JSON (with the comma)
  // and `,"scopeSpans":[` … `]` or `,"spans":[` … `]` (at most 16 bytes more); the request adds
  // `{"resourceSpans":[` … `]}` (20 bytes).
  const size = (item: Json) => encoder.encode(JSON.stringify(item)).length + 1;
  const encode = (chunk: Chunk<Json>) =>
    encoder.encode(JSON.stringify({
      resourceSpans: chunk.map((resource) => ({
        ...resource.head,
        scopeSpans: resource.scopes.map((scope) => ({ ...scope.head, spans: scope.items })),
      })),
    }));
  return pack(resources, (r) => heads.get(r), size, 16, max - 20).map((chunk) =>
    part(chunk, encode)
  );
}

/**
 * Splits an uncompressed OTLP traces request into requests of at most about `max` bytes, each
 * with the number of spans it carries.
 *
 * @param body The encoded request.
 * @param contentType `application/json` for OTLP/JSON, else protobuf.
 * @param max The target size of each request in bytes.
 * @returns The requests (one, the body itself with no span count, when it fits or cannot be
 *   split).
 * @example
 * ```ts
 * import { splitOtlpBody } from "./_otlp_split.ts";
 * const body = new TextEncoder().encode('{"resourceSpans":[]}');
 * console.log(splitOtlpBody(body, "application/json", 10).length); // 1
 * ```
 */
export function splitOtlpBody(body: Uint8Array, contentType: string, max: number): OtlpPart[] {
  if (body.length <= max) return [{ body }];
  try {
    const parts = contentType.startsWith("application/json")
      ? splitJson(body, max)
      : splitProtobuf(body, max);
    return parts.length > 0 ? parts : [{ body }];
  } catch {
    return [{ body }];
  }
}

/**
 * Cuts an uncompressed OTLP traces request into parts of about half its size, spans kept in
 * order, each with the number of spans it carries. Packing to half the size fills the first part
 * to at most half and usually leaves a small third part (a span larger than half the body makes a
 * part of its own); unless `atMostHalf`, a body cut in three is packed again to the size of what
 * follows the first part, which moves the cut by about one span and leaves two parts (three are
 * kept when it does not). The same bytes are always cut the same way.
 *
 * @param body The encoded request.
 * @param contentType `application/json` for OTLP/JSON, else protobuf.
 * @param atMostHalf Keep every part within half the body's size (no packing again), so three
 *   parts are more frequent.
 * @returns Two (sometimes three) parts, or undefined when the body cannot be cut (a single span,
 *   a malformed body).
 * @example
 * ```ts
 * import { halveOtlpBody } from "./_otlp_split.ts";
 * const body = new TextEncoder().encode('{"resourceSpans":[]}');
 * console.log(halveOtlpBody(body, "application/json")); // undefined: no span to cut between
 * ```
 */
export function halveOtlpBody(
  body: Uint8Array,
  contentType: string,
  atMostHalf?: boolean,
): CountedPart[] | undefined {
  let parts = splitOtlpBody(body, contentType, Math.ceil(body.length / 2));
  if (parts.length > 2 && !atMostHalf) {
    const wider = splitOtlpBody(body, contentType, body.length - parts[0].body.length);
    if (wider.length === 2) parts = wider;
  }
  // A body split in several parts: each carries its span count (at least one).
  return parts.length > 1 ? parts as CountedPart[] : undefined;
}

/**
 * Encodes the answer to a split request whose parts were all accepted: an OTLP
 * `ExportTraceServiceResponse` in the request's encoding, whose partial success carries the
 * spans the receiver rejected in all the parts together.
 *
 * @param rejected The rejected spans of all the parts.
 * @param message A receiver's explanation (may be empty).
 * @param contentType `application/json` for OTLP/JSON, else protobuf.
 * @returns The response body.
 * @example
 * ```ts
 * import { encodePartialSuccess } from "./_otlp_split.ts";
 * encodePartialSuccess(3, "", "application/x-protobuf"); // partial_success { rejected_spans: 3 }
 * ```
 */
export function encodePartialSuccess(
  rejected: number,
  message: string,
  contentType: string,
): Uint8Array {
  const text = new TextEncoder().encode(
    contentType.startsWith("application/json")
      ? JSON.stringify({ partialSuccess: { rejectedSpans: rejected, errorMessage: message } })
      : message,
  );
  if (contentType.startsWith("application/json")) return text;
  // Field 1 of the response: ExportTracePartialSuccess { 1: rejected_spans, 2: error_message }.
  return lengthDelimited(0x0a, [
    new Uint8Array([0x08]),
    varintBytes(rejected),
    lengthDelimited(0x12, [text]),
  ]);
}
