// Outbox leases of the file-system adapters across worker threads and processes: the leases are
// files beside the entries, so several drainers of one root (the threads of one process, the
// workers of a Node cluster) deliver each parked batch exactly once, to a real loopback
// receiver; a lease left by a drainer that quit without ending it holds until it expires, then
// the entry is delivered; an expired lease is taken over by exactly one of several drainers; and
// a storage object that closes, or a drainer that lets an entry go (`release`), ends its leases.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { link, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FsOutboxLeases } from "../../src/storage/_fs_outbox_leases.ts";
import { OutboxLeases } from "../../src/storage/_outbox_leases.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { nodeFileSystem } from "../_support/node_file_system.ts";
import type { OutboxInput, TraceStorage } from "../../src/storage/types.ts";
import { withTempDir } from "../_support/files.ts";
import { runChildModule } from "../_support/child_module.ts";
import { hasFileSystem, isBun, isDeno } from "../_support/runtime.ts";
import type { DrainerReport, DrainerSettings } from "./_outbox_drainer.ts";

const DESTINATION = "5eed1e55";
const ENTRIES = 80; // more than a drain's page (32): the drainers take turns
const DRAINERS = 3;

const encoder = new TextEncoder();

function entry(n: number): OutboxInput {
  return {
    body: encoder.encode(`entry-${n}`),
    contentType: `application/json; tracelet-destination=${DESTINATION}`,
    spanCount: 1,
    reason: "http_503",
    createdAt: Date.now(),
    notBefore: 0,
    attempts: 0,
  };
}

const storageOn = (root: string): TraceStorage =>
  isDeno ? new DenoFsStorage({ root }) : new NodeFsStorage({ root });

async function park(root: string, count: number): Promise<TraceStorage> {
  const storage = storageOn(root);
  for (let n = 0; n < count; n++) await storage.outbox.enqueue(entry(n));
  return storage;
}

/** A loopback OTLP-like receiver that counts every body it gets, answering after 5 ms. */
async function withReceiver(
  fn: (url: string, received: Map<string, number>) => Promise<void>,
): Promise<void> {
  const received = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const chunks: Uint8Array[] = [];
    request.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.set(body, (received.get(body) ?? 0) + 1);
      setTimeout(() => response.end("{}"), 5); // slow enough for the drains to overlap
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}/v1/traces`, received);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function settings(
  dir: string,
  root: string,
  url: string,
  index: number,
  mode: DrainerSettings["mode"] = "drain",
  leaseMillis = 60_000,
): DrainerSettings {
  return {
    mode,
    root,
    destination: DESTINATION,
    url,
    startAt: Date.now() + 1500, // after every drainer has loaded
    leaseMillis,
    report: join(dir, `report-${index}.json`),
  };
}

/** The drainer module (computed on call: workerd has no file URLs). */
const drainerUrl = (): URL => new URL("./_outbox_drainer.ts", import.meta.url);

/** Runs a drainer in a worker thread of this process; resolves when the thread ends. */
async function inThread(drainer: DrainerSettings): Promise<void> {
  const { Worker } = await import("node:worker_threads");
  // Node needs tsx in the thread too; Deno and Bun load TypeScript themselves.
  const worker = isDeno || isBun ? new Worker(drainerUrl(), { workerData: drainer }) : new Worker(
    `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((tsx) => {` +
      ` tsx.register(); return import(${JSON.stringify(drainerUrl().href)}); });`,
    { eval: true, workerData: drainer },
  );
  await new Promise<void>((resolve, reject) => {
    worker.on("error", reject);
    worker.on("exit", (code) => code === 0 ? resolve() : reject(new Error(`exit ${code}`)));
  });
}

/** Runs a drainer in a child process of the current runtime; resolves when it ends. */
async function inProcess(drainer: DrainerSettings): Promise<void> {
  const result = await runChildModule(fileURLToPath(drainerUrl()), {
    TRACELET_TEST_DRAINER: JSON.stringify(drainer),
  });
  assert.equal(result.code, 0, result.stderr);
}

async function reports(drainers: readonly DrainerSettings[]): Promise<DrainerReport[]> {
  return await Promise.all(
    drainers.map(async (d) => JSON.parse(await readFile(d.report, "utf8")) as DrainerReport),
  );
}

/** The lease table of the root's outbox as another process has it (its own memory). */
const otherProcess = (root: string): FsOutboxLeases =>
  new FsOutboxLeases(nodeFileSystem, link, join(root, "outbox"), new OutboxLeases());

const expected = Array.from({ length: ENTRIES }, (_, n) => `entry-${n}`).sort();

describe("fs outbox leases across threads and processes", { skip: !hasFileSystem }, () => {
  for (const [where, run] of [["worker threads", inThread], ["processes", inProcess]] as const) {
    it(`${DRAINERS} ${where} draining one root deliver each parked batch exactly once`, () =>
      withTempDir("tracelet-disk-leases-", async (dir) => {
        const root = join(dir, "root");
        const parked = await park(root, ENTRIES);
        await withReceiver(async (url, received) => {
          const drainers = Array.from(
            { length: DRAINERS },
            (_, i) => settings(dir, root, url, i),
          );
          await Promise.all(drainers.map(run));
          const sent = [...received.keys()].sort();
          assert.deepEqual(sent, expected, "every batch arrived");
          const twice = [...received].filter(([, count]) => count > 1).map(([body]) => body);
          assert.deepEqual(twice, [], "no batch arrived twice");
          const delivered = (await reports(drainers)).flatMap((r) => r.delivered);
          assert.equal(delivered.length, ENTRIES, "each delivered by one drainer");
        });
        assert.deepEqual(await parked.outbox.peek(100), []);
        assert.deepEqual(await readdir(join(root, "outbox")), [], "no lease file left");
        await parked.close?.();
      }));
  }

  it("a lease left by a drainer that quit holds until it expires, then the entry is delivered", () =>
    withTempDir("tracelet-disk-leases-", async (dir) => {
      const root = join(dir, "root");
      const parked = await park(root, 4);
      await withReceiver(async (url) => {
        const quitter = { ...settings(dir, root, url, 0, "lease", 2_000), startAt: 0 };
        await inProcess(quitter);
        const [{ leased }] = await reports([quitter]);
        assert.equal(leased.length, 4);
        const lease = { owner: "next-process", millis: 60_000 };
        assert.deepEqual(await parked.outbox.peek(10, { lease }), [], "still leased");
        await new Promise((resolve) => setTimeout(resolve, 2_100));
        const taken = await parked.outbox.peek(10, { lease });
        assert.deepEqual(taken.map((e) => new TextDecoder().decode(e.body)).sort(), [
          "entry-0",
          "entry-1",
          "entry-2",
          "entry-3",
        ]);
      });
      await parked.close?.();
    }));

  it("an expired lease is taken over by exactly one of several drainers", () =>
    withTempDir("tracelet-disk-leases-", async (dir) => {
      const root = join(dir, "root");
      const parked = await park(root, 1);
      const [{ id }] = await parked.outbox.peek(1);
      const table = () => otherProcess(root);
      const now = Date.now();
      assert.equal(await table().claim(id, "killed", now + 50, now), true);
      assert.equal(await table().claim(id, "early", now + 60_000, now), false, "not expired yet");
      const later = now + 100;
      const tables = Array.from({ length: 8 }, table);
      const won = await Promise.all(
        tables.map((t, i) => t.claim(id, `drainer-${i}`, later + 60_000, later)),
      );
      assert.equal(won.filter(Boolean).length, 1, "one drainer took it over");
      assert.equal(await table().claim(id, "late", later + 60_000, later), false);
      const names = await readdir(join(root, "outbox"));
      assert.deepEqual(names.filter((n) => !n.endsWith(".bin") && !n.endsWith(".json")), [
        `${id}.lease`,
      ], "no marker or temporary file left");
      await parked.close?.();
    }));

  it("ends its leases when the storage closes, or when a drainer lets an entry go", () =>
    withTempDir("tracelet-disk-leases-", async (dir) => {
      const root = join(dir, "root");
      const parked = await park(root, 2);
      const elsewhere = otherProcess(root);
      const holder = storageOn(root);
      const lease = { owner: "holder", millis: 60_000 };
      const [first, second] = await holder.outbox.peek(2, { lease });
      const now = Date.now();
      assert.equal(await elsewhere.claim(first.id, "other", now + 1_000, now), false);
      await holder.outbox.release!(first.id);
      assert.equal(await elsewhere.claim(first.id, "other", now + 1_000, now), true);
      assert.equal(await elsewhere.claim(second.id, "other", now + 1_000, now), false);
      await holder.close?.();
      assert.equal(await elsewhere.claim(second.id, "other", now + 1_000, now), true);
      await parked.close?.();
    }));
});
