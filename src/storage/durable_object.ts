/**
 * Durable Object storage for tracelet, in two shapes:
 *
 * - {@linkcode DurableObjectTraceStorage} runs **inside** a Durable Object over its own
 *   `state.storage`: transactional, strongly consistent, the best home for the export outbox.
 * - {@linkcode DurableObjectStubStorage} runs in a **plain Worker** and forwards every call to a
 *   {@linkcode TraceletDurableObject} that you export and bind; one named object then holds one
 *   outbox shared by every isolate. Give it the namespace binding: it takes a new stub for every
 *   call, since workerd lets a stub be used only in the request that created it.
 *
 * Durable Object values are small (128 KiB on key-value backed objects; tracelet splits larger
 * ones into parts), so keep large blobs and artifacts in R2.
 *
 * @example
 * ```ts
 * import { DurableObjectStubStorage, TraceletDurableObject } from "@tracelet/tracelet/storage/durable-object";
 * import type { DurableObjectNamespaceLike } from "@tracelet/tracelet/storage/durable-object";
 *
 * // In your Worker's entry module: `export { TraceletDurableObject };` (bound as TRACELET_DO in
 * // wrangler.toml) and `export default worker;`
 * console.log(typeof TraceletDurableObject); // "function"
 * const worker = {
 *   async fetch(_request: Request, env: { TRACELET_DO: DurableObjectNamespaceLike }): Promise<Response> {
 *     const storage = new DurableObjectStubStorage(env.TRACELET_DO, { name: "outbox" });
 *     console.log(await storage.outbox.bytes());
 *     return new Response("ok");
 *   },
 * };
 * ```
 *
 * @module
 */

export { DurableObjectTraceStorage } from "./_durable_object_storage.ts";
export type {
  DurableObjectStorageLike,
  DurableObjectTraceStorageOptions,
} from "./_durable_object_storage.ts";
export { TraceletDurableObject } from "./_durable_object_server.ts";
export type { DurableObjectStateLike } from "./_durable_object_server.ts";
export { DurableObjectStubStorage } from "./_durable_object_client.ts";
export type {
  DurableObjectNamespaceLike,
  DurableObjectStubLike,
  DurableObjectStubStorageOptions,
} from "./_durable_object_client.ts";
