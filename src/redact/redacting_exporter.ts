/**
 * An exporter wrapper that redacts every span before the wrapped exporter sees it. This is how
 * tracelet applies "redaction before any exporter": tracer setups wrap each exporter in it.
 *
 * @module
 */
import type { ExportOptions, SpanExporter } from "../processor/types.ts";
import type {
  Attributes,
  FlushReport,
  Resource,
  SpanEvent,
  SpanLink,
  SpanRecord,
  SpanStatus,
} from "../types.ts";
import { report } from "../diagnostics.ts";
import { emptyReport } from "../processor/report.ts";
import { flushOptions } from "../exporter/_flush_limit.ts";
import { getRedactionPolicy } from "./global.ts";
import type { RedactionPolicy } from "./policy.ts";
import { scannedErrorLength, scannedErrorText } from "./truncate.ts";

const MESSAGE = "exception.message";
const STACK = "exception.stacktrace";
const AGENT_ERROR = "openai.error";

/** What a span's exception events tell about its status message (see `redactStatus`). */
interface ErrorTexts {
  /** Each exception message the policy changed, and its redacted form (the first one made). */
  readonly changed: Map<string, string>;
  /** Whether an exception event has a message that is not empty (or error text but no message). */
  message: boolean;
}

/** Each policy's redacted copy of each frozen resource (a tracer's is frozen, shared by spans). */
const resources = new WeakMap<RedactionPolicy, WeakMap<Resource, Resource>>();
/** The last lookup in `resources` (every span of a batch usually has the same resource). */
let last: { policy: RedactionPolicy; resource: Resource; redacted: Resource } | undefined;

/**
 * Returns a span record with redacted attributes, event and link attributes, status message and
 * resource attributes. Error text (the status message, and `exception.message` and
 * `exception.stacktrace` of events) is free text: JSON embedded in it is masked too (see
 * `RedactionPolicy.redactText`; only its first 4 × `maxStringLength` + 1024 code points, at most
 * 1 MiB, are scanned), and where the policy changed an exception's message, the original message
 * is replaced by the redacted one in the stack trace and the status message, so that a secret
 * masked in one cannot be read in the other. When the policy finds `exception.message` (or
 * `message`) sensitive, the status message of a span with an exception message is replaced whole,
 * since it may repeat the message in full where the event holds a cut copy. The span name, event
 * names and the instrumentation scope are names chosen by the code and are not redacted. When
 * nothing needs redacting the same record is returned; otherwise a new plain object.
 *
 * @param span A finished span.
 * @param policy The policy to apply.
 * @returns The redacted record.
 */
export function redactSpan(span: SpanRecord, policy: RedactionPolicy): SpanRecord {
  if (!policy.enabled) return span;
  let attributes = policy.redactAttributes(span.attributes);
  // The agent layer's error record: its message is error text, masked as free text by this
  // policy too (not only by the process-wide one when the span finished).
  const agentError = span.attributes[AGENT_ERROR];
  if (typeof agentError === "string" && !policy.isSensitiveKey(AGENT_ERROR)) {
    const text = scanError(agentError, policy);
    if (text !== attributes[AGENT_ERROR]) attributes = { ...attributes, [AGENT_ERROR]: text };
  }
  let errors: ErrorTexts | undefined;
  let events: SpanEvent[] | undefined;
  for (let i = 0; i < span.events.length; i++) {
    const event = span.events[i];
    const raw = event.attributes;
    const redacted = hasErrorText(raw)
      ? redactError(raw, policy, errors ??= { changed: new Map(), message: false })
      : policy.redactAttributes(raw);
    if (redacted !== event.attributes) {
      (events ??= span.events.slice())[i] = { ...event, attributes: redacted };
    }
  }
  let links: SpanLink[] | undefined;
  for (let i = 0; i < span.links.length; i++) {
    const link = span.links[i];
    const redacted = policy.redactAttributes(link.attributes);
    if (redacted !== link.attributes) {
      (links ??= span.links.slice())[i] = { ...link, attributes: redacted };
    }
  }
  const status = redactStatus(span.status, policy, errors);
  const resource = redactResource(span.resource, policy);
  if (
    attributes === span.attributes && events === undefined && links === undefined &&
    status === span.status && resource === span.resource
  ) return span;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    parentIsRemote: span.parentIsRemote,
    traceFlags: span.traceFlags,
    traceState: span.traceState,
    name: span.name,
    kind: span.kind,
    startTime: span.startTime,
    endTime: span.endTime,
    attributes,
    events: events ?? span.events,
    links: links ?? span.links,
    status,
    resource,
    scope: span.scope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** Whether event attributes hold an exception's message or stack trace (false if unreadable). */
function hasErrorText(raw: Attributes): boolean {
  try {
    return typeof raw[MESSAGE] === "string" || typeof raw[STACK] === "string";
  } catch {
    return false; // Unreadable attributes: `redactAttributes` keeps what can be read.
  }
}

/**
 * An event's redacted attributes; its `exception.message` and `exception.stacktrace` redacted as
 * free text, with the message's original text replaced by its redacted form in the stack trace.
 * A message (or stack trace) under a key the policy finds sensitive becomes the replacement, and
 * so does its original text in the stack trace. Records in `errors` each message the policy
 * changed, with its redacted form, and whether the event has a message that is not empty.
 */
function redactError(raw: Attributes, policy: RedactionPolicy, errors: ErrorTexts): Attributes {
  let out = policy.redactAttributes(raw);
  const message = raw[MESSAGE];
  const stack = raw[STACK];
  let masked = message;
  if (message !== "") errors.message = true;
  if (typeof message === "string") {
    masked = policy.isSensitiveKey(MESSAGE) ? policy.replacement : scanError(message, policy);
    if (masked !== message && message !== "" && !errors.changed.has(message)) {
      errors.changed.set(message, masked as string);
    }
    if (masked !== out[MESSAGE]) (out = out === raw ? { ...raw } : out)[MESSAGE] = masked;
  }
  if (typeof stack === "string" && !policy.isSensitiveKey(STACK)) {
    const text = masked === message || message === ""
      ? stack
      : stack.split(message as string).join(masked as string);
    const redacted = scanError(text, policy);
    if (redacted !== out[STACK]) (out = out === raw ? { ...raw } : out)[STACK] = redacted;
  }
  return out;
}

/**
 * The status with its message redacted as free text. When the policy finds `exception.message`
 * (or `message`) sensitive and an exception event has a message, the status message is the
 * replacement: it may repeat the message in full while the event holds a cut copy. Otherwise each
 * exception message the policy changed is replaced by its redacted form in one pass over the
 * status message (see `replaceMessages`), then the text is redacted.
 */
function redactStatus(
  status: SpanStatus,
  policy: RedactionPolicy,
  errors: ErrorTexts | undefined,
): SpanStatus {
  const message = status?.message;
  if (typeof message !== "string") return status;
  let text = message;
  if (
    errors?.message === true && message !== "" &&
    (policy.isSensitiveKey(MESSAGE) || policy.isSensitiveKey("message"))
  ) {
    text = policy.replacement;
  } else {
    if (errors !== undefined && errors.changed.size > 0) {
      // Text of this many UTF-16 code units holds at least as many code points as are scanned.
      const limit = 2 * scannedErrorLength(policy.maxStringLength);
      text = replaceMessages(message, errors.changed, limit);
    }
    text = scanError(text, policy);
  }
  return text === message ? status : { code: status.code, message: text };
}

/** Error text redacted as free text; only its first part is scanned (see `scannedErrorText`). */
function scanError(text: string, policy: RedactionPolicy): string {
  return policy.redactText(scannedErrorText(text, policy.maxStringLength));
}

/**
 * `text` with each occurrence of each key of `replaced` replaced by its value, in one pass over
 * `text`: the occurrences are all found in the original text and the output is built once, so a
 * replacement is never searched again (replacing one after the other, a replacement holding its
 * message k times made the text grow k^N for N messages). Where occurrences overlap, the one that
 * starts first is replaced (the longer one when they start together). Once the output holds
 * `limit` UTF-16 code units, the rest of `text` is kept as it is: it lies past the part that is
 * scanned and kept.
 */
function replaceMessages(
  text: string,
  replaced: ReadonlyMap<string, string>,
  limit: number,
): string {
  const messages = [...replaced.keys()];
  /** Where each message occurs next, at or after `from`: -1 when it does not. */
  const next = messages.map((message) => text.indexOf(message));
  const parts: string[] = [];
  let length = 0;
  let from = 0;
  while (length < limit) {
    let best = -1;
    for (let i = 0; i < messages.length; i++) {
      if (next[i] >= 0 && next[i] < from) next[i] = text.indexOf(messages[i], from);
      const at = next[i];
      if (
        at >= 0 && (best < 0 || at < next[best] ||
          (at === next[best] && messages[i].length > messages[best].length))
      ) best = i;
    }
    if (best < 0) break;
    const by = replaced.get(messages[best]) as string;
    const before = text.slice(from, next[best]);
    parts.push(before, by);
    length += before.length + by.length;
    from = next[best] + messages[best].length;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(from));
  return parts.join("");
}

/**
 * The resource with redacted attributes, computed once per resource and policy when the resource
 * and its attributes are frozen (a tracer's are); a resource that can still change (built by hand,
 * in a custom processor or a replay) is redacted every time, so a later change is never missed.
 */
function redactResource(resource: Resource, policy: RedactionPolicy): Resource {
  if (last !== undefined && resource === last.resource && policy === last.policy) {
    return last.redacted;
  }
  if (typeof resource !== "object" || resource === null) return resource;
  if (!isFrozen(resource)) {
    const attributes = policy.redactAttributes(resource.attributes);
    return attributes === resource.attributes ? resource : { ...resource, attributes };
  }
  let cache = resources.get(policy);
  if (cache === undefined) resources.set(policy, cache = new WeakMap());
  let redacted = cache.get(resource);
  if (redacted === undefined) {
    const attributes = policy.redactAttributes(resource.attributes);
    redacted = attributes === resource.attributes
      ? resource
      : Object.freeze({ ...resource, attributes: Object.freeze(attributes) });
    cache.set(resource, redacted);
  }
  last = { policy, resource, redacted };
  return redacted;
}

/** Whether a resource and its attributes are frozen (false when they cannot be read). */
function isFrozen(resource: Resource): boolean {
  try {
    return Object.isFrozen(resource) && Object.isFrozen(resource.attributes);
  } catch {
    return false;
  }
}

/**
 * Wraps an exporter so that it only ever receives redacted spans.
 *
 * @example
 * ```ts
 * import { ConsoleSpanExporter, RedactingExporter, SimpleSpanProcessor, Tracer } from "@tracelet/tracelet";
 * const tracer = new Tracer({
 *   processors: [new SimpleSpanProcessor(new RedactingExporter(new ConsoleSpanExporter()))],
 * });
 * tracer.withSpan("call", (span) => span.setAttribute("api_key", "sk-123")); // printed as ***REDACTED***
 * ```
 */
export class RedactingExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #policy: RedactionPolicy | (() => RedactionPolicy) | undefined;

  /**
   * Creates the wrapper.
   *
   * @param inner The exporter that receives redacted spans.
   * @param policy The policy, or a function returning the one to use, called at every export; by
   *   default the process-wide one ({@linkcode getRedactionPolicy}), read at every export so later
   *   `setRedactionPolicy` calls apply.
   */
  constructor(inner: SpanExporter, policy?: RedactionPolicy | (() => RedactionPolicy)) {
    this.#inner = inner;
    this.#policy = policy;
    // Only when the wrapped exporter can write at once (see `SpanExporter.exportSync`).
    if (typeof inner?.exportSync === "function") {
      this.exportSync = (spans) => {
        const batch = this.#redact(spans);
        return Array.isArray(batch) ? inner.exportSync!(batch) : batch as FlushReport;
      };
    }
  }

  /**
   * Redacts the batch and writes it at once through the wrapped exporter's `exportSync`; present
   * only when the wrapped exporter has one.
   */
  readonly exportSync?: (spans: readonly SpanRecord[]) => FlushReport;

  /** The wrapped exporter. */
  get inner(): SpanExporter {
    return this.#inner;
  }

  /**
   * Redacts the batch and hands it to the wrapped exporter.
   *
   * @param spans Finished spans.
   * @param options Abort signal and deadline, passed through.
   * @returns The wrapped exporter's report. If redaction itself fails, the batch is not exported
   *   (never exported unredacted) and counted as dropped with reason `redaction_failed`.
   */
  export(spans: readonly SpanRecord[], options?: ExportOptions): Promise<FlushReport> {
    const batch = this.#redact(spans);
    return Array.isArray(batch)
      ? this.#inner.export(batch, options)
      : Promise.resolve(batch as FlushReport);
  }

  /** The redacted batch, or the report of a batch redaction failed on (dropped, never sent). */
  #redact(spans: readonly SpanRecord[]): readonly SpanRecord[] | FlushReport {
    let batch: SpanRecord[] | undefined;
    try {
      const own = this.#policy;
      const policy = typeof own === "function" ? own() : own ?? getRedactionPolicy();
      for (let i = 0; i < spans.length; i++) {
        const redacted = redactSpan(spans[i], policy);
        if (redacted !== spans[i]) (batch ??= spans.slice())[i] = redacted;
      }
    } catch (error) {
      report("error", "redaction_failed", "Cannot redact spans: the batch was not exported", error);
      const result = emptyReport();
      if (spans.length > 0) result.dropped.redaction_failed = spans.length;
      return result;
    }
    return batch ?? spans;
  }

  /**
   * Forwards to the wrapped exporter's `forceFlush`, if it has one, with the limit as options
   * whose `deadline` is in epoch ms (what every {@linkcode SpanExporter} reads).
   *
   * @param limit A timeout in ms (below 10^12) or an epoch-ms deadline, bare or as `{ deadline }`
   *   (with an abort signal, as the processors pass it).
   * @returns The wrapped exporter's report, or an empty one.
   */
  forceFlush(limit?: ExportOptions | number): Promise<FlushReport> {
    return this.#inner.forceFlush?.(flushOptions(limit)) ?? Promise.resolve(emptyReport());
  }

  /**
   * Forwards to the wrapped exporter's `shutdown`, if it has one, with the limit as for
   * {@linkcode RedactingExporter.forceFlush}: `shutdown(5000)` gives it 5 s.
   *
   * @param limit A timeout in ms (below 10^12) or an epoch-ms deadline, bare or as `{ deadline }`.
   * @returns When the wrapped exporter has shut down.
   */
  shutdown(limit?: ExportOptions | number): Promise<void> {
    return this.#inner.shutdown?.(flushOptions(limit)) ?? Promise.resolve();
  }
}
