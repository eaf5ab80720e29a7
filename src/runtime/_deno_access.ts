/**
 * Deno permissions checked without ever prompting. Run in a terminal without a permission, Deno
 * stops the whole program at the first file or network access to ask the user for it, and
 * tracing would hang its host (a flush's deadline cannot run while Deno waits). tracelet asks
 * Deno first, with `Deno.permissions.querySync` (which never prompts), and treats anything but
 * `granted` as denied, as Deno itself does where it cannot prompt: the access fails at once with
 * Deno's own error and message (`NotCapable`, "Requires write access to …").
 *
 * @module
 */
import type { DenoGlobal } from "./_globals.ts";

/** A permission tracelet may need on Deno, with what it names. */
export type DenoAccess =
  | { readonly name: "read" | "write"; readonly path: string }
  | { readonly name: "net"; readonly host: string };

interface DenoPermissions {
  readonly permissions?: { querySync?(descriptor: DenoAccess): { readonly state: string } };
  readonly errors?: { readonly NotCapable?: new (message: string) => Error };
}

/**
 * The error Deno would throw for an access not granted, or `undefined` when it is granted (or
 * the runtime cannot say: older Deno without `querySync`). Never throws, never prompts.
 *
 * @param deno The `Deno` namespace.
 * @param access The permission and the path or host it is for.
 * @returns Deno's `NotCapable` error (or an `Error` named so), or `undefined`.
 */
export function deniedAccess(deno: DenoGlobal, access: DenoAccess): Error | undefined {
  const api = deno as unknown as DenoPermissions;
  let state: string | undefined;
  try {
    state = api.permissions?.querySync?.(access).state;
  } catch {
    return undefined; // an unknown descriptor: let the access itself decide
  }
  if (state === undefined || state === "granted") return undefined;
  const target = access.name === "net" ? access.host : access.path;
  const message = `Requires ${access.name} access to "${target}", run again with the ` +
    `--allow-${access.name} flag`;
  try {
    const NotCapable = api.errors?.NotCapable;
    if (typeof NotCapable === "function") return new NotCapable(message);
  } catch {
    // fall through to a plain error of the same name
  }
  const error = new Error(message);
  error.name = "NotCapable";
  return error;
}

/**
 * Throws Deno's error when any of the accesses is not granted (see {@linkcode deniedAccess}).
 *
 * @param deno The `Deno` namespace.
 * @param accesses The permissions an operation needs.
 * @throws {Error} `NotCapable` for the first access not granted.
 */
export function requireAccess(deno: DenoGlobal, ...accesses: DenoAccess[]): void {
  for (const access of accesses) {
    const denied = deniedAccess(deno, access);
    if (denied !== undefined) throw denied;
  }
}
