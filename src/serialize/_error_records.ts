/**
 * The records the serializer makes of errors (`{name, message, stack?, cause?, errors?, …}`),
 * remembered by identity, so that redaction reads their `message` and `stack` as error text (free
 * text, whose embedded JSON is masked: `failed: 401 {"api_key":…}`), as it reads the top-level
 * error of an event, while every other string stays a plain value. Nothing is added to a record:
 * its JSON text and its equality with a plain object are unchanged. A copy of a record is not
 * marked (`markedLike` marks one made on purpose).
 *
 * @internal
 * @module
 */

/** The error records made by the serializer (and their cut copies), weakly held. */
const records = new WeakSet<object>();

/**
 * Marks a serialized error record.
 *
 * @param record The record the serializer made of an error.
 * @returns The record.
 * @internal
 */
export function markErrorRecord<T>(record: T): T {
  if (typeof record === "object" && record !== null) records.add(record);
  return record;
}

/**
 * Whether a JSON object is an error record made by the serializer (or a copy marked as one).
 *
 * @param value A JSON object.
 * @returns True for an error record.
 * @internal
 */
export function isErrorRecord(value: object): boolean {
  return records.has(value);
}

/**
 * `copy` marked as an error record when `original` is one (a record cut to fit a budget).
 *
 * @param original The record copied.
 * @param copy Its copy.
 * @returns The copy.
 * @internal
 */
export function markedLike<T>(original: object, copy: T): T {
  return records.has(original) ? markErrorRecord(copy) : copy;
}
