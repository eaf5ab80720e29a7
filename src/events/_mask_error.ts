/**
 * Error text of design_research_agents events, masked as free text before it is cut (see
 * `TraceSession.redact`): bounded in the text it scans, so a huge error message costs
 * milliseconds, and masked whole so a secret at the later cut is never left half shown.
 *
 * @internal
 * @module
 */
import type { RedactionPolicy } from "../redact/policy.ts";
import { scannedErrorText } from "../redact/truncate.ts";

/**
 * Error text masked as free text. Masking costs time in the length of the text, so text longer
 * than four times the policy's length plus 1024 code points (at most 1 MiB) is cut to that first,
 * its marker stating its original length; the rest of redaction cuts it to the policy's length,
 * so a secret at that cut is still masked whole. A policy that throws on it (a subclass) leaves
 * its replacement instead.
 */
export function maskError(text: string, policy: RedactionPolicy): string {
  try {
    const scanned = policy.enabled ? scannedErrorText(text, policy.maxStringLength) : text;
    return policy.redactText(scanned, { truncate: false });
  } catch {
    return policy.replacement;
  }
}

/**
 * Plain-object attributes with their top-level `error` string masked (see `maskError`), as a
 * new object; the attributes themselves when there is none or they cannot be read (then error
 * text is masked after serialization).
 */
export function withMaskedError(
  attributes: Readonly<Record<string, unknown>>,
  policy: RedactionPolicy,
): Readonly<Record<string, unknown>> {
  try {
    const proto = Object.getPrototypeOf(attributes);
    const plain = proto === Object.prototype || proto === null;
    const error = plain && Object.hasOwn(attributes, "error") ? attributes.error : undefined;
    return typeof error === "string"
      ? { ...attributes, error: maskError(error, policy) }
      : attributes;
  } catch {
    return attributes;
  }
}
