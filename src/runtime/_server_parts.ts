/**
 * What the Node and Deno presets share: AsyncLocalStorage context, node:zlib gzip, local file
 * reads, environment variables, background timers and writes at the process's end. Each preset
 * adds its runtime name, its file storage and its exit hook.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { AsyncLocalStorageContextManager } from "../context/als_manager.ts";
import type { RuntimeParts } from "../configure.ts";
import { writeAtExit } from "./_exit_sync.ts";
import { getEnv } from "./_globals.ts";
import { nodeGzip } from "./_node_gzip.ts";
import { nodeLocalFiles } from "./node_local_files.ts";

/** The parts a server runtime supplies itself. */
export type ServerSpecificParts = Pick<RuntimeParts, "runtime" | "storage" | "onExit">;

/**
 * Completes a server runtime's parts with what Node and Deno share.
 *
 * @param specific Runtime name, file storage factory and exit hook.
 * @returns The full runtime parts.
 */
export function serverParts(specific: ServerSpecificParts): RuntimeParts {
  return {
    contextManager: () => new AsyncLocalStorageContextManager(AsyncLocalStorage),
    files: nodeLocalFiles,
    env: getEnv,
    compress: nodeGzip,
    timers: true,
    sdkLanguage: "nodejs",
    writeAtExit,
    ...specific,
  };
}
