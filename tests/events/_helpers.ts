/** Shared setup for the events-layer tests: memory storage, captured console text, collected spans. */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  AsyncLocalStorageContextManager,
  MemoryStorage,
  setContextManager,
  Tracer,
} from "../../mod.ts";
import type { ContextManager } from "../../mod.ts";
import { EventTracer } from "../../src/events/mod.ts";
import type { EventTracerOptions, TraceEvent } from "../../src/events/mod.ts";
import { CollectingProcessor } from "../_support/collect.ts";

/** An event tracer writing to memory, with console text and tracelet spans captured. */
export function eventSetup(options: EventTracerOptions = {}): {
  tracer: EventTracer;
  storage: MemoryStorage;
  console: { text: string };
  collector: CollectingProcessor;
  readEvents: (requestId: string) => Promise<{ lines: string[]; events: TraceEvent[] }>;
  done: () => Promise<void>;
} {
  const storage = new MemoryStorage();
  const collector = new CollectingProcessor();
  const spans = new Tracer({ processors: [collector] });
  const captured = { text: "" };
  const previous: ContextManager = setContextManager(
    new AsyncLocalStorageContextManager(AsyncLocalStorage),
  );
  const tracer = new EventTracer({
    storage,
    spanTracer: spans,
    consoleStream: { write: (t) => void (captured.text += t) },
    ...options,
  });
  return {
    tracer,
    storage,
    console: captured,
    collector,
    readEvents: async (requestId) => {
      const path = tracer.resolveLatestTracePath(requestId);
      if (path === undefined) return { lines: [], events: [] };
      const lines = await storage.readLines(path.split("/"));
      return { lines, events: lines.map((l) => JSON.parse(l) as TraceEvent) };
    },
    done: async () => {
      setContextManager(previous);
      await spans.shutdown();
    },
  };
}
