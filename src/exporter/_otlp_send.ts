/**
 * The OTLP/HTTP transport: one POST per attempt with a per-attempt timeout, at most N requests in
 * flight, and a retry loop with backoff and `Retry-After` inside one overall deadline. Every
 * outcome is classified; nothing here throws.
 *
 * @module
 */
import { parsePartialSuccess, type PartialSuccess } from "../otlp/partial_success.ts";
import {
  backoffDelay,
  isRetryableStatus,
  type Limiter,
  type RetryPolicy,
  sleep,
} from "./_retry.ts";
import { parseRetryAfter } from "./_retry_after.ts";

/** The subset of `fetch` the exporter uses (inject an un-instrumented one if needed). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Where and how requests are sent. */
export interface Transport {
  /** The fetch implementation. */
  readonly fetch: FetchLike;
  /** The traces URL. */
  readonly url: string;
  /** Headers for every request (content headers are added per request). */
  readonly headers: Readonly<Record<string, string>>;
  /** Limits requests in flight. */
  readonly limiter: Limiter;
  /** Backoff settings. */
  readonly retry: RetryPolicy;
  /** Upper bound of one attempt in ms (the remaining deadline bounds it too). */
  readonly attemptTimeoutMillis: number;
}

/** One request to deliver. */
export interface SendRequest {
  /** The body as sent (compressed when `gzip`). */
  readonly body: Uint8Array;
  /** `Content-Type` of the uncompressed body. */
  readonly contentType: string;
  /** True when `body` is gzip-compressed. */
  readonly gzip: boolean;
  /** Epoch ms by which all attempts must be over. */
  readonly deadline: number;
  /** Aborts attempts and waits. */
  readonly signal?: AbortSignal;
  /** Attempts allowed for this request (at most the policy's). */
  readonly maxAttempts: number;
}

/** The outcome of {@linkcode send}. */
export type SendResult =
  | {
    readonly ok: true;
    /** Attempts made (1 = no retry). */
    readonly attempts: number;
    /** What the receiver rejected, if anything. */
    readonly partial?: PartialSuccess;
  }
  | {
    readonly ok: false;
    /** Attempts made. */
    readonly attempts: number;
    /** Whether the last failure was a retryable one (the server may accept it later). */
    readonly retryable: boolean;
    /** The last failure: `http_<status>`, `timeout`, `network` or `aborted`. */
    readonly reason: string;
    /** Why retrying stopped: `deadline`, `attempts`, `status` (non-retryable) or `aborted`. */
    readonly stoppedBy: "deadline" | "attempts" | "status" | "aborted";
    /** The server's `Retry-After`, in ms, when it sent one. */
    readonly retryAfterMillis?: number;
    /** A short description for diagnostics (may contain server text; redact before use). */
    readonly detail?: string;
  };

interface Attempt {
  status: number;
  reason: string;
  body?: Uint8Array;
  contentType?: string | null;
  retryAfter?: string | null;
  detail?: string;
}

const utf8 = new TextDecoder();

async function attempt(t: Transport, req: SendRequest): Promise<Attempt> {
  await t.limiter.acquire();
  const timeout = Math.min(t.attemptTimeoutMillis, req.deadline - Date.now());
  if (timeout <= 0) {
    t.limiter.release();
    return { status: 0, reason: "timeout", detail: "no time left before the deadline" };
  }
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeout);
  const onAbort = (): void => controller.abort();
  req.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const headers: Record<string, string> = { ...t.headers, "content-type": req.contentType };
    if (req.gzip) headers["content-encoding"] = "gzip";
    const response = await t.fetch(t.url, {
      method: "POST",
      headers,
      body: req.body as Uint8Array<ArrayBuffer>,
      signal: controller.signal,
    });
    const body = new Uint8Array(await response.arrayBuffer());
    return {
      status: response.status,
      reason: `http_${response.status}`,
      body,
      contentType: response.headers.get("content-type"),
      retryAfter: response.headers.get("retry-after"),
    };
  } catch (error) {
    const reason = timedOut ? "timeout" : req.signal?.aborted ? "aborted" : "network";
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { status: 0, reason, detail };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", onAbort);
    t.limiter.release();
  }
}

function bodyText(a: Attempt): string | undefined {
  if (a.body === undefined || a.body.length === 0) return undefined;
  const text = utf8.decode(a.body.subarray(0, 512)).replace(/\s+/g, " ").trim();
  return text === "" ? undefined : text.slice(0, 300);
}

/**
 * Sends one request, retrying retryable failures with backoff (or the server's `Retry-After`)
 * while attempts and the deadline allow. A `Retry-After` that would end past the deadline stops
 * the retries at once (the caller keeps the batch for later instead of hammering the server).
 *
 * @param t The transport.
 * @param req The request.
 * @returns The classified outcome; never rejects.
 */
export async function send(t: Transport, req: SendRequest): Promise<SendResult> {
  const maxAttempts = Math.max(1, Math.min(req.maxAttempts, t.retry.maxAttempts));
  let attempts = 0;
  for (;;) {
    if (req.signal?.aborted) {
      return { ok: false, attempts, retryable: true, reason: "aborted", stoppedBy: "aborted" };
    }
    const a = await attempt(t, req);
    attempts++;
    if (a.status >= 200 && a.status < 300) {
      const partial = parsePartialSuccess(
        a.body ?? new Uint8Array(0),
        a.contentType ?? null,
        req.contentType.includes("json"),
      );
      return partial === undefined ? { ok: true, attempts } : { ok: true, attempts, partial };
    }
    if (a.reason === "aborted") {
      return { ok: false, attempts, retryable: true, reason: "aborted", stoppedBy: "aborted" };
    }
    const detail = a.detail ?? bodyText(a);
    const retryable = a.status === 0 || isRetryableStatus(a.status);
    if (!retryable) {
      return { ok: false, attempts, retryable, reason: a.reason, stoppedBy: "status", detail };
    }
    const retryAfterMillis = parseRetryAfter(a.retryAfter, Date.now());
    const base = {
      ok: false as const,
      attempts,
      retryable,
      reason: a.reason,
      detail,
      retryAfterMillis,
    };
    if (attempts >= maxAttempts) return { ...base, stoppedBy: "attempts" };
    const delay = retryAfterMillis ?? backoffDelay(attempts, t.retry);
    if (Date.now() + delay >= req.deadline) return { ...base, stoppedBy: "deadline" };
    if (!(await sleep(delay, req.signal))) {
      return { ...base, reason: "aborted", stoppedBy: "aborted" };
    }
  }
}

/**
 * The reason spans of a failed send are dropped under when there is no outbox: the status for a
 * non-retryable answer (`http_400`), else why retrying stopped (`deadline`, `retries_exhausted`,
 * `aborted`).
 *
 * @param result A failed send.
 * @returns The drop reason.
 */
export function dropReasonOf(result: SendResult & { ok: false }): string {
  if (result.stoppedBy === "status") return result.reason;
  return result.stoppedBy === "attempts" ? "retries_exhausted" : result.stoppedBy;
}
