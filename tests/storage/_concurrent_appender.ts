/**
 * A process appending to one log through the file-system storage for a while, for the test of
 * concurrent appends (`fs_append_concurrent.test.ts`). Its settings come from the
 * `TRACELET_TEST_APPENDER` environment variable (JSON): `root`, `tag`, `startAt` (epoch ms, so
 * several start together) and `millis` (how long to append). Each batch is 40 lines of 2 KB, so
 * every write spans many pages and another process can see it half landed.
 *
 * @module
 */
import process from "node:process";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { isDeno } from "../_support/runtime.ts";

/** What an appender is told to do. */
export interface AppenderSettings {
  readonly root: string;
  readonly tag: string;
  readonly startAt: number;
  readonly millis: number;
}

const given = process.env.TRACELET_TEST_APPENDER;
if (given !== undefined) {
  const { root, tag, startAt, millis } = JSON.parse(given) as AppenderSettings;
  const storage = isDeno ? new DenoFsStorage({ root }) : new NodeFsStorage({ root });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const pad = "x".repeat(2000);
  let seq = 0;
  for (const end = Date.now() + millis; Date.now() < end;) {
    const lines = Array.from({ length: 40 }, () => JSON.stringify({ tag, seq: seq++, pad }));
    await storage.appendLines(["log.jsonl"], lines);
  }
  await storage.close();
}
