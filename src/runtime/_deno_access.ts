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
    state = access.name === "net"
      ? api.permissions?.querySync?.(access).state
      : pathState(api, access.name, access.path);
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

/** At most this many granted directories are remembered per `Deno` namespace (then it starts over). */
const MAX_GRANTED_DIRECTORIES = 1024;

/** What is known granted, per `Deno` namespace. */
interface Granted {
  /** Permissions granted for every path (`-A`, `--allow-write` without a list). */
  readonly everywhere: Set<string>;
  /** `read:/dir`: a directory granted, and so everything below it. */
  readonly directories: Set<string>;
}

const GRANTED = new WeakMap<object, Granted>();

/**
 * The state of a file permission, asking Deno about as few distinct paths as it can. Deno keeps
 * every answer to `querySync` for a distinct path for good (about 450 bytes each): asking about
 * each file of each trace's own log grew the heap by ~1.6 KB a trace, without bound. A grant for
 * every path, or for a directory (and so all below it), is asked once and remembered; only the
 * directories above a granted one, the same few each time, are asked again.
 */
function pathState(api: DenoPermissions, name: "read" | "write", path: string): string | undefined {
  const query = api.permissions?.querySync;
  if (query === undefined) return undefined;
  let granted = GRANTED.get(api);
  if (granted === undefined) {
    granted = { everywhere: new Set(), directories: new Set() };
    GRANTED.set(api, granted);
  }
  if (granted.everywhere.has(name)) return "granted";
  const all = query.call(api.permissions, { name } as DenoAccess).state;
  if (all === "granted") {
    granted.everywhere.add(name);
    return all;
  }
  const chain = ancestry(path);
  if (chain.some((dir) => granted.directories.has(`${name}:${dir}`))) return "granted";
  let state: string | undefined;
  for (const dir of chain) {
    state = query.call(api.permissions, { name, path: dir }).state;
    if (state !== "granted") continue;
    if (granted.directories.size >= MAX_GRANTED_DIRECTORIES) granted.directories.clear();
    granted.directories.add(`${name}:${dir}`);
    return state;
  }
  return state;
}

/**
 * A path and the directories above it, the outermost first: `/a/b` → `/`, `/a`, `/a/b`;
 * `a/b` → `.`, `a`, `a/b`; `C:\a` → `C:\`, `C:\a`.
 */
function ancestry(path: string): string[] {
  const chain: string[] = [];
  const root = /^(?:[A-Za-z]:)?[\\/]/.exec(path)?.[0];
  chain.push(root ?? ".");
  for (let i = root?.length ?? 0; i < path.length; i++) {
    const c = path[i];
    if ((c === "/" || c === "\\") && i > 0) chain.push(path.slice(0, i));
  }
  if (path !== chain[chain.length - 1]) chain.push(path);
  return chain;
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
