// Headers, URLSearchParams and FormData serialize from their entries(), Blob and File as
// {size, type[, name]}, the same on every runtime: Node and Deno wrote `{}` for all of them (so
// every Headers shared one hash), Bun their toJSON. The redaction policy masks them afterwards
// like any other object.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { objectHashes, serialize } from "../mod.ts";
import type { StoredObject } from "../src/task/objects.ts";
import { taskSpan } from "../src/task/mod.ts";
import { jsonAttr, withTaskEnv } from "./_support/task_env.ts";

describe("serialize: web objects", () => {
  it("Headers → name → value, names sorted, a repeated Set-Cookie → the list of its values", () => {
    const headers = new Headers();
    headers.append("X-Id", "1");
    headers.append("Set-Cookie", "a=1");
    headers.append("Accept", "text/html");
    headers.append("Set-Cookie", "b=2");
    headers.append("Accept", "application/json");
    const { value, schema } = serialize(headers);
    assert.deepEqual(value, {
      accept: "text/html, application/json",
      "set-cookie": ["a=1", "b=2"],
      "x-id": "1",
    });
    assert.deepEqual(Object.keys(value as object), ["accept", "set-cookie", "x-id"]);
    assert.equal(schema.title, "Headers");
  });

  it("URLSearchParams → name → value in order, a repeated name → the list of its values", () => {
    const { value, schema } = serialize(new URLSearchParams("q=cats&tag=a&page=2&tag=b&tag=c"));
    assert.deepEqual(value, { q: "cats", tag: ["a", "b", "c"], page: "2" });
    assert.deepEqual(Object.keys(value as object), ["q", "tag", "page"]);
    assert.equal(schema.title, "URLSearchParams");
  });

  it("FormData → name → value, a file field as {size, type, name}", () => {
    const form = new FormData();
    form.append("f", "1");
    form.append("upload", new File(["hello"], "a.png", { type: "image/png" }));
    form.append("f", "2");
    const { value, schema } = serialize(form);
    assert.deepEqual(value, {
      f: ["1", "2"],
      upload: { size: 5, type: "image/png", name: "a.png" },
    });
    assert.equal(schema.title, "FormData");
  });

  // (Bun reports a text/* type with `;charset=utf-8` appended: the type is the runtime's own.)
  it("Blob → {size, type}, File → {size, type, name}, titled by their class on every runtime", () => {
    const blob = serialize(new Blob(["one"], { type: "image/png" }));
    assert.deepEqual(blob.value, { size: 3, type: "image/png" });
    assert.equal(blob.schema.title, "Blob");
    const file = serialize(new File(["x"], "name.txt"));
    assert.deepEqual(file.value, { size: 1, type: "", name: "name.txt" });
    assert.equal(file.schema.title, "File"); // Bun names a File's constructor `Blob`
  });

  it("objects nested in them keep the depth and budget rules (an empty Headers is {})", () => {
    assert.deepEqual(serialize(new Headers()).value, {});
    assert.deepEqual(serialize({ h: new URLSearchParams("a=1") }).value, { h: { a: "1" } });
    assert.equal(serialize({ h: new Headers({ a: "1" }) }, { maxDepth: 1 }).truncated, true);
  });

  it("hashes by content, with the same hash on every runtime", () => {
    const a = objectHashes(new Headers({ authorization: "Bearer A", "x-id": "1" }));
    const b = objectHashes(new Headers({ "x-id": "2" }));
    assert.notEqual(a.objectHash, b.objectHash);
    assert.equal(a.objectHash, "a36d372f9b703972");
    assert.equal(b.objectHash, "cb3c0a6c2ef4cbac");
    assert.equal(objectHashes(new URLSearchParams("q=cats")).objectHash, "f344b2c42510563a");
    assert.equal(objectHashes(new URLSearchParams("q=dogs")).objectHash, "e3555c6139bac665");
    const form = new FormData();
    form.append("f", "1");
    assert.equal(objectHashes(form).objectHash, "1be9cb0504ba871d");
    assert.equal(objectHashes(new Blob(["one"])).objectHash, "c3fd2bd1cecdb781");
    assert.equal(objectHashes(new File(["x"], "name.txt")).objectHash, "df308f10716f6d7f");
    assert.notEqual(
      objectHashes(new Blob(["one"])).objectHash,
      objectHashes(new Blob(["three"])).objectHash,
    );
  });

  it("a logged Headers with an Authorization header is exported and hashed masked", async () => {
    await withTaskEnv(async (env) => {
      const t = await taskSpan("t", (t) => {
        t.logOutput(
          "request_headers",
          new Headers({ Authorization: "Bearer SECRET-1", "x-id": "1" }),
        );
        t.logOutput("again", new Headers({ Authorization: "Bearer SECRET-2", "x-id": "1" }));
        t.logInput("query", new URLSearchParams("q=cats&api_key=SECRET-3"));
        return t;
      });
      const [line] = await env.runLines(t.runId);
      assert.ok(!JSON.stringify(line).includes("SECRET"), "no secret in the exported line");
      const objects = Object.values(
        jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects"),
      ) as { value: unknown }[];
      assert.deepEqual(objects.map((o) => o.value), [
        { authorization: "***REDACTED***", "x-id": "1" },
        { q: "cats", api_key: "***REDACTED***" },
      ]);
      const outputs = jsonAttr<{ hash: string }[]>(line, "dreadnode.outputs");
      assert.equal(outputs[0].hash, outputs[1].hash, "the secret does not influence the hash");
    });
  });
});
