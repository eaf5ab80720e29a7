/**
 * A real OTLP/HTTP receiver on 127.0.0.1 for exporter tests (node:http works on Deno, Node and
 * Bun; not in workerd). It gunzips and decodes every body (protobuf with the independent
 * protobufjs decoder, JSON with `JSON.parse`), records the span ids, and misbehaves on request:
 * each request consumes the next planned behaviour; with none planned it answers 200.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gunzipSync } from "node:zlib";
import { captureDiagnostics } from "./otlp_helpers.ts";
import {
  type Decoded,
  decodeTraceRequest,
  encodePartialSuccessResponse,
  spanIdsOf,
} from "./otlp_proto.ts";

/** How the receiver answers one request. */
export type Behavior =
  /** Answer with this status (and optional `Retry-After` / body). Only 2xx counts as accepted. */
  | { status: number; retryAfter?: string; location?: string; body?: string; delayMs?: number }
  /** Process the request (its spans count as accepted) but never answer, like a lost response. */
  | { stall: true }
  /** Destroy the connection as soon as the body starts arriving (nothing accepted). */
  | { reset: true }
  /** Answer 200 with a partial success rejecting the first `rejected` spans of the request. */
  | { partial: { rejected: number; message: string } };

/** One request as the receiver saw it. */
export interface ReceivedRequest {
  /** Epoch ms of arrival (of the full body). */
  readonly at: number;
  /** The request path. */
  readonly path: string;
  /** Request headers (lower-case names). */
  readonly headers: http.IncomingHttpHeaders;
  /** Decompressed body bytes. */
  readonly body: Uint8Array;
  /** The decoded request, or undefined when it could not be decoded. */
  readonly decoded: Decoded;
  /** Span ids in the body, in order. */
  readonly spanIds: string[];
  /** Span ids the receiver accepted (counted as arrived). */
  readonly accepted: string[];
  /** What it did. */
  readonly outcome: string;
}

/** The misbehaving loopback receiver. */
export class OtlpReceiver {
  /** Every request, in arrival order (reset requests included, with no body). */
  readonly requests: ReceivedRequest[] = [];
  /**
   * A body limit in bytes as received (compressed), like a proxy's or a Collector's: a larger
   * request is answered 413 and accepts nothing, whatever is planned (the plan waits).
   */
  maxBodyBytes: number = Infinity;
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();
  readonly #plan: Behavior[] = [];
  #port = 0;
  #active = 0;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #maxActive = 0;

  private constructor() {
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  /**
   * Starts a receiver.
   *
   * @param port A fixed port (to come back up where a previous receiver was), or 0 for any.
   * @returns The listening receiver.
   */
  static async start(port = 0): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await new Promise<void>((resolve, reject) => {
      receiver.#server.once("error", reject);
      receiver.#server.listen(port, "127.0.0.1", () => resolve());
    });
    receiver.#port = (receiver.#server.address() as AddressInfo).port;
    return receiver;
  }

  /** The port. */
  get port(): number {
    return this.#port;
  }

  /** The traces URL. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}/v1/traces`;
  }

  /**
   * Plans the answers to the next requests, in order.
   *
   * @param behaviors One per request.
   */
  plan(...behaviors: Behavior[]): void {
    this.#plan.push(...behaviors);
  }

  /**
   * How many times each span id was accepted.
   *
   * @returns Span id → count.
   */
  acceptedCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.requests) {
      for (const id of r.accepted) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** The most requests that were open at the same time. */
  get maxConcurrent(): number {
    return this.#maxActive;
  }

  /** Stops listening and destroys every open connection (stalled ones included). */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const behavior = this.#plan.shift() ?? { status: 200 };
    this.#active++;
    this.#maxActive = Math.max(this.#maxActive, this.#active);
    res.on("close", () => this.#active--);
    const chunks: Uint8Array[] = [];
    req.on("data", (chunk: Uint8Array) => {
      if ("reset" in behavior) {
        if (req.socket.destroyed) return;
        this.#record(req, new Uint8Array(0), "reset", false);
        req.socket.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if ("reset" in behavior) return;
      let body = new Uint8Array(Buffer.concat(chunks));
      if (body.length > this.maxBodyBytes) {
        this.#plan.unshift(behavior);
        this.#record(req, new Uint8Array(0), "http_413", false);
        res.writeHead(413, { "content-type": "text/plain" });
        res.end("request entity too large");
        return;
      }
      if (req.headers["content-encoding"] === "gzip") body = new Uint8Array(gunzipSync(body));
      const json = String(req.headers["content-type"] ?? "").includes("json");
      if ("stall" in behavior) {
        this.#record(req, body, "stall", true);
        return; // never answer; close() destroys the socket
      }
      if ("partial" in behavior) {
        const { rejected, message } = behavior.partial;
        this.#record(req, body, "partial", true, rejected);
        const payload = json
          ? JSON.stringify({
            partialSuccess: { rejectedSpans: String(rejected), errorMessage: message },
          })
          : encodePartialSuccessResponse(rejected, message);
        res.writeHead(200, {
          "content-type": json ? "application/json" : "application/x-protobuf",
        });
        res.end(payload);
        return;
      }
      const ok = behavior.status >= 200 && behavior.status < 300;
      this.#record(req, body, `http_${behavior.status}`, ok);
      const headers: Record<string, string> = {
        "content-type": json ? "application/json" : "application/x-protobuf",
      };
      if (behavior.retryAfter !== undefined) headers["retry-after"] = behavior.retryAfter;
      if (behavior.location !== undefined) headers.location = behavior.location;
      const answer = (): void => {
        res.writeHead(behavior.status, headers);
        res.end(behavior.body ?? (ok && json ? "{}" : ""));
      };
      if (behavior.delayMs === undefined) answer();
      else {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          answer();
        }, behavior.delayMs);
        this.#timers.add(timer);
      }
    });
  }

  #record(
    req: http.IncomingMessage,
    body: Uint8Array,
    outcome: string,
    accept: boolean,
    skip = 0,
  ): void {
    let decoded: Decoded;
    let spanIds: string[] = [];
    try {
      const json = String(req.headers["content-type"] ?? "").includes("json");
      decoded = body.length === 0
        ? undefined
        : json
        ? JSON.parse(new TextDecoder().decode(body))
        : decodeTraceRequest(body);
      spanIds = decoded === undefined ? [] : spanIdsOf(decoded);
    } catch {
      decoded = undefined;
    }
    this.requests.push({
      at: Date.now(),
      path: req.url ?? "",
      headers: req.headers,
      body,
      decoded,
      spanIds,
      accepted: accept ? spanIds.slice(skip) : [],
      outcome,
    });
  }
}

/**
 * Runs `fn` with a started receiver while diagnostics are captured, closing both afterwards.
 *
 * @param fn The test body.
 */
export async function withReceiver(fn: (receiver: OtlpReceiver) => Promise<void>): Promise<void> {
  const receiver = await OtlpReceiver.start();
  const capture = captureDiagnostics();
  try {
    await fn(receiver);
  } finally {
    await receiver.close();
    capture.restore();
  }
}
