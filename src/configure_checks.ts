/**
 * Validation of `configure()` options, so a wrong type, a negative number, a NaN, an empty
 * string or a value outside a choice is a {@linkcode TracerError} when tracing is configured,
 * never a crash, a silent no-op or lost spans later, at span or export time. A key no option has
 * (a misspelling) is reported (`unknown_option`, a warning), not thrown: TypeScript already
 * rejects it, and options of a newer tracelet keep working with an older one.
 *
 * @module
 */
import { CONFIGURE_OPTION_SHAPE } from "./configure_option_keys.ts";
import { report } from "./diagnostics.ts";
import { cutText } from "./cut_text.ts";
import { printable } from "./printable.ts";
import { findUnknownOptions, type OptionShape } from "./unknown_options.ts";
import {
  checkRules,
  isBoolean,
  isFiniteAtLeast,
  isFunction,
  isObject,
  isPositiveInteger,
  type Rule,
} from "./option_rules.ts";

const CONTEXT = "Cannot configure tracing";
const isString = (value: unknown): boolean => typeof value === "string";
const STORAGE_METHODS = ["appendLines", "readLines", "putBlob", "getBlob", "hasBlob"];

const OPTION_RULES: readonly Rule[] = [
  [["project", "storageRoot", "otelScope"], (v) => isString(v) && v !== "", "a non-empty string"],
  [["serviceName", "server", "apiKey", "organization"], isString, "a string"],
  [["env", "diagnostics", "sampler"], isFunction, "a function"],
  [["local", "console"], isBoolean, "a boolean"],
  [["resourceAttributes", "limits", "batch"], isObject, "an object"],
  [
    ["storage"],
    (v) => isObject(v) && STORAGE_METHODS.every((m) => isFunction(v[m])) && isObject(v.outbox),
    "a storage adapter (appendLines, readLines, putBlob, getBlob, hasBlob, outbox)",
  ],
  [["processors"], (v) => Array.isArray(v) && v.every(isObject), "an array of processors"],
  [["redaction"], (v) => v === false || isObject(v), "false or redaction options"],
  [["otlp"], (v) => isBoolean(v) || isObject(v), "a boolean or OTLP options"],
  [["tailSampling"], (v) => v === false || isObject(v), "false or tail-sampling options"],
];

const BATCH_RULES: readonly Rule[] = [
  [
    ["maxQueueSize", "maxQueueBytes", "maxExportBatchSize", "exportTriggerSize"],
    isPositiveInteger,
    "an integer >= 1",
  ],
  [
    ["scheduledDelayMillis", "exportTimeoutMillis"],
    // The processor counts whole milliseconds from 1 (a smaller delay would mean its default).
    (v) => typeof v === "number" && Number.isFinite(v) && v >= 1,
    "a finite number of milliseconds >= 1",
  ],
  [["timers"], isBoolean, "a boolean"],
  [["dropPolicy"], (v) => v === "newest" || v === "oldest", '"newest" or "oldest"'],
];

const TAIL_SAMPLING_RULES: readonly Rule[] = [
  [["slowMillis"], isFiniteAtLeast(0), "a finite number >= 0"],
  [["ratio"], (v) => typeof v === "number" && v >= 0 && v <= 1, "a number from 0 to 1"],
  [["keep"], isFunction, "a function"],
  [
    ["maxTraces", "maxSpansPerTrace", "maxBufferedSpans", "maxBufferedBytes"],
    isPositiveInteger,
    "an integer >= 1",
  ],
  [["local"], isBoolean, "a boolean"],
];

const LIMIT_RULES: readonly Rule[] = [
  [
    [
      "attributeCountLimit",
      "attributeValueLengthLimit",
      "eventCountLimit",
      "linkCountLimit",
      "attributePerEventCountLimit",
    ],
    (v) => typeof v === "number" && v >= 0, // Infinity is "no limit"; NaN would be one too
    "a number >= 0",
  ],
];

const REDACTION_RULES: readonly Rule[] = [
  [["mode"], (v) => v === "exact" || v === "substring", '"exact" or "substring"'],
];

/**
 * Checks the options of `configure()` (every preset's). Environment variables are not checked
 * here: a blank one counts as unset and a malformed one is reported and ignored where it is read.
 *
 * @param options The user's options.
 * @throws {TracerError} `INVALID_CONFIG` naming the first invalid option (never its value).
 */
export function checkConfigureOptions(options: unknown): void {
  checkRules({ options }, [[["options"], isObject, "an object"]], CONTEXT);
  if (!isObject(options)) return; // undefined: every default
  checkRules(options, OPTION_RULES, CONTEXT);
  if (isObject(options.batch)) checkRules(options.batch, BATCH_RULES, CONTEXT, "batch.");
  if (isObject(options.limits)) checkRules(options.limits, LIMIT_RULES, CONTEXT, "limits.");
  if (isObject(options.tailSampling)) {
    checkRules(options.tailSampling, TAIL_SAMPLING_RULES, CONTEXT, "tailSampling.");
  }
  // A RedactionPolicy's mode is always valid: only options are checked.
  if (isObject(options.redaction)) {
    checkRules(options.redaction, REDACTION_RULES, CONTEXT, "redaction.");
  }
}

/** Unknown keys reported one by one per `configure()`; the rest are counted in one more. */
const MAX_REPORTED = 10;

/**
 * Reports the keys of `configure()`'s options, and of its option objects (`otlp`, `batch`,
 * `limits`, `tailSampling`, `redaction`, …), that no option has: one `unknown_option` warning
 * each, naming its path (`otlp.url`) and the option probably meant (`otlp.endpoint`), never a
 * value. Never throws. Other entry points with options of their own pass their shape and name.
 *
 * @param options The user's options (already checked by {@linkcode checkConfigureOptions}).
 * @param shape The keys the options may have. Default: `configure()`'s.
 * @param caller How the warnings name the function. Default `configure()`.
 */
export function reportUnknownOptions(
  options: unknown,
  shape: OptionShape = CONFIGURE_OPTION_SHAPE,
  caller = "configure()",
): void {
  const unknown = findUnknownOptions(options, shape);
  for (const { path, suggestion } of unknown.slice(0, MAX_REPORTED)) {
    const hint = suggestion === undefined ? "" : `; did you mean \`${suggestion}\`?`;
    report(
      "warn",
      "unknown_option",
      `${caller} has no option \`${printable(cutText(path, 100))}\`: it is ignored${hint}`,
      { option: path, suggestion },
    );
  }
  if (unknown.length > MAX_REPORTED) {
    const rest = unknown.slice(MAX_REPORTED).map((found) => found.path);
    report(
      "warn",
      "unknown_option",
      `${caller} has no option for ${rest.length} more keys either (${
        printable(cutText(rest.join(", "), 200))
      }): they are ignored`,
      { options: rest },
    );
  }
}
