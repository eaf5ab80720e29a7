/**
 * A drainer of a file-system outbox, run as a worker thread or a child process by the tests of
 * outbox leases across threads and processes (`fs_outbox_disk_leases.test.ts`). It opens its own
 * storage object on the root and, at the agreed time (so several start together):
 * - `drain`: drains the outbox as the OTLP exporter does, delivering each body with a POST to
 *   `url` (a loopback receiver of the test), then exits;
 * - `lease`: leases every entry for `leaseMillis` and exits without acking or closing anything,
 *   as a drainer killed mid-drain leaves them.
 *
 * Its settings come from `workerData` in a thread, else from the `TRACELET_TEST_DRAINER`
 * environment variable (JSON). It writes what it did (`{ delivered, leased }`) to `report`.
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import process from "node:process";
import { isMainThread, workerData } from "node:worker_threads";
import { drainOutbox, outboxRetryPolicy } from "../../src/exporter/_outbox.ts";
import { emptyReport } from "../../src/processor/report.ts";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import { isDeno } from "../_support/runtime.ts";

/** What a drainer is told to do. */
export interface DrainerSettings {
  /** `drain` (deliver everything) or `lease` (lease everything and quit). */
  readonly mode: "drain" | "lease";
  /** The storage root. */
  readonly root: string;
  /** The destination tag of the entries. */
  readonly destination: string;
  /** Where `drain` POSTs each body. */
  readonly url: string;
  /** Epoch ms at which to start. */
  readonly startAt: number;
  /** How long `lease` leases the entries. */
  readonly leaseMillis: number;
  /** The file the drainer writes its report to (JSON). */
  readonly report: string;
}

/** What a drainer did. */
export interface DrainerReport {
  /** Entries it delivered (their bodies as text). */
  readonly delivered: string[];
  /** Entries it leased (`lease` mode), by body text. */
  readonly leased: string[];
}

const decoder = new TextDecoder();

async function main(settings: DrainerSettings): Promise<void> {
  const storage: TraceStorage = isDeno
    ? new DenoFsStorage({ root: settings.root })
    : new NodeFsStorage({ root: settings.root });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, settings.startAt - Date.now())));
  const delivered: string[] = [];
  const leased: string[] = [];
  if (settings.mode === "lease") {
    const lease = { owner: crypto.randomUUID(), millis: settings.leaseMillis };
    for (const entry of await storage.outbox.peek(1000, { lease })) {
      leased.push(decoder.decode(entry.body));
    }
  } else {
    await drainOutbox({
      outbox: storage.outbox,
      destination: settings.destination,
      policy: outboxRetryPolicy(),
      deadline: Date.now() + 30_000,
      report: emptyReport(),
      async deliver(entry) {
        const response = await fetch(settings.url, {
          method: "POST",
          body: entry.body as BodyInit,
        });
        await response.arrayBuffer();
        if (response.ok) delivered.push(decoder.decode(entry.body));
        return { ok: response.ok, attempts: 1, reason: `http_${response.status}` };
      },
    });
  }
  const report: DrainerReport = { delivered, leased };
  await writeFile(settings.report, JSON.stringify(report));
}

const given = isMainThread
  ? process.env.TRACELET_TEST_DRAINER
  : JSON.stringify(workerData as DrainerSettings);
if (given !== undefined) {
  const settings = JSON.parse(given) as DrainerSettings;
  // A lease-mode drainer quits at once, with nothing closed: as a killed one leaves its leases.
  await main(settings).then(
    () => settings.mode === "lease" && isMainThread ? process.exit(0) : undefined,
  );
}
