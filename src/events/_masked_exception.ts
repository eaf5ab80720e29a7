/**
 * The error a run's function threw, as the events layer records it on the run's span
 * (`Span.recordException`): masked with the run session's redaction policy, as the run's `error`
 * is in its event line, `dra.error` and status message. The exporters' redaction applies the
 * process-wide policy to `exception.message` and `exception.stacktrace` later; an EventTracer's
 * own policy (`redaction: new RedactionPolicy({ extraKeys: ["session_key"] })`) or a policy that
 * finds `error` sensitive is only known here.
 *
 * @internal
 * @module
 */
import type { RedactionPolicy } from "../redact/policy.ts";
import { safeString } from "../safe_string.ts";
import { thrownErrorText } from "../agents/_input.ts";
import { maskError } from "./_mask_error.ts";

/** What `Span.recordException` reads of an error: its name, message and stack trace. */
interface MaskedException {
  /** The error's name (`exception.type`), or the `typeof` of a thrown value that is no error. */
  readonly name: unknown;
  /** The masked message (`exception.message` and the span's status message). */
  readonly message: string;
  /** The masked stack trace (`exception.stacktrace`), when the error has one. */
  readonly stack: string | undefined;
}

/** The first stack frame line of a V8-style stack trace (Node, Deno, Bun, workerd). */
const FRAME_LINE = /\n[ \t]*at /;

/**
 * A thrown value with its text masked by `policy`, in the form `Span.recordException` reads (so
 * the span gets the same `exception.type` as for the value itself). The message is masked as an
 * event's error text (see `maskError`: free text, its embedded JSON masked), and every occurrence
 * of it in the stack trace is replaced by its masked form before the stack trace is masked too.
 * When the policy finds `error` sensitive, the message is the replacement, and so is the stack
 * trace up to its first frame line (the frames are kept, masked as free text), as the run's
 * `error` is replaced whole in its event, `dra.error` and status message. With the policy disabled
 * the value itself is returned. Never throws (what cannot be read is recorded as the replacement).
 *
 * @param error The thrown value.
 * @param policy The run session's policy.
 * @returns The value to record.
 * @internal
 */
export function maskedException(error: unknown, policy: RedactionPolicy): unknown {
  try {
    if (!policy.enabled) return error;
    let name: unknown = typeof error;
    let message: unknown = error;
    let stack: unknown;
    try {
      // As `recordException` reads it: a string `message` makes an error (of any realm).
      const e = error as { name?: unknown; message?: unknown; stack?: unknown } | undefined;
      if (typeof e?.message === "string") ({ name = name, message, stack } = e);
    } catch {
      // A hostile error object (a throwing getter, a revoked proxy): what was read.
    }
    // A value thrown without a string message reads as in its event: `{"code": 5}`, `undefined`.
    const text = typeof message === "string" ? message : thrownErrorText(message);
    const whole = policy.isSensitiveKey("error");
    const masked = whole ? policy.replacement : maskError(text, policy);
    return {
      name: typeof name === "string" ? name : safeString(name),
      message: masked,
      stack: typeof stack === "string"
        ? maskedStack(stack, text, masked, whole, policy)
        : undefined,
    } satisfies MaskedException;
  } catch {
    return { name: "Error", message: policy.replacement, stack: undefined };
  }
}

/**
 * A stack trace with the error's message replaced by its masked form, then masked as error text;
 * with `whole`, everything before its first frame line is the replacement (the whole stack trace
 * when it has no frame line).
 */
function maskedStack(
  stack: string,
  message: string,
  masked: string,
  whole: boolean,
  policy: RedactionPolicy,
): string {
  const text = masked === message || message === "" ? stack : stack.split(message).join(masked);
  if (!whole) return maskError(text, policy);
  // The message is replaced first: a line of it that looks like a frame is not taken for one.
  const frame = FRAME_LINE.exec(text);
  return frame === null
    ? policy.replacement
    : policy.replacement + maskError(text.slice(frame.index), policy);
}
