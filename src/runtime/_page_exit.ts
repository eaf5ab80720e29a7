/**
 * The web preset's page-exit flush. Browsers give a page no exit hook that waits: when it is
 * hidden (`visibilitychange` to `hidden`, the last event every browser fires reliably, also on
 * mobile) or left (`pagehide`), tracelet flushes at once, and every request sent while the page
 * stays hidden goes out with `fetch(…, { keepalive: true })`, which the browser completes after
 * the page is gone. The request must be *started* in the event's task: the flush reaches `fetch`
 * through promise jobs only (no timer, no gzip: `CompressionStream` is asynchronous, so the web
 * default is no compression). Browsers refuse keepalive bodies past 64 KiB in flight, so a body
 * is split into requests of at most {@linkcode KEEPALIVE_BYTES}, sent keepalive while they fit
 * the page's budget and as ordinary requests after that. The parts that failed are remembered
 * by the body's content (for the last 64 split bodies), so the exporter's retry, or the outbox's
 * redelivery of its copy, sends only what was not delivered. A part of several spans refused as
 * too large (413, a receiver's body limit below the parts' size) is sent again as parts of at most
 * half its size, halved while refused, so only a span too large on its own is lost (answering the
 * exporter 413 would make it send the parts already delivered again). A part refused for good (a
 * status not worth retrying) is not sent again: its spans count as rejected in the partial
 * success the split body is answered with once the rest is delivered. Where there is no
 * `document` (web and service workers, which no page exit ends) nothing is registered.
 *
 * @module
 */
import type { FetchLike } from "../exporter/otlp_http_options.ts";
import {
  encodePartialSuccess,
  halveOtlpBody,
  type OtlpPart,
  splitOtlpBody,
} from "../exporter/_otlp_split.ts";
import { readBodyStart } from "../exporter/_read_body.ts";
import { isRetryableStatus } from "../exporter/_retry.ts";
import { parseJsonPartialSuccess, parseProtobufPartialSuccess } from "../otlp/partial_success.ts";
import type { FlushReport } from "../types.ts";

/** The body bytes tracelet keeps in flight with `keepalive` (browsers allow 64 KiB per page). */
export const KEEPALIVE_BYTES: number = 60 * 1024;

/** The page's state: hidden (requests go keepalive) and keepalive bytes in flight. */
export const page: { hidden: boolean; bytes: number } = { hidden: false, bytes: 0 };

interface Target {
  addEventListener?(type: string, listener: () => void): void;
  removeEventListener?(type: string, listener: () => void): void;
}

/**
 * Wraps the exporter's `fetch`: while the page is hidden, an uncompressed body over
 * {@linkcode KEEPALIVE_BYTES} is split into several requests, and each request that fits the
 * page's keepalive budget is sent with `keepalive: true`. Every request is started at once
 * (synchronously). The parts a failed request did not deliver are remembered by the body's
 * content, so a retry of that body (the exporter's, or the outbox's redelivery of its copy)
 * sends only those, hidden or not: no span is delivered twice. A part of several spans refused
 * as too large (413) is sent again at once as parts of at most half its size, halved while
 * refused (at most 2n − 1 requests for its n spans); each of them counts as a part from then on.
 * A part refused for good (an answer not worth retrying, such as a 400, or a 413 to a single
 * span) is settled: its spans count as rejected. The answer is the first failure worth retrying
 * (a rejection rejects); when there is none, a 200 whose partial success sums the spans the
 * receiver rejected in every part (refused parts included), or, when no part was ever accepted,
 * the first refusal.
 *
 * @param inner The fetch to call; the global `fetch` at call time by default.
 * @returns The wrapped fetch.
 */
export function pageFetch(inner?: FetchLike): FetchLike {
  return async (url, init) => {
    const send: FetchLike = inner ?? ((u, i) => fetch(u, i));
    const body = init.body as Uint8Array;
    const headers = (init.headers ?? {}) as Record<string, string>;
    const type = headers["content-type"] ?? "";
    const splittable = body instanceof Uint8Array && !headers["content-encoding"];
    // Looked up by content: the outbox hands back a copy of a body it parked.
    let key = splittable && undelivered.size > 0 ? digest(body, type) : undefined;
    const memo = key === undefined ? undefined : undelivered.get(key);
    if (!memo && !page.hidden) return send(url, init);
    const all = splittable ? splitOtlpBody(body, type, KEEPALIVE_BYTES) : [{ body }];
    const paths = memo?.left ?? all.map((_, i) => [i]);
    const sends: Promise<Delivery[]>[] = [];
    for (const path of paths) {
      const part = partAt(all, path, type);
      if (part) sends.push(deliver(send, url, init, type, path, part));
    }
    const deliveries = (await Promise.all(sends)).flat();
    const results = deliveries.map((d) => d.result);
    const failed = results.filter((r) => r.status === "rejected" || !r.value.ok);
    if (all.length < 2) return answer(failed[0] ?? results[0], results);
    // The spans the receiver rejected in the parts it accepted or refused for good, counted over
    // every attempt, and whether it accepted any part.
    let { rejected = 0, message = "", accepted = false } = memo ?? {};
    const parse = type.startsWith("application/json")
      ? parseJsonPartialSuccess
      : parseProtobufPartialSuccess;
    const left: number[][] = [];
    let retry: PromiseSettledResult<Response> | undefined;
    for (const { path, part, result: r } of deliveries) {
      if (r.status === "fulfilled" && r.value.ok) {
        const partial = parse(await readBodyStart(r.value).catch(() => new Uint8Array()));
        rejected += partial?.rejectedSpans ?? 0;
        message ||= partial?.errorMessage ?? "";
        accepted = true;
      } else if (refused(r)) {
        rejected += part.spans!;
        message ||= `http_${r.value.status || "redirect"}`;
      } else {
        left.push(path);
        retry ??= r;
      }
    }
    key ??= digest(body, type);
    undelivered.delete(key);
    if (left.length > 0) undelivered.set(key, { left, rejected, message, accepted });
    // The oldest body forgotten past the bound: a later retry of it sends every part again.
    if (undelivered.size > REMEMBERED) undelivered.delete(undelivered.keys().next().value!);
    if (retry || !accepted) return answer(retry ?? failed[0], results);
    release(results);
    return new Response(
      rejected || message
        ? encodePartialSuccess(rejected, message, type) as Uint8Array<ArrayBuffer>
        : null,
      { status: 200, headers: { "content-type": type } },
    );
  };
}

/** A part sent, where it is among a body's parts and their halves, and its answer. */
interface Delivery {
  /** Its index among the body's parts, then among the halves of each part refused as too large. */
  readonly path: number[];
  readonly part: OtlpPart;
  readonly result: PromiseSettledResult<Response>;
}

/**
 * Sends a part (started at once). A part of several spans refused as too large (413) is sent
 * again as parts of at most half its size, at once, each halved again while refused.
 *
 * @returns The delivery of the part, or of each of its halves (in order).
 */
async function deliver(
  send: FetchLike,
  url: string,
  init: RequestInit,
  type: string,
  path: number[],
  part: OtlpPart,
): Promise<Delivery[]> {
  const [result] = await Promise.allSettled([sendPart(send, url, init, part.body)]);
  const tooLarge = result.status === "fulfilled" && result.value.status === 413;
  const halves = tooLarge && (part.spans ?? 0) > 1 ? halve(part, type) : undefined;
  if (!halves) return [{ path, part, result }];
  release([result]);
  const sent = halves.map((half, i) => deliver(send, url, init, type, [...path, i], half));
  return (await Promise.all(sent)).flat();
}

/**
 * A part cut into parts of at most half its size, spans kept in order (two, sometimes three; a
 * span larger than half a part makes one of its own), or undefined when it cannot be cut. The
 * one cut {@linkcode deliver} and {@linkcode partAt} both make, so a path finds the part it names.
 */
function halve(part: OtlpPart, type: string): OtlpPart[] | undefined {
  return halveOtlpBody(part.body, type, true); // at most half: no packing again
}

/** The part at `path` (see {@linkcode Delivery}), cut again the same way; undefined if none. */
function partAt(all: OtlpPart[], path: number[], type: string): OtlpPart | undefined {
  let part: OtlpPart | undefined = all[path[0]];
  for (const i of path.slice(1)) part = part && halve(part, type)?.[i];
  return part;
}

/**
 * Whether a failed part was refused for good: an answer the exporter would not retry (a 4xx but
 * 429, a 5xx but 502 to 504, a redirect); a network error is retried.
 */
function refused(r: PromiseSettledResult<Response>): r is PromiseFulfilledResult<Response> {
  if (r.status === "rejected") return false;
  const status = r.value.type == "opaqueredirect" ? 300 : r.value.status;
  return status > 0 && !isRetryableStatus(status);
}

/** Frees the connections of the answers whose body is not read, but `kept`'s. */
function release(all: PromiseSettledResult<Response>[], kept?: PromiseSettledResult<Response>) {
  for (const r of all) {
    if (r !== kept && r.status === "fulfilled" && !r.value.bodyUsed) {
      r.value.body?.cancel().catch(() => {});
    }
  }
}

/** Hands on one answer (a rejection rejects) and frees the connections of the others. */
function answer(chosen: PromiseSettledResult<Response>, all: PromiseSettledResult<Response>[]) {
  release(all, chosen);
  if (chosen.status === "rejected") throw chosen.reason;
  return chosen.value;
}

/** How many split bodies {@linkcode undelivered} remembers (the most recently sent). */
const REMEMBERED = 64;

/**
 * The paths (see {@linkcode Delivery}) of the parts of split bodies not delivered yet, the spans
 * rejected in the parts accepted or refused so far, and whether any part was accepted, by
 * {@linkcode digest} of the body, oldest first: a retry of the same bytes (the exporter's, or the
 * outbox's copy) finds them.
 */
const undelivered = new Map<
  string,
  { left: number[][]; rejected: number; message: string; accepted: boolean }
>();

/** A body's key: its content type, length and two 32-bit hashes (FNV-1a and a ×31 sum). */
function digest(body: Uint8Array, type: string): string {
  let fnv = 0x811c9dc5;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    fnv = Math.imul(fnv ^ body[i], 0x01000193);
    sum = (Math.imul(sum, 31) + body[i]) | 0;
  }
  return `${type} ${body.length} ${fnv >>> 0} ${sum >>> 0}`;
}

/** Sends one part, keepalive while the page is hidden and the part fits the page's budget. */
function sendPart(send: FetchLike, url: string, init: RequestInit, part: Uint8Array) {
  const size = part?.length ?? 0;
  const keepalive = page.hidden && page.bytes + size <= KEEPALIVE_BYTES;
  const request = { ...init, body: part as Uint8Array<ArrayBuffer> };
  // Started now; a fetch that throws at once rejects (its bytes are not counted for good).
  const sent = new Promise<Response>((resolve) =>
    resolve(send(url, keepalive ? { ...request, keepalive } : request))
  );
  if (!keepalive) return sent;
  page.bytes += size;
  return sent.finally(() => page.bytes -= size);
}

/**
 * Flushes when the page is hidden or left, and marks it hidden for {@linkcode pageFetch} until
 * it is visible again (`visibilitychange`, or `pageshow` back from the back/forward cache). No
 * timer; never throws. Nothing is registered without a `document` (workers).
 *
 * @param flush Exports everything pending (`configure()`'s `forceFlush`).
 * @returns Removes the listeners.
 */
export function onPageExit(flush: () => Promise<FlushReport>): () => void {
  const scope = globalThis as Target & { document?: Target & { visibilityState?: string } };
  const doc = scope.document;
  if (typeof doc?.addEventListener !== "function") return () => {};
  const hide = (): void => {
    page.hidden = true;
    try {
      flush().catch(() => {});
    } catch {
      // A flush that throws has nothing more to send.
    }
  };
  const show = (): void => void (page.hidden = false);
  const visibility = (): void => doc.visibilityState === "hidden" ? hide() : show();
  const on = typeof scope.addEventListener === "function";
  doc.addEventListener("visibilitychange", visibility);
  if (on) {
    scope.addEventListener!("pagehide", hide);
    scope.addEventListener!("pageshow", show);
  }
  return () => {
    doc.removeEventListener?.("visibilitychange", visibility);
    if (on) {
      scope.removeEventListener?.("pagehide", hide);
      scope.removeEventListener?.("pageshow", show);
    }
  };
}
