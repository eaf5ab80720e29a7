/**
 * OpenTelemetry HTTP server semantic-convention attributes for the Workers preset's root span:
 * the span name, request attributes (method, URL parts, host, user agent, client address,
 * protocol) and the attributes of invocations that are not HTTP (cron triggers and queues).
 *
 * The query string is left out unless asked for (it often carries tokens), and no header other
 * than `user-agent` and `cf-connecting-ip` is recorded.
 *
 * @module
 */
import type { Attributes } from "../types.ts";

const KNOWN_METHODS = new Set([
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "TRACE",
]);

/** The port a URL without an explicit one uses, by scheme. */
const DEFAULT_PORTS: Readonly<Record<string, number>> = { "http:": 80, "https:": 443 };

/** The part of workerd's `request.cf` object the preset reads. */
interface CfProperties {
  readonly httpProtocol?: unknown;
  readonly colo?: unknown;
}

/**
 * The semantic-convention method: the method when it is a known HTTP method, else `_OTHER`.
 *
 * @param method The request method.
 * @returns The attribute value.
 */
export function httpMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : "_OTHER";
}

/**
 * Request attributes of an HTTP server span.
 *
 * @param request The incoming request.
 * @param recordQuery Whether to record `url.query`.
 * @returns The attributes.
 */
export function requestAttributes(request: Request, recordQuery: boolean): Attributes {
  const attributes: Attributes = {
    "http.request.method": httpMethod(request.method),
  };
  if (attributes["http.request.method"] === "_OTHER") {
    attributes["http.request.method_original"] = request.method;
  }
  try {
    const url = new URL(request.url);
    attributes["url.scheme"] = url.protocol.replace(/:$/, "");
    attributes["url.path"] = url.pathname;
    attributes["server.address"] = url.hostname;
    const port = url.port !== "" ? Number(url.port) : DEFAULT_PORTS[url.protocol];
    if (port !== undefined) attributes["server.port"] = port;
    if (recordQuery && url.search !== "") attributes["url.query"] = url.search.slice(1);
  } catch {
    // An unparsable URL leaves the URL attributes out.
  }
  const agent = request.headers.get("user-agent");
  if (agent !== null) attributes["user_agent.original"] = agent;
  const client = request.headers.get("cf-connecting-ip");
  if (client !== null) attributes["client.address"] = client;
  const cf = (request as { cf?: CfProperties }).cf;
  const protocol = typeof cf?.httpProtocol === "string"
    ? /^HTTP\/(.+)$/i.exec(cf.httpProtocol)
    : null;
  if (protocol !== null) {
    attributes["network.protocol.name"] = "http";
    attributes["network.protocol.version"] = protocol[1];
  }
  if (typeof cf?.colo === "string") attributes["cloudflare.colo"] = cf.colo;
  const length = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isSafeInteger(length) && length >= 0) attributes["http.request.body.size"] = length;
  return attributes;
}

/** The part of a Workers `ScheduledController` the preset reads. */
export interface ScheduledControllerLike {
  /** The cron expression that fired (empty for manual triggers). */
  readonly cron?: string;
  /** When the run was scheduled, epoch ms. */
  readonly scheduledTime?: number;
}

/**
 * Attributes of a cron-triggered invocation.
 *
 * @param controller The scheduled controller.
 * @returns The attributes.
 */
export function scheduledAttributes(controller: ScheduledControllerLike | undefined): Attributes {
  const attributes: Attributes = { "faas.trigger": "timer" };
  if (typeof controller?.cron === "string" && controller.cron !== "") {
    attributes["faas.cron"] = controller.cron;
  }
  const time = controller?.scheduledTime;
  if (typeof time === "number" && Number.isFinite(time)) {
    attributes["faas.time"] = new Date(time).toISOString();
  }
  return attributes;
}

/** The part of a Workers `MessageBatch` the preset reads. */
export interface MessageBatchLike {
  /** The queue's name. */
  readonly queue?: string;
  /** The messages of this batch. */
  readonly messages?: readonly unknown[];
}

/**
 * Attributes of a queue-consumer invocation.
 *
 * @param batch The message batch.
 * @returns The attributes.
 */
export function queueAttributes(batch: MessageBatchLike | undefined): Attributes {
  const attributes: Attributes = {
    "faas.trigger": "pubsub",
    "messaging.system": "cloudflare_queues",
    "messaging.operation.name": "process",
    "messaging.operation.type": "process",
  };
  if (typeof batch?.queue === "string") attributes["messaging.destination.name"] = batch.queue;
  if (Array.isArray(batch?.messages)) {
    attributes["messaging.batch.message_count"] = batch.messages.length;
  }
  return attributes;
}
