/**
 * The console sink: one readable line per event, for **every** event type (design_research_agents
 * prints nothing for the *Observed* events and unknown types; tracelet prints them all). Model
 * token deltas are gathered on one `[model] ` line, written whole when the next event of the run
 * closes it (DRA writes each delta as it comes). Values are previewed (JSON, newlines escaped, at
 * most 120 characters + `...`); events arrive already redacted. Every line printed, token deltas
 * included, has its control characters (terminal escape sequences, newlines) and bidi overrides
 * escaped, so recorded data can neither drive the terminal nor forge a line.
 *
 * @module
 */
import { isHighSurrogate } from "../cut_text.ts";
import { numberAtLeast } from "../number_option.ts";
import { printable } from "../printable.ts";
import { safeString } from "../safe_string.ts";
import type { JsonValue } from "../serialize/types.ts";
import type { EventSink, TraceEvent } from "./event.ts";

/** Where console text goes: `write` receives text that may or may not end with a newline. */
export interface ConsoleStream {
  /** Writes text. */
  write(text: string): void;
}

/** The default longest line {@linkcode lineStream} holds: 64 KiB (in UTF-16 code units). */
const MAX_PENDING_LINE = 65_536;

/**
 * A stream over a line function such as `console.error`: text is buffered until a newline, so
 * streamed token deltas appear when their line closes. Each write costs time in proportion to
 * its own text only, and the line held back is bounded: once it is longer than
 * `maxLineLength`, it is written as a line of its own (nothing is dropped, and a character
 * outside the BMP is never split between two lines).
 *
 * @param writeLine Receives complete lines (without the newline).
 * @param maxLineLength The longest line held back, in UTF-16 code units (default 64 KiB; a value
 *   that is not a finite number of at least 1 means the default).
 * @returns The stream.
 */
export function lineStream(
  writeLine: (line: string) => void,
  maxLineLength: number = MAX_PENDING_LINE,
): ConsoleStream {
  const max = numberAtLeast(maxLineLength, 1, MAX_PENDING_LINE);
  let pending: string[] = [];
  let size = 0;
  const keep = (piece: string) => {
    if (piece === "") return;
    pending.push(piece);
    size += piece.length;
  };
  const flush = (whole: boolean) => {
    let line = pending.join("");
    pending = [];
    size = 0;
    if (!whole && isHighSurrogate(line.charCodeAt(line.length - 1))) {
      keep(line.slice(-1)); // a character split by the cap: its low half comes with the next write
      line = line.slice(0, -1);
    }
    writeLine(line); // if it throws, the line is not written again with the next one
  };
  return {
    write(text: string): void {
      if (typeof text !== "string") text = safeString(text);
      let start = 0;
      try {
        for (let newline = text.indexOf("\n"); newline >= 0; newline = text.indexOf("\n", start)) {
          keep(text.slice(start, newline));
          start = newline + 1;
          flush(true);
        }
      } finally {
        keep(text.slice(start)); // also when writeLine threw: the rest waits for the next write
      }
      if (size > max) flush(false);
    },
  };
}

/** The default stream: lines to `console.error` (standard error, like DRA). */
export function stderrStream(): ConsoleStream {
  return lineStream((line) => console.error(line));
}

/**
 * Previews a value: strings as is, others as JSON; newlines escaped as `\n` and `\r`, other
 * control characters and bidi overrides as `\uXXXX`; at most `max` code points, a longer text
 * cut to `max - 3` code points followed by `...`.
 *
 * @param value The value.
 * @param max Maximum code points, `...` included. Default 120.
 * @returns The preview.
 */
export function preview(value: unknown, max: number = 120): string {
  let text: string;
  if (typeof value === "string") text = value;
  else {
    try {
      text = JSON.stringify(value) ?? safeString(value);
    } catch {
      text = safeString(value);
    }
  }
  return clip(oneLine(text), max);
}

/**
 * At most `max` code points: a longer text keeps its first `max - 3` and ends with `...` (DRA's
 * `text[:max - 3] + "..."`). A surrogate pair is never split.
 */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = Math.max(0, max - 3);
  let count = 0;
  let cut = 0;
  let end = 0;
  for (const ch of text) {
    end += ch.length;
    if (++count === keep) cut = end;
    if (count > max) return `${text.slice(0, cut)}...`;
  }
  return text;
}

/** The text on one line: newlines escaped as `\n` and `\r`, other controls as `\uXXXX`. */
function oneLine(text: string): string {
  return printable(text.replace(/\r/g, "\\r").replace(/\n/g, "\\n"));
}

type Attrs = Record<string, JsonValue>;

function pairs(attrs: Attrs, keys: readonly (readonly [string, string])[]): string {
  const parts: string[] = [];
  for (const [label, key] of keys) {
    const value = attrs[key];
    if (value !== undefined && value !== null && value !== "") {
      parts.push(`${label}=${preview(value)}`);
    }
  }
  return parts.join(" ");
}

function duration(event: TraceEvent): string {
  return event.duration_ms === null ? "" : ` duration_ms=${event.duration_ms}`;
}

/** The fixed format per known event type: a prefix and the attributes shown. */
const FORMATS: Readonly<Record<string, readonly [string, readonly (readonly [string, string])[]]>> =
  {
    RunStarted: ["[run] start", [["agent", "agent"], ["request_id", "request_id"], [
      "input",
      "input",
    ]]],
    RunFinished: ["[run] finished", [["success", "success"], ["error", "error"], [
      "result",
      "result",
    ]]],
    AgentRunStarted: ["[agent] start", [["agent", "agent"], ["request_id", "request_id"], [
      "input",
      "input",
    ]]],
    AgentRunFinished: ["[agent] finished", [["agent", "agent"], ["success", "success"], [
      "error",
      "error",
    ]]],
    ModelCallStarted: ["[model] start", [["model", "model"], ["messages", "message_count"]]],
    ModelCallFinished: ["[model] finished", [["model", "model"], ["usage", "usage"], [
      "finish_reason",
      "finish_reason",
    ]]],
    ModelCallFailed: ["[model] failed", [["model", "model"], ["error", "error"]]],
    ToolCallStarted: ["[tool] start", [["tool", "tool_name"], ["input", "tool_input"]]],
    ToolCallFinished: ["[tool] finished", [["tool", "tool_name"], ["result", "result"]]],
    ToolCallFailed: ["[tool] failed", [["tool", "tool_name"], ["error", "error"]]],
    RouterDecision: ["[router] decision", [
      ["source", "source"],
      ["selected", "selected_tool_name"],
      ["index", "selected_index"],
      ["alternatives", "alternatives"],
      ["reason", "reason"],
    ]],
    ModelSelectionDecision: ["[model-select]", [
      ["model", "model_id"],
      ["provider", "provider"],
      ["policy", "policy_id"],
      ["candidates", "candidate_count"],
      ["rationale", "rationale"],
    ]],
    ToolSelectionDecision: ["[tool-select]", [["tool", "tool_name"], ["source", "source"], [
      "reason",
      "reason",
    ]]],
    ContinuationDecision: ["[continuation]", [
      ["step", "step"],
      ["continue", "continue"],
      ["source", "source"],
      ["reason", "reason"],
    ]],
    GuardrailDecision: ["[guardrail]", [
      ["guardrail", "guardrail"],
      ["decision", "decision"],
      ["reason", "reason"],
      ["details", "details"],
    ]],
    ModelRequestObserved: ["[observed] model-request", [["source", "source"], ["model", "model"], [
      "request",
      "request",
    ]]],
    ModelResponseObserved: ["[observed] model-response", [
      ["source", "source"],
      ["model", "model"],
      ["usage", "usage"],
      ["error", "error"],
      ["response", "response"],
    ]],
    ToolInvocationObserved: ["[observed] tool-invocation", [
      ["tool", "tool_name"],
      ["source_id", "source_id"],
      ["request_id", "request_id"],
      ["input", "tool_input"],
    ]],
    ToolResultObserved: ["[observed] tool-result", [
      ["tool", "tool_name"],
      ["ok", "ok"],
      ["error", "error"],
      ["result", "result"],
    ]],
    WorkflowStepContextObserved: ["[observed] step-context", [
      ["step", "step_id"],
      ["type", "step_type"],
      ["context", "context"],
    ]],
    WorkflowStepResultObserved: ["[observed] step-result", [
      ["step", "step_id"],
      ["type", "step_type"],
      ["status", "status"],
      ["success", "success"],
      ["error", "error"],
      ["output", "output"],
    ]],
  };

/**
 * Formats one event as its console line (without newline).
 *
 * @param event The event.
 * @returns The line, control characters escaped; unknown types print as
 *   `[event] <type> span=<id> key=value …`.
 */
export function formatEvent(event: TraceEvent): string {
  const attrs = event.attributes as Attrs;
  const type = event.event_type;
  const format = typeof type === "string" && Object.hasOwn(FORMATS, type)
    ? FORMATS[type]
    : undefined;
  if (format !== undefined) {
    const detail = pairs(attrs, format[1]);
    return oneLine(`${format[0]}${detail === "" ? "" : ` ${detail}`}${duration(event)}`);
  }
  const keys = Object.keys(attrs).map((k) => [k, k] as const);
  const detail = pairs(attrs, keys);
  return oneLine(
    `[event] ${safeString(type)} span=${safeString(event.span_id)}${
      detail === "" ? "" : ` ${detail}`
    }${duration(event)}`,
  );
}

/**
 * Prints every event as a readable line; model token deltas are gathered on one `[model] ` line,
 * written whole when the next event closes it (or, past 64 KiB, in 64 KiB lines), so the lines of
 * runs printing to one stream at the same time never mix. A newline or control character in a
 * delta is escaped like any other (`\n`, `\uXXXX`): the deltas stay on their one line.
 */
export class ConsoleEventSink implements EventSink {
  readonly #stream: ConsoleStream;
  #streamed: string[] = [];
  #size = 0;
  #streaming = false;

  /**
   * Creates a sink writing to a stream.
   *
   * @param stream Where text goes (default: lines to `console.error`).
   */
  constructor(stream: ConsoleStream = stderrStream()) {
    this.#stream = stream;
  }

  /**
   * Prints one event as a line; `ModelCallToken` deltas are appended to the current
   * `[model] ` line instead, which the next event writes first.
   *
   * @param event The event to print.
   */
  emit(event: TraceEvent): void {
    if (event.event_type === "ModelCallToken") {
      const delta = event.attributes.delta_text;
      if (typeof delta !== "string" || delta === "") return;
      if (!this.#streaming) this.#hold("[model] ");
      this.#streaming = true;
      this.#hold(oneLine(delta));
      if (this.#size > MAX_PENDING_LINE) this.#writeHeld(false);
      return;
    }
    this.#closeLine();
    this.#stream.write(`${formatEvent(event)}\n`);
  }

  #hold(text: string): void {
    this.#streamed.push(text);
    this.#size += text.length;
  }

  /** Writes the held text as one line (a split character's first half waits unless `whole`). */
  #writeHeld(whole: boolean): void {
    let line = this.#streamed.join("");
    this.#streamed = [];
    this.#size = 0;
    if (!whole && isHighSurrogate(line.charCodeAt(line.length - 1))) {
      this.#hold(line.slice(-1));
      line = line.slice(0, -1);
    }
    this.#stream.write(`${line}\n`);
  }

  #closeLine(): void {
    if (!this.#streaming) return;
    this.#streaming = false;
    if (this.#size > 0) this.#writeHeld(true);
  }

  /** Writes an open streaming line. */
  close(): void {
    this.#closeLine();
  }
}
