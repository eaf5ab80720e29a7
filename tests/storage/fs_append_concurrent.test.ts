// Appends by several processes to one log never leave an empty line: a file whose last byte is
// not "\n" because another process's append is still landing is waited for, not "repaired" with a
// "\n" of its own; only an end that stays torn (a crash) is ended. Real processes appending at
// once, and the decision itself on files whose end changes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type AppendHandle,
  appendToHandle,
  appendToHandleSync,
  type SyncAppendHandle,
} from "../../src/storage/_fs_append.ts";
import { TORN_QUIET_MILLIS, tornEnd, tornEndSync } from "../../src/storage/_fs_torn_end.ts";
import { withTempDir } from "../_support/files.ts";
import { runChildModule } from "../_support/child_module.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import type { AppenderSettings } from "./_concurrent_appender.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A file as the kernel keeps it under appends: another process's append is landing (its first
 * part is in the file, the rest lands `landsIn` ms later), and a write waits for it to land
 * (appends to one file are serialized), then goes at the end.
 */
class FileUnderAppend {
  bytes: Uint8Array;
  readonly #landed: Promise<void>;

  constructor(before: string, landed: string, landing: string, landsIn: number) {
    this.bytes = encoder.encode(before + landed);
    this.#landed = new Promise((resolve) =>
      setTimeout(() => {
        this.#append(encoder.encode(landing));
        resolve();
      }, landsIn)
    );
  }

  #append(more: Uint8Array): void {
    const bytes = new Uint8Array(this.bytes.byteLength + more.byteLength);
    bytes.set(this.bytes);
    bytes.set(more, this.bytes.byteLength);
    this.bytes = bytes;
  }

  handle(): AppendHandle {
    return {
      size: () => Promise.resolve(this.bytes.byteLength),
      readAt: (position, length) => Promise.resolve(this.bytes.slice(position, position + length)),
      write: async (data) => {
        await this.#landed;
        this.#append(data);
        return data.byteLength;
      },
      close: () => Promise.resolve(),
    };
  }

  text(): string {
    return decoder.decode(this.bytes);
  }
}

describe("appends while another process's append is landing", () => {
  it("waits for it instead of ending its line: no empty line", async () => {
    const file = new FileUnderAppend('{"a":1}\n', '{"other":"', 'half landed"}\n', 20);
    await appendToHandle(file.handle(), encoder.encode('{"ours":1}\n'));
    assert.equal(file.text(), '{"a":1}\n{"other":"half landed"}\n{"ours":1}\n');
  });

  it("still ends a line torn by a crash, once its end has stayed still", async () => {
    const file = new FileUnderAppend('{"a":1}\n', '{"torn', "", 0);
    const started = Date.now();
    await appendToHandle(file.handle(), encoder.encode('{"ours":1}\n'));
    assert.equal(file.text(), '{"a":1}\n{"torn\n{"ours":1}\n');
    assert.ok(Date.now() - started >= TORN_QUIET_MILLIS - 5, "looked long enough");
  });

  it("decides the same way synchronously (at exit) and asynchronously", async () => {
    let size = 10;
    let looks = 0;
    const growing = {
      size: () => size += 4096, // a page more each time it is looked at
      // Ends in "x" until the append in flight lands, at the third look.
      readAt: () => encoder.encode(++looks >= 3 ? "\n" : "x"),
    };
    assert.equal(tornEndSync(growing, 200).torn, false);
    const still = { size: () => 10, readAt: () => encoder.encode("x") };
    assert.deepEqual(tornEndSync(still, 30), { size: 10, torn: true });
    const asyncStill = {
      size: () => Promise.resolve(10),
      readAt: () => Promise.resolve(encoder.encode("x")),
    };
    assert.deepEqual(await tornEnd(asyncStill, 30), { size: 10, torn: true });
  });
});

describe("an append that lands after another process's write was torn", () => {
  // The end was whole when the append looked; then another process, killed part-way through a
  // long line, left a torn piece that the append's write lands right after.
  const ours = '{"ours":1}\n{"ours":2}\n';
  const wholeLines = (text: string) =>
    text.split("\n").filter((line) => {
      try {
        JSON.parse(line);
        return true;
      } catch {
        return false;
      }
    });

  it("writes the first line again, so every line is in the file whole once", async () => {
    const file = new FileUnderAppend('{"a":1}\n', "", '{"big":"torn', 0);
    await appendToHandle(file.handle(), encoder.encode(ours));
    assert.deepEqual(wholeLines(file.text()), ['{"a":1}', '{"ours":2}', '{"ours":1}']);
    assert.ok(file.text().endsWith("\n"));
  });

  it("writes nothing again when the other process's line landed whole", async () => {
    const file = new FileUnderAppend('{"a":1}\n', "", '{"other":1}\n', 0);
    await appendToHandle(file.handle(), encoder.encode(ours));
    assert.equal(file.text(), '{"a":1}\n{"other":1}\n' + ours);
  });

  it("does the same synchronously (at exit)", () => {
    for (
      const [landing, expected] of [
        ['{"big":"torn', ['{"a":1}', '{"ours":2}', '{"ours":1}']],
        ['{"other":1}\n', ['{"a":1}', '{"other":1}', '{"ours":1}', '{"ours":2}']],
      ] as const
    ) {
      let text = '{"a":1}\n';
      let landed = false;
      const handle: SyncAppendHandle = {
        size: () => encoder.encode(text).byteLength,
        readAt: (position, length) => encoder.encode(text).slice(position, position + length),
        write: (data) => {
          if (!landed) text += landing; // lands between the look at the end and this write
          landed = true;
          text += decoder.decode(data);
          return data.byteLength;
        },
        close: () => {},
      };
      appendToHandleSync(handle, encoder.encode(ours), 0);
      assert.deepEqual(wholeLines(text), expected);
    }
  });
});

describe("processes appending to one log at once", { skip: !hasFileSystem }, () => {
  it("leave no empty line, and every line whole and in order", () =>
    withTempDir("tracelet-concurrent-", async (dir) => {
      const root = join(dir, "root");
      const startAt = Date.now() + 1500; // after every process has loaded
      const tags = ["p1", "p2", "p3"];
      const script = fileURLToPath(new URL("./_concurrent_appender.ts", import.meta.url));
      const results = await Promise.all(tags.map((tag) => {
        const settings: AppenderSettings = { root, tag, startAt, millis: 2000 };
        return runChildModule(script, { TRACELET_TEST_APPENDER: JSON.stringify(settings) });
      }));
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const text = await readFile(join(root, "log.jsonl"), "utf8");
      assert.ok(text.endsWith("\n"));
      const lines = text.slice(0, -1).split("\n");
      assert.equal(lines.filter((line) => line === "").length, 0, "no empty line");
      const next = new Map<string, number>();
      for (const line of lines) {
        const { tag, seq } = JSON.parse(line) as { tag: string; seq: number };
        assert.equal(seq, next.get(tag) ?? 0, `${tag}'s lines in order, none missing`);
        next.set(tag, seq + 1);
      }
      assert.deepEqual([...next.keys()].sort(), tags);
    }));
});
