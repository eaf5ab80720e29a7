/**
 * The WebSocket exporter's diagnostics: which warnings and errors it reports, how often (once
 * until the condition clears, or at most once per 10 s with the count of the others), and with the
 * URL's credentials hidden wherever a message or cause would show them.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { RateLimit } from "./_ws_rate_limit.ts";

/** Reports what goes wrong with one WebSocket exporter's spans and connections. */
export class WebSocketWarnings {
  readonly #url: string;
  readonly #secret: string | undefined;
  readonly #maxMessage: number;
  #warnedFull = false;
  #warnedDown = false;
  #warnedStalled = false;
  readonly #lostWarnings = new RateLimit();
  readonly #tooLargeWarnings = new RateLimit();

  /**
   * Creates the reporter.
   *
   * @param url The URL as shown (credentials replaced by `***`).
   * @param secret The URL as connected to, when it differs (it holds credentials): hidden in
   *   causes.
   * @param maxMessage The `maxMessageBytes` bound, shown when spans are too large.
   */
  constructor(url: string, secret: string | undefined, maxMessage: number) {
    this.#url = url;
    this.#secret = secret;
    this.#maxMessage = maxMessage;
  }

  /** A connection opened: the next failure to send is reported again. */
  connected(): void {
    this.#warnedDown = false;
  }

  /**
   * Spans too large to send, reported at most once per 10 s.
   *
   * @param count How many spans were dropped.
   */
  tooLarge(count: number): void {
    const held = this.#tooLargeWarnings.pass(count);
    if (held === undefined) return;
    report(
      "warn",
      "websocket_too_large",
      `Dropping ${count} spans for ${this.#url}: their messages are larger than maxMessageBytes (${this.#maxMessage} bytes)` +
        (held > 0 ? `; ${held} more since the last warning` : ""),
    );
  }

  /**
   * An open connection broke: what was sent on it may not have arrived. At most once per 10 s.
   *
   * @param cause Why (its close code and reason, or an error).
   */
  lost(cause: unknown): void {
    const held = this.#lostWarnings.pass();
    if (held === undefined) return;
    let why: string;
    try {
      why = this.#hideText(cause instanceof Error ? cause.message : String(cause));
    } catch {
      why = "unknown cause";
    }
    report(
      "warn",
      "websocket_connection_lost",
      `Lost the connection to ${this.#url} (${why}): spans sent on it may not have arrived` +
        (held > 0 ? `; ${held} more connections lost since the last warning` : ""),
    );
  }

  /**
   * Spans dropped for want of room (`queue_full`, `buffer_full`), reported once.
   *
   * @param code The drop reason, the warning's code after `websocket_`.
   * @param why What the server or connection does, after the URL.
   */
  full(code: string, why: string): void {
    if (this.#warnedFull) return;
    this.#warnedFull = true;
    report("warn", `websocket_${code}`, `Dropping spans: ${this.#url} ${why}`);
  }

  /** Spans dropped while a connection that cannot be forced closed stalls, reported once. */
  stalled(): void {
    if (this.#warnedStalled) return;
    this.#warnedStalled = true;
    report(
      "warn",
      "websocket_connection_stalled",
      `Dropping spans: ${this.#url} stopped reading, and this WebSocket has no terminate() to ` +
        "end the connection; none opens until it closes (pass `webSocket` from the `ws` package)",
    );
  }

  /**
   * Spans that failed with their connection, reported once until a connection opens.
   *
   * @param count How many spans failed (none: nothing is reported).
   * @param cause Why the connection failed.
   */
  sendFailed(count: number, cause: unknown): void {
    if (count > 0 && !this.#warnedDown) {
      this.#warnedDown = true;
      report(
        "error",
        "websocket_send_failed",
        `Cannot send ${count} spans to ${this.#url}`,
        this.#hideUrl(cause),
      );
    }
  }

  /**
   * Shutdown closes the connection with bytes unsent, or spans whose messages the socket had not
   * written: they may not arrive. Nothing is reported when both are 0.
   *
   * @param bytes What the socket still held unsent.
   * @param spans The spans of pending exports dropped for it (`shutdown`).
   */
  unsentAtShutdown(bytes: number, spans: number): void {
    if (bytes > 0 || spans > 0) {
      report(
        "warn",
        "websocket_unsent_at_shutdown",
        `Closing the connection to ${this.#url} with ${bytes} bytes not yet sent by the ` +
          `shutdown deadline: ${spans} spans of pending exports are dropped (shutdown), ` +
          "and what the socket held may not arrive",
      );
    }
  }

  /** The text with the URL's credentials hidden where it shows them. */
  #hideText(text: string): string {
    return this.#secret === undefined ? text : text.replaceAll(this.#secret, this.#url);
  }

  /** The cause, or a copy of it with the URL's credentials hidden where its message shows them. */
  #hideUrl(cause: unknown): unknown {
    const secret = this.#secret;
    if (secret === undefined) return cause;
    if (typeof cause === "string") return this.#hideText(cause);
    if (!(cause instanceof Error)) return cause;
    try {
      if (!cause.message.includes(secret)) return cause;
      const hidden = new Error(this.#hideText(cause.message));
      hidden.name = cause.name;
      return hidden;
    } catch {
      return "the WebSocket client failed";
    }
  }
}
