/**
 * Bun WebSocket upgrades seen by `traceFetchHandler`. Bun's pattern
 * `if (server.upgrade(request)) return;` answers 101 while the handler returns nothing (and Bun
 * ignores a response returned after an upgrade), so the span must learn of the upgrade itself.
 * While a traced handler runs, the Bun server it was given has its `upgrade` observed through a
 * non-enumerable own property that calls the original with the same `this` and arguments and
 * returns its result unchanged; the property is removed when the last traced handler on that
 * server settles.
 *
 * @module
 */

/** The part of a Bun server this reads. */
interface BunServer {
  upgrade: (...args: unknown[]) => unknown;
  requestIP?: unknown;
}

/** Requests that a successful `server.upgrade()` took over. */
const upgraded = new WeakSet<object>();
/** Per observed server: traced handlers running, and how to restore it. */
const watched = new WeakMap<object, { count: number; restore: () => void }>();

/** True for a Bun server: on Bun, with `upgrade()` and `requestIP()`. Never throws. */
function isBunServer(value: unknown): value is BunServer {
  try {
    return (globalThis as { Bun?: unknown }).Bun !== undefined && typeof value === "object" &&
      value !== null && typeof (value as BunServer).upgrade === "function" &&
      typeof (value as BunServer).requestIP === "function";
  } catch {
    return false;
  }
}

/** Makes `server.upgrade` an observing own property; gives how to undo that. Never throws. */
function observe(server: BunServer): (() => void) | undefined {
  try {
    const before = Object.getOwnPropertyDescriptor(server, "upgrade");
    const original = server.upgrade;
    const upgrade = function (this: unknown, ...args: unknown[]): unknown {
      const result = Reflect.apply(original, this, args);
      if (result === true && typeof args[0] === "object" && args[0] !== null) {
        upgraded.add(args[0]);
      }
      return result;
    };
    Object.defineProperty(upgrade, "name", { value: original.name });
    Object.defineProperty(server, "upgrade", {
      value: upgrade,
      writable: true,
      configurable: true,
    });
    return () => {
      // Leave alone an `upgrade` that someone else set in the meantime.
      if (Object.getOwnPropertyDescriptor(server, "upgrade")?.value !== upgrade) return;
      if (before === undefined) delete (server as Partial<BunServer>).upgrade;
      else Object.defineProperty(server, "upgrade", before);
    };
  } catch {
    return undefined;
  }
}

/**
 * Observes the WebSocket upgrades of the Bun server among a handler's arguments (Bun passes it
 * second) until the returned function is called; gives undefined when there is no Bun server.
 *
 * @param server The handler's argument after the request.
 * @returns Stops observing (call it once, when the handler has settled) and answers whether
 *   `request` was upgraded.
 */
export function watchUpgrades(server: unknown): ((request: Request) => boolean) | undefined {
  if (!isBunServer(server)) return undefined;
  let watch = watched.get(server);
  if (watch === undefined) {
    const restore = observe(server);
    if (restore === undefined) return undefined;
    watch = { count: 0, restore };
    watched.set(server, watch);
  }
  watch.count++;
  const current = watch;
  return (request) => {
    if (--current.count === 0) {
      watched.delete(server);
      try {
        current.restore();
      } catch {
        // A server that cannot be restored keeps the observing `upgrade`, which still works.
      }
    }
    return upgraded.has(request);
  };
}
