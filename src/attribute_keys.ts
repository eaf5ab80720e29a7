/**
 * Attribute keys tracelet writes, in dreadnode's wire schema where one exists.
 *
 * @module
 */

/** The span's dreadnode type (`task`, `span`, `agent`, …). */
export const ATTR_TYPE = "dreadnode.type";
/** The span's cleaned label. */
export const ATTR_LABEL = "dreadnode.label";
/** The span's cleaned tags (string array). */
export const ATTR_TAGS = "dreadnode.tags";
/** The run (root task) id a span belongs to; routes JSONL lines to the run's file. */
export const ATTR_RUN_ID = "dreadnode.run.id";
/** The bound session id; routes JSONL lines to the session's file. */
export const ATTR_SESSION_ID = "dreadnode.session.id";
/** dreadnode's agent session id, also honoured for session routing. */
export const ATTR_AGENT_SESSION_ID = "dreadnode.agent.session_id";
/** The project a span belongs to. */
export const ATTR_PROJECT = "dreadnode.project";
