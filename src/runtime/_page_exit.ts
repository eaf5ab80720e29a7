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
 * with their body, so the exporter's retry sends only what was not delivered. Where there is no
 * `document` (web and service workers, which no page exit ends) nothing is registered.
 *
 * @module
 */
import type { FetchLike } from "../exporter/otlp_http.ts";
import { splitOtlpBody } from "../exporter/_otlp_split.ts";
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
 * (synchronously). The parts a failed request did not deliver are remembered with the body, so
 * the exporter's retry of that body (its retry policy and deadline decide) sends only those,
 * hidden or not: no span is delivered twice. The answer is the first failure (a rejection
 * rejects), else the first answer.
 *
 * @param inner The fetch to call; the global `fetch` at call time by default.
 * @returns The wrapped fetch.
 */
export function pageFetch(inner?: FetchLike): FetchLike {
  return async (url, init) => {
    const send: FetchLike = inner ?? ((u, i) => fetch(u, i));
    const body = init.body as Uint8Array;
    const left = undelivered.get(body);
    if (!left && !page.hidden) return send(url, init);
    const headers = (init.headers ?? {}) as Record<string, string>;
    const parts = left ??
      (headers["content-encoding"] || !(body instanceof Uint8Array)
        ? [body]
        : splitOtlpBody(body, headers["content-type"] ?? "", KEEPALIVE_BYTES));
    const results = await Promise.allSettled(parts.map((part) => sendPart(send, url, init, part)));
    const failed = results.filter((r) => r.status === "rejected" || !r.value.ok);
    if (left || parts.length > 1) {
      const rest = parts.filter((_, i) => failed.includes(results[i]));
      if (rest.length > 0) undelivered.set(body, rest);
      else undelivered.delete(body);
    }
    const answer = failed[0] ?? results[0];
    for (const r of results) {
      // The answers not handed on are not read: free their connections.
      if (r !== answer && r.status === "fulfilled") r.value.body?.cancel().catch(() => {});
    }
    if (answer.status === "rejected") throw answer.reason;
    return answer.value;
  };
}

/** The parts of split bodies that were not delivered yet, by body. */
const undelivered = new WeakMap<object, Uint8Array[]>();

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
