/**
 * Typed, structural access to the few runtime globals tracelet ever looks at (`Deno`, `process`,
 * `navigator`). Core code never names these globals directly; it asks this module, which never
 * throws and returns `undefined` where a global is missing or unusable.
 *
 * The types here describe only what tracelet reads. Adapters that need more of a namespace (for
 * example the Deno file APIs in `src/storage/deno_fs.ts`) declare a wider local structural type.
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";

/** The part of the `Deno` namespace tracelet reads everywhere. */
export interface DenoGlobal {
  /** Environment access; `get` throws without `--allow-env`. */
  readonly env: { get(name: string): string | undefined };
  /** Current working directory; throws without read permission. */
  cwd(): string;
  /** Version strings, e.g. `{ deno: "2.1.0" }`. */
  readonly version?: { readonly deno?: string };
  /** Build information, e.g. `{ os: "linux" }`. */
  readonly build?: { readonly os?: string };
  /** Permission queries (`querySync` since Deno 1.37); never prompts. */
  readonly permissions?: {
    querySync?(descriptor: { name: "env"; variable: string }): { readonly state: string };
  };
}

/** The part of Node's `process` object tracelet reads (also present on Bun and Deno 2). */
export interface ProcessGlobal {
  /** Environment variables. */
  readonly env?: Record<string, string | undefined>;
  /** Current working directory. */
  cwd?(): string;
  /** Version strings, e.g. `{ node: "20.11.0", bun: "1.1.0" }`. */
  readonly versions?: Readonly<Record<string, string | undefined>>;
  /** Operating system, e.g. `linux`, `win32`. */
  readonly platform?: string;
}

/** The part of `navigator` tracelet reads. */
export interface NavigatorGlobal {
  /** User agent; `Cloudflare-Workers` inside workerd. */
  readonly userAgent?: string;
}

/** The runtime tracelet is running on. */
export type RuntimeKey = "deno" | "bun" | "node" | "workerd" | "browser" | "unknown";

interface MaybeGlobals {
  readonly Deno?: DenoGlobal;
  readonly process?: ProcessGlobal;
  readonly navigator?: NavigatorGlobal;
  readonly Bun?: unknown;
  readonly document?: unknown;
}

const globals = globalThis as unknown as MaybeGlobals;

/**
 * The `Deno` namespace when running on Deno.
 *
 * @returns The namespace, or `undefined` on other runtimes.
 */
export function getDeno(): DenoGlobal | undefined {
  const deno = globals.Deno;
  return typeof deno === "object" && deno !== null && typeof deno.env === "object"
    ? deno
    : undefined;
}

/**
 * Node's `process` object (Node, Bun, Deno 2, workerd with `nodejs_compat`).
 *
 * @returns The object, or `undefined` where there is none.
 */
export function getProcess(): ProcessGlobal | undefined {
  const proc = globals.process;
  return typeof proc === "object" && proc !== null ? proc : undefined;
}

/**
 * A built-in module the runtime hands out synchronously (`process.getBuiltinModule`: Node 20.16
 * and later, Deno, Bun, workerd with `nodejs_compat`). Never throws.
 *
 * @param id The module id (`node:fs`).
 * @returns The module, or `undefined` where there is none (or the runtime refuses it).
 */
export function builtinModule(id: string): unknown {
  try {
    const proc = getProcess() as { getBuiltinModule?(id: string): unknown } | undefined;
    return typeof proc?.getBuiltinModule === "function" ? proc.getBuiltinModule(id) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The global `navigator`, if any.
 *
 * @returns The navigator, or `undefined`.
 */
export function getNavigator(): NavigatorGlobal | undefined {
  const nav = globals.navigator;
  return typeof nav === "object" && nav !== null ? nav : undefined;
}

/**
 * Test seam: when `key` is set, {@linkcode runtimeKey} returns it instead of detecting the
 * runtime (tests that emulate a page in Deno, Node or Bun set it to `browser`, then unset it).
 */
export const runtimeOverride: { key?: RuntimeKey } = {};

/**
 * Names the runtime. Deno is checked before Node because Deno 2 also defines `process`, and
 * workerd before Node because `nodejs_compat` defines `process.versions.node` as well.
 *
 * @returns One of `deno`, `bun`, `node`, `workerd`, `browser`, `unknown`.
 * @example
 * ```ts
 * import { runtimeKey } from "./_globals.ts";
 * if (runtimeKey() === "workerd") console.log("flush through ctx.waitUntil");
 * ```
 */
export function runtimeKey(): RuntimeKey {
  if (runtimeOverride.key !== undefined) return runtimeOverride.key;
  if (getDeno() !== undefined) return "deno";
  const versions = getProcess()?.versions;
  if (globals.Bun !== undefined || typeof versions?.bun === "string") return "bun";
  if (getNavigator()?.userAgent === "Cloudflare-Workers") return "workerd";
  if (typeof versions?.node === "string") return "node";
  if (typeof globals.document === "object" || getNavigator() !== undefined) return "browser";
  return "unknown";
}

/**
 * Whether code runs in a web page or a web worker, where a cross-origin request with other than
 * CORS-safelisted headers is preflighted. Never on Deno, Node, Bun or workerd, even with a global
 * `document` (happy-dom or jsdom in tests, server-side rendering): a `document` counts only where
 * the runtime is not one of those.
 *
 * @returns True in a browser.
 */
export function inBrowser(): boolean {
  return runtimeKey() === "browser";
}

/**
 * Whether `error` is a missing runtime permission: Deno's `NotCapable` (Deno 2) or
 * `PermissionDenied` (Deno 1). Never throws.
 *
 * @param error Anything thrown.
 * @returns True for a permission error.
 */
export function isPermissionError(error: unknown): boolean {
  try {
    const name = (error as { name?: unknown } | null | undefined)?.name;
    return name === "NotCapable" || name === "PermissionDenied";
  } catch {
    return false;
  }
}

/**
 * Reads an environment variable from `Deno.env` or `process.env`. Never throws: a missing
 * permission (`--allow-env`, reported once as `env_denied`; checked first so Deno never prompts), an invalid name or a runtime without environment gives `undefined`.
 *
 * @param name Variable name, e.g. `TRACELET_HOME`.
 * @returns The value, or `undefined` when unset or unreadable.
 */
export function getEnv(name: string): string | undefined {
  const deno = getDeno();
  if (deno !== undefined) {
    try {
      // Queried first: reading a variable not granted would prompt on a terminal.
      const state = deno.permissions?.querySync?.({ name: "env", variable: name }).state;
      if (state === undefined || state === "granted") return deno.env.get(name);
    } catch (error) {
      if (!isPermissionError(error)) return undefined; // e.g. an invalid name
    }
    reportOnce(
      "env_denied",
      "warn",
      "env_denied",
      `${name} (and any other TRACELET_* or OTEL_* variable not granted) is ignored: run Deno ` +
        `with --allow-env`,
    );
    return undefined;
  }
  try {
    const value = getProcess()?.env?.[name];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The current working directory from `Deno.cwd()` or `process.cwd()`. Never throws.
 *
 * @returns The directory, or `undefined` when unknown or not permitted.
 */
export function getCwd(): string | undefined {
  try {
    const deno = getDeno();
    if (deno !== undefined) return deno.cwd();
    const proc = getProcess();
    return typeof proc?.cwd === "function" ? proc.cwd() : undefined;
  } catch {
    return undefined;
  }
}
