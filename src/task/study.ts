/**
 * Study and trial task factories for optimization / red-teaming loops, with AIRT attributes.
 * Unlike dreadnode (whose factories dropped model attributes unless one of several "gate"
 * fields was set), every field that is not `null`/`undefined` becomes an attribute. Attribute
 * names are `airt.<snake_case field>` (dreadnode's exact strings are unpublished), with a
 * configurable prefix.
 *
 * @module
 */
import { cleanTags } from "../clean.ts";
import { readOptions, readRecord, readStrings, readUserOptions } from "./_read.ts";
import { safeString } from "../safe_string.ts";
import type { TaskBody } from "./spans.ts";
import { startTask } from "./start.ts";
import type { TaskSpanOptions } from "./start.ts";
import { runTask } from "./task_context.ts";
import type { TaskSpan } from "./task_span.ts";

/** The default AIRT attribute prefix. */
export const AIRT_ATTRIBUTE_PREFIX = "airt.";

/** AIRT fields shared by studies and trials. */
export interface AirtFields {
  /** Assessment id (platform linking). */
  assessmentId?: string | null | undefined;
  /** Attack name. */
  attackName?: string | null | undefined;
  /** Attack goal. */
  goal?: string | null | undefined;
  /** Goal category. */
  goalCategory?: string | null | undefined;
  /** Category. */
  category?: string | null | undefined;
  /** Sub-category. */
  subCategory?: string | null | undefined;
  /** Transforms applied. */
  transforms?: readonly string[] | null | undefined;
  /** Target model. */
  targetModel?: string | null | undefined;
  /** Attacker model. */
  attackerModel?: string | null | undefined;
  /** Evaluator / judge model. */
  evaluatorModel?: string | null | undefined;
  /** Attack domain. */
  attackDomain?: string | null | undefined;
  /** Distance norm. */
  distanceNorm?: string | null | undefined;
  /** Input modality. */
  inputModality?: string | null | undefined;
}

/** Options of {@linkcode studySpan}. */
export interface StudySpanOptions
  extends AirtFields, Pick<TaskSpanOptions, "parent" | "attributes"> {
  /** Label (default, also when empty, the name; the transforms suffix is appended). */
  label?: string | undefined;
  /** Extra tags (after `study`, `optimization`). */
  tags?: readonly string[] | undefined;
  /** Perturbation budget. */
  perturbationBudget?: number | null | undefined;
  /** Original class. */
  originalClass?: string | null | undefined;
  /** Attribute prefix (default `airt.`). */
  attributePrefix?: string | undefined;
}

/** Options of {@linkcode trialSpan}. */
export interface TrialSpanOptions
  extends AirtFields, Pick<TaskSpanOptions, "parent" | "attributes"> {
  /** Trial number in the study. */
  step: number;
  /** Name of the evaluated task (used in the default label). */
  taskName?: string | undefined;
  /** Label (default, also when empty, `<taskName> [<step>]` or `trial_<step>`). */
  label?: string | undefined;
  /** Extra tags (after `trial`). */
  tags?: readonly string[] | undefined;
  /** Trial index within the attack. */
  trialIndex?: number | null | undefined;
  /** Attribute prefix (default `airt.`). */
  attributePrefix?: string | undefined;
}

const FIELDS: readonly (readonly [string, string])[] = [
  ["assessmentId", "assessment_id"],
  ["trialIndex", "trial_index"],
  ["attackName", "attack_name"],
  ["goal", "goal"],
  ["goalCategory", "goal_category"],
  ["category", "category"],
  ["subCategory", "sub_category"],
  ["transforms", "transforms"],
  ["targetModel", "target_model"],
  ["attackerModel", "attacker_model"],
  ["evaluatorModel", "evaluator_model"],
  ["attackDomain", "attack_domain"],
  ["distanceNorm", "distance_norm"],
  ["inputModality", "input_modality"],
  ["perturbationBudget", "perturbation_budget"],
  ["originalClass", "original_class"],
];

const FIELD_NAMES: readonly string[] = FIELDS.map(([camel]) => camel);

/**
 * The AIRT attributes of a set of fields: every non-null field, under `<prefix><snake_case>`.
 * Never throws: a field that cannot be read is left out (reported).
 *
 * @param fields The fields.
 * @param prefix The prefix (default `airt.`).
 * @returns The attributes.
 */
export function airtAttributes(
  fields: object,
  prefix: string = AIRT_ATTRIBUTE_PREFIX,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const record = readOptions(fields as Record<string, unknown>, FIELD_NAMES, "AIRT");
  const text = safeString(prefix);
  for (const [camel, snake] of FIELDS) {
    const value = record[camel];
    if (value !== undefined && value !== null) out[text + snake] = snapshot(value);
  }
  return out;
}

/** A copy of an array value (attributes are snapshots), or the value itself. */
function snapshot(value: unknown): unknown {
  try {
    return Array.isArray(value) ? [...value] : value;
  } catch {
    return value; // An unreadable array proxy: the span records it as a placeholder.
  }
}

const STUDY_OPTION_KEYS = [
  ...FIELD_NAMES,
  "parent",
  "attributes",
  "label",
  "tags",
  "perturbationBudget",
  "originalClass",
  "attributePrefix",
] as (keyof StudySpanOptions)[];

const TRIAL_OPTION_KEYS = [
  ...FIELD_NAMES,
  "parent",
  "attributes",
  "step",
  "taskName",
  "label",
  "tags",
  "trialIndex",
  "attributePrefix",
] as (keyof TrialSpanOptions)[];

function finish<R>(task: TaskSpan, fn: TaskBody<R> | undefined): R | TaskSpan {
  return fn === undefined ? task : runTask(task, fn);
}

/**
 * A `study` task: name `study:<name>` (plus ` [t1, t2]` when transforms are given), tags
 * `study`, `optimization` and yours, and every given AIRT field as an attribute.
 *
 * @param name The study name.
 * @param options Label, tags and AIRT fields.
 * @param fn The body.
 * @returns The body's result, or the started task.
 * @example
 * ```ts
 * import { studySpan } from "@tracelet/tracelet";
 * studySpan("jailbreak", { attackName: "tap", targetModel: "gpt-4o" }, (study) => {
 *   study.logParam("max_trials", 10);
 * });
 * ```
 */
export function studySpan<R>(name: string, options: StudySpanOptions, fn: TaskBody<R>): R;
/**
 * Starts a `study` task without making it current; end it yourself.
 *
 * @param name The study name.
 * @param options Label, tags and AIRT fields.
 * @returns The started task.
 */
export function studySpan(name: string, options?: StudySpanOptions): TaskSpan;
export function studySpan<R>(
  name: string,
  options: StudySpanOptions = {},
  fn?: TaskBody<R>,
): R | TaskSpan {
  const o = readUserOptions(options, STUDY_OPTION_KEYS, "studySpan()");
  const transforms = readStrings(o.transforms);
  const suffix = transforms.length > 0 ? ` [${transforms.join(", ")}]` : "";
  const task = startTask(`study:${safeString(name)}${suffix}`, {
    type: "study",
    label: safeString(o.label || name) + suffix,
    tags: cleanTags(o.tags, ["study", "optimization"]),
    parent: o.parent,
    attributes: {
      ...readRecord(o.attributes, "study attributes"),
      ...airtAttributes(o, o.attributePrefix),
    },
  });
  return finish(task, fn);
}

/** The first `count` characters (code points, as Python's `id[:8]` cuts) of a string. */
function firstChars(text: string, count: number): string {
  let end = 0;
  for (let i = 0; i < count && end < text.length; i++) {
    end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
  }
  return text.slice(0, end);
}

/**
 * A `trial` task: name `trial:<first 8 characters of the id>`, label `<taskName> [<step>]` (or
 * `trial_<step>`), tags `trial` and yours, `dreadnode.trial.id`/`.step`, and every given AIRT
 * field as an attribute.
 *
 * @param trialId The trial id.
 * @param options Step, task name, label, tags and AIRT fields.
 * @param fn The body.
 * @returns The body's result, or the started task.
 */
export function trialSpan<R>(trialId: string, options: TrialSpanOptions, fn: TaskBody<R>): R;
/**
 * Starts a `trial` task without making it current; end it yourself.
 *
 * @param trialId The trial id.
 * @param options Step, task name, label, tags and AIRT fields.
 * @returns The started task.
 */
export function trialSpan(trialId: string, options: TrialSpanOptions): TaskSpan;
export function trialSpan<R>(
  trialId: string,
  options: TrialSpanOptions,
  fn?: TaskBody<R>,
): R | TaskSpan {
  const o = readUserOptions(options, TRIAL_OPTION_KEYS, "trialSpan()", {
    positional: "step",
  });
  const id = safeString(trialId);
  const step = safeString(o.step);
  const label = o.label || (o.taskName ? `${safeString(o.taskName)} [${step}]` : `trial_${step}`);
  const task = startTask(`trial:${firstChars(id, 8)}`, {
    type: "trial",
    label,
    tags: cleanTags(o.tags, ["trial"]),
    parent: o.parent,
    attributes: {
      ...readRecord(o.attributes, "trial attributes"),
      "dreadnode.trial.id": id,
      "dreadnode.trial.step": o.step,
      ...airtAttributes(o, o.attributePrefix),
    },
  });
  return finish(task, fn);
}
