// A full disk: an append that fails after part of its batch landed leaves what landed, since
// cutting the file back could cut lines another process appended meanwhile; the rejection says
// how many of the batch's lines are in the log whole (`linesWritten`), so the JSONL exporter
// counts exactly those as exported and the rest as failed. The disk is simulated by file handles
// over memory that behave as Node, Bun and Deno do on a full tmpfs: a short write then ENOSPC
// (Node, Bun, Deno's own files), or ENOSPC after part of the bytes landed with no count (Deno's
// node:fs). One test runs the race on a real file, with only the failing write simulated.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonlSpanExporter, spanLogPath } from "../../src/exporter/jsonl.ts";
import type { FileSystem } from "../../src/storage/_fs.ts";
import { type AppendHandle, appendToHandle } from "../../src/storage/_fs_append.ts";
import { FsStorage } from "../../src/storage/_fs_storage.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import { makeSpanRecord } from "../_support/span_records.ts";
import { withDiagnostics } from "../_support/otlp_helpers.ts";
import { hasFileSystem } from "../_support/runtime.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

const enospc = (): Error =>
  Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });

/** The `linesWritten` a rejection carries (undefined when none). */
const linesWrittenOf = (error: unknown): unknown =>
  (error as { linesWritten?: unknown }).linesWritten;

/** Files in memory on a disk with `free` bytes left. */
class FullDisk {
  readonly files = new Map<string, Uint8Array>();
  free: number;
  /** "short": a short write, then ENOSPC; "silent": ENOSPC after part of the bytes landed. */
  readonly mode: "short" | "silent";
  /** Runs once, between a write that landed and the next one (another writer). */
  between: ((path: string) => void) | undefined;
  /**
   * Runs once while a failed append is handled (another writer): after the first read that
   * follows the failed write, else when the handle closes.
   */
  afterFailure: ((path: string) => Promise<void>) | undefined;

  constructor(free: number, mode: "short" | "silent") {
    this.free = free;
    this.mode = mode;
  }

  /** Appends what fits; returns how much did. */
  put(path: string, bytes: Uint8Array): number {
    const old = this.files.get(path) ?? new Uint8Array(0);
    const n = Math.min(this.free, bytes.byteLength);
    const next = new Uint8Array(old.byteLength + n);
    next.set(old);
    next.set(bytes.subarray(0, n), old.byteLength);
    this.files.set(path, next);
    this.free -= n;
    return n;
  }

  text(path: string): string {
    return decoder.decode(this.files.get(path) ?? new Uint8Array(0));
  }

  handle(path: string): AppendHandle {
    const file = () => this.files.get(path) ?? new Uint8Array(0);
    let failed = false;
    const other = async () => {
      const run = failed ? this.afterFailure : undefined;
      if (run === undefined) return;
      this.afterFailure = undefined;
      await run(path);
    };
    return {
      size: () => Promise.resolve(file().byteLength),
      readAt: async (position: number, length: number) => {
        const bytes = file().slice(position, position + length);
        await other();
        return bytes;
      },
      write: (bytes: Uint8Array) => {
        const n = this.put(path, bytes);
        if (n > 0 && this.between) {
          const run = this.between;
          this.between = undefined;
          run(path);
        }
        if (n === bytes.byteLength) return Promise.resolve(n);
        if (n > 0 && this.mode === "short") return Promise.resolve(n);
        failed = true;
        return Promise.reject(enospc());
      },
      // The interface before the fix (which cut a failed append back), so these tests run
      // against it too.
      truncate: (size: number) => {
        this.free += file().byteLength - size;
        this.files.set(path, file().slice(0, size));
        return Promise.resolve();
      },
      close: other,
    } as AppendHandle;
  }

  /** A {@linkcode FileSystem} with what the line API needs. */
  fileSystem(): FileSystem {
    const unused = () => Promise.reject(new Error("not used by these tests"));
    return {
      resolve: (path) => path,
      appendFile: (path, data) => appendToHandle(this.handle(path), data),
      readFile: (path) => {
        const bytes = this.files.get(path);
        if (bytes !== undefined) return Promise.resolve(bytes.slice());
        return Promise.reject(Object.assign(new Error("ENOENT"), { code: "ENOENT" }));
      },
      mkdirp: () => Promise.resolve(),
      writeFile: unused,
      rename: unused,
      remove: unused,
      readDir: unused,
      mtime: unused,
    };
  }
}

const lines = (tag: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ tag, i, pad: "z".repeat(100) }));

const isJson = (line: string): boolean => {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
};

describe("fs storage on a full disk", () => {
  for (const mode of ["short", "silent"] as const) {
    it(`a rejected append keeps its whole lines, says how many, and its torn one is ended (${mode} write)`, async () => {
      const disk = new FullDisk(2_000, mode);
      const storage = new FsStorage(disk.fileSystem(), "fake-fs", { root: "/r" });
      const log = ["projects", "p", "r", "spans.jsonl"];
      await storage.appendLines(log, lines("a", 5));
      const lineBytes = lines("b", 1)[0].length + 1; // every line here has this many bytes
      const whole = Math.floor(disk.free / lineBytes);
      assert.ok(whole > 0 && whole < 40);
      const error = await storage.appendLines(log, lines("b", 40)).then(() => undefined, (e) => e);
      assert.match(String(error), /ENOSPC/);
      assert.equal(linesWrittenOf(error), whole);
      disk.free = 100_000; // space freed: the next append lands whole, after the earlier lines
      await storage.appendLines(log, lines("c", 3));
      const read = await storage.readLines(log);
      const torn = read[5 + whole];
      assert.deepEqual(read, [
        ...lines("a", 5),
        ...lines("b", whole),
        torn,
        ...lines("c", 3),
      ]);
      assert.ok(torn.length > 0 && lines("b", 40)[whole].startsWith(torn) && !isJson(torn));
      await storage.close();
    });
  }

  it("a torn last line (a crash) is kept, and ended, when the append after it fails", async () => {
    const disk = new FullDisk(100, "short");
    disk.put("/f", encoder.encode('{"a":1}\n{"torn'));
    const data = encoder.encode(`{"x":"${"x".repeat(200)}"}\n`);
    const error = await appendToHandle(disk.handle("/f"), data).then(() => undefined, (e) => e);
    assert.equal(linesWrittenOf(error), 0);
    assert.ok(disk.text("/f").startsWith('{"a":1}\n{"torn\n{"x":"xxx'));
  });

  it("lines another writer appended between two writes of a failing append are never cut", async () => {
    const disk = new FullDisk(150, "short");
    disk.between = (path) => {
      disk.free += 6; // another process frees a little space and appends into it
      disk.put(path, encoder.encode("other\n"));
    };
    await assert.rejects(appendToHandle(disk.handle("/f"), encoder.encode("y".repeat(300))));
    assert.equal(disk.text("/f"), "y".repeat(150) + "other\n");
  });

  it("a line another process appends while a failed append is handled is never cut", async () => {
    const disk = new FullDisk(250, "short");
    const acked = '{"b":"acked line"}';
    disk.afterFailure = async (path) => {
      disk.free += 1_000; // the other process is not out of space (EDQUOT hit only this one)
      await appendToHandle(disk.handle(path), encoder.encode(acked + "\n"));
    };
    const batch = lines("a", 3).join("\n") + "\n";
    const error = await appendToHandle(disk.handle("/f"), encoder.encode(batch))
      .then(() => undefined, (e) => e);
    const read = disk.text("/f").split("\n");
    assert.ok(read.includes(acked), "the other process's acknowledged line is in the log");
    assert.equal(read[0], lines("a", 1)[0]);
    assert.equal(linesWrittenOf(error), 1);
  });

  it("on a real file, another writer's line appended while a failed append is handled stays", {
    skip: !hasFileSystem,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "tracelet-full-"));
    const file = join(dir, "spans.jsonl");
    const other = new NodeFsStorage({ root: dir });
    try {
      await writeFile(file, '{"old":1}\n');
      const a = await open(file, "a+");
      let writes = 0;
      let handled = false;
      const batch = encoder.encode('{"a":1}\n{"a":2}\n');
      const error = await appendToHandle({
        size: async () => (await a.stat()).size,
        async readAt(position: number, length: number) {
          const buffer = new Uint8Array(length);
          const { bytesRead } = await a.read(buffer, 0, length, position);
          if (writes > 1 && !handled) {
            handled = true; // the failure is being handled: another process appends now
            await other.appendLines(["spans.jsonl"], ['{"b":"acked line"}']);
          }
          return buffer.subarray(0, bytesRead);
        },
        async write(bytes: Uint8Array) {
          // A short write of whole line `{"a":1}` and a piece of the next, then a full disk.
          if (++writes === 1) return (await a.write(bytes, 0, 11, null)).bytesWritten;
          throw enospc();
        },
        truncate: (size: number) => a.truncate(size), // the interface before the fix
        close: () => a.close(),
      } as AppendHandle, batch).then(() => undefined, (e) => e);
      if (!handled) await other.appendLines(["spans.jsonl"], ['{"b":"acked line"}']);
      assert.match(await readFile(file, "utf8"), /\n\{"b":"acked line"\}\n$/);
      const read = await other.readLines(["spans.jsonl"]);
      assert.deepEqual(read, ['{"old":1}', '{"a":1}', '{"a', '{"b":"acked line"}']);
      assert.match(String(error), /ENOSPC/);
      assert.equal(linesWrittenOf(error), 1);
    } finally {
      await other.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the JSONL exporter counts as exported exactly the spans in the log, the rest as failed", async () => {
    const disk = new FullDisk(6_000, "short");
    const storage = new FsStorage(disk.fileSystem(), "fake-fs", { root: "/r" });
    const exporter = new JsonlSpanExporter({ storage });
    const span = (i: number) =>
      makeSpanRecord({
        name: `s${i}`,
        attributes: { "dreadnode.run.id": "run-1", pad: "z".repeat(200) },
      });
    const first = await exporter.export([0, 1, 2].map(span));
    assert.deepEqual([first.exported, first.failed], [3, 0]);
    let second = { exported: 0, failed: 0 };
    await withDiagnostics(async (diagnostics) => {
      second = await exporter.export(Array.from({ length: 40 }, (_, i) => span(3 + i)));
      const failed = diagnostics.find((d) => d.code === "jsonl_write_failed");
      assert.match(failed?.message ?? "", new RegExp(`Cannot append ${second.failed} span lines`));
    });
    assert.equal(second.exported + second.failed, 40);
    assert.ok(second.exported > 0 && second.failed > 0, JSON.stringify(second));
    const written = (await storage.readLines(spanLogPath(span(0), "default")))
      .filter(isJson).map((line) => JSON.parse(line).name);
    assert.deepEqual(written, Array.from({ length: 3 + second.exported }, (_, i) => `s${i}`));
    await storage.close();
  });

  it("the JSONL exporter takes a storage's linesWritten only as a count within the batch", async () => {
    let reject: unknown;
    const failing = { kind: "failing", appendLines: () => Promise.reject(reject) };
    const exporter = new JsonlSpanExporter({ storage: failing as unknown as TraceStorage });
    const spans = [0, 1, 2].map((i) =>
      makeSpanRecord({ name: `s${i}`, attributes: { "dreadnode.run.id": "run-1" } })
    );
    const throwing = Object.defineProperty(new Error("x"), "linesWritten", {
      get() {
        throw new Error("hostile");
      },
    });
    const cases: [unknown, number][] = [
      [Object.assign(new Error("x"), { linesWritten: 2 }), 2],
      [Object.assign(new Error("x"), { linesWritten: 2.5 }), 2],
      [Object.assign(new Error("x"), { linesWritten: 99 }), 3],
      [Object.assign(new Error("x"), { linesWritten: -1 }), 0],
      [Object.assign(new Error("x"), { linesWritten: Number.NaN }), 0],
      [Object.assign(new Error("x"), { linesWritten: "2" }), 0],
      [new Error("x"), 0],
      [null, 0],
      [throwing, 0],
    ];
    await withDiagnostics(async () => {
      for (const [error, exported] of cases) {
        reject = error;
        const report = await exporter.export(spans);
        assert.deepEqual([report.exported, report.failed], [exported, 3 - exported], String(error));
      }
    });
  });
});
