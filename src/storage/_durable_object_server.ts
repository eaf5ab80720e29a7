/**
 * {@linkcode TraceletDurableObject}: a Durable Object class that serves tracelet's storage calls
 * to plain Workers (through {@linkcode DurableObjectStubStorage}). Every call runs in order, one at
 * a time, over {@linkcode DurableObjectTraceStorage}, so the outbox is one strongly consistent
 * FIFO no matter how many Workers enqueue into it.
 *
 * @module
 */

import { decodeFrame, type DurableObjectOp, encodeFrame } from "./_durable_object_protocol.ts";
import {
  type DurableObjectStorageLike,
  DurableObjectTraceStorage,
} from "./_durable_object_storage.ts";
import { SerialQueue } from "./_serial.ts";
import type { OutboxEntry, OutboxOptions, TraceStorage } from "./types.ts";

/** The part of a Durable Object's state (`DurableObjectState`) tracelet uses. */
export interface DurableObjectStateLike {
  /** The object's transactional storage. */
  readonly storage: DurableObjectStorageLike;
}

interface Reply {
  readonly header: Record<string, unknown>;
  readonly parts?: Uint8Array[];
}

function entriesReply(entries: readonly OutboxEntry[]): Reply {
  const header = entries.map(({ body, ...fields }) => ({ ...fields, size: body.byteLength }));
  return { header: { result: header }, parts: entries.map((e) => e.body) };
}

/**
 * The Durable Object class behind {@linkcode DurableObjectStubStorage}. Export it from your
 * Worker's entry module and bind it (for example as `TRACELET_DO`).
 *
 * @example
 * ```ts
 * // worker.ts, with a `durable_objects` binding TRACELET_DO → class TraceletDurableObject:
 * //   export { TraceletDurableObject } from "@tracelet/tracelet/storage/durable-object";
 * import { TraceletDurableObject } from "@tracelet/tracelet/storage/durable-object";
 * console.log(typeof TraceletDurableObject); // "function"
 * ```
 */
export class TraceletDurableObject {
  readonly #state: DurableObjectStateLike;
  readonly #storages = new Map<string, TraceStorage>();
  readonly #serial = new SerialQueue();

  /**
   * Called by the runtime when the object starts.
   *
   * @param state The Durable Object state the runtime passes in.
   * @param _env The Worker environment (unused).
   */
  constructor(state: DurableObjectStateLike, _env?: unknown) {
    this.#state = state;
  }

  /**
   * Serves one storage call: a POST whose body is a frame (see `_durable_object_protocol.ts`).
   *
   * @param request The call.
   * @returns A frame with the result, or status 400/500 with the error.
   */
  async fetch(request: Request): Promise<Response> {
    try {
      if (request.method !== "POST") throw new TypeError("Cannot serve request: expected POST");
      // The body is read in turn too: awaited first, a small call would overtake a large one.
      const reply = await this.#serial.run("op", async () => {
        const frame = decodeFrame(new Uint8Array(await request.arrayBuffer()));
        return this.#call(frame.header, frame.payload);
      });
      return new Response(encodeFrame(reply.header, reply.parts));
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      const status = error instanceof TypeError || error instanceof RangeError ? 400 : 500;
      return new Response(encodeFrame({ error: { name, message } }), { status });
    }
  }

  #storage(header: Record<string, unknown>): TraceStorage {
    const prefix = typeof header.prefix === "string" ? header.prefix : undefined;
    const limits = (header.limits ?? {}) as OutboxOptions;
    const key = JSON.stringify([
      prefix,
      limits.outboxMaxBytes,
      limits.outboxMaxEntries,
      limits.outboxDropPolicy,
      limits.outboxMaxAgeMillis,
    ]);
    let storage = this.#storages.get(key);
    if (storage === undefined) {
      storage = new DurableObjectTraceStorage(this.#state.storage, { ...limits, prefix });
      if (this.#storages.size >= 16) this.#storages.clear();
      this.#storages.set(key, storage);
    }
    return storage;
  }

  async #call(header: Record<string, unknown>, payload: Uint8Array): Promise<Reply> {
    const storage = this.#storage(header);
    const args = (header.args ?? []) as never[];
    const op = header.op as DurableObjectOp;
    switch (op) {
      case "appendLines":
        return { header: { result: await storage.appendLines(args[0], args[1]) ?? null } };
      case "readLines":
        return { header: { result: await storage.readLines(args[0]) } };
      case "putBlob":
        await storage.putBlob(args[0], payload);
        return { header: {} };
      case "getBlob": {
        const bytes = await storage.getBlob(args[0]);
        return bytes === undefined
          ? { header: { found: false } }
          : { header: { found: true }, parts: [bytes] };
      }
      case "hasBlob":
        return { header: { result: await storage.hasBlob(args[0]) } };
      case "enqueue":
        return {
          header: {
            result: await storage.outbox.enqueue(
              { ...(args[0] as object), body: payload } as never,
            ),
          },
        };
      case "peek":
        return entriesReply(await storage.outbox.peek(args[0], args[1]));
      case "update":
        await storage.outbox.update(args[0], args[1]);
        return { header: {} };
      case "ack":
        await storage.outbox.ack(args[0]);
        return { header: {} };
      case "bytes":
        return { header: { result: await storage.outbox.bytes() } };
      default:
        throw new TypeError(`Cannot serve storage call: unknown operation "${String(op)}"`);
    }
  }
}
