/**
 * Attributes of the Workers preset's root spans that only workerd gives: what `request.cf` and
 * `cf-connecting-ip` tell about an HTTP request (no other header is recorded), and the attributes
 * of invocations that are not HTTP (cron triggers and queues).
 *
 * @module
 */
import type { Attributes } from "../types.ts";

/** The part of workerd's `request.cf` object the preset reads. */
interface CfProperties {
  readonly httpProtocol?: unknown;
  readonly colo?: unknown;
}

/**
 * What workerd tells about a request beyond the request itself, for its server span: the client
 * address (`cf-connecting-ip`), the protocol version and the Cloudflare data center (`request.cf`).
 * The other request attributes are the shared server ones (`src/http/_server_span.ts`).
 *
 * @param request The incoming request.
 * @returns The attributes.
 */
export function cloudflareRequestAttributes(request: Request): Attributes {
  const attributes: Attributes = {};
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
