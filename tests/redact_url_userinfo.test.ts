// Credentials in URLs (red-team trial): `https://bob:SEKRIT@host/` in `url.full`, a `URL` object
// given as an attribute value (its `?token=…` too) and a URL quoted in an exception's message
// reached the OTLP body and the JSONL line as given; only `tracedFetch` replaced them. The
// redaction policy now writes the user name and password as `REDACTED`, as OpenTelemetry's
// `url.full` convention asks, wherever it masks a URL's query: URL attribute values and the URLs
// quoted in error text. E-mail addresses and `git@host:repo` (no `scheme://`) are left alone.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactingExporter, SimpleSpanProcessor, Tracer } from "../mod.ts";
import type { Span, SpanRecord } from "../mod.ts";
import { MemoryExporter } from "./_support/collect.ts";
import { exportOneSpan } from "./_support/otlp_helpers.ts";

const R = "***REDACTED***";

/** The span `fn` records, as the exporter behind the default redaction policy receives it. */
async function exported(fn: (span: Span) => void): Promise<SpanRecord> {
  const inner = new MemoryExporter();
  const tracer = new Tracer({
    processors: [new SimpleSpanProcessor(new RedactingExporter(inner))],
  });
  tracer.withSpan("op", fn);
  await tracer.shutdown();
  assert.equal(inner.spans.length, 1);
  return inner.spans[0];
}

/** The exported exception message and stack trace and the status message of `message`. */
async function errorTexts(message: string): Promise<[string, string, string]> {
  const span = await exported((s) => {
    s.recordException(new Error(message));
    s.setStatus({ code: "ERROR", message });
  });
  const event = span.events[0].attributes;
  return [
    event["exception.message"] as string,
    (event["exception.stacktrace"] as string).split("\n")[0],
    span.status.message as string,
  ];
}

describe("redaction of user names and passwords in URLs", () => {
  it("masks url.full, a URL object's value and an exception's URL in OTLP and JSONL", async () => {
    const { line, body, span: otlp, stringValue } = await exportOneSpan((span) => {
      span.setAttribute("url.full", "https://bob:SEKRIT1@h.example/p");
      span.setAttribute("url", new URL("https://bob:SEKRIT2@h.example/p?token=TOKEN3&x=1"));
      span.recordException(new Error("request to https://u:SEKRIT4@h/ failed"));
      span.setStatus({ code: "ERROR", message: "request to https://u:SEKRIT4@h/ failed" });
    });
    for (const secret of ["SEKRIT1", "SEKRIT2", "TOKEN3", "SEKRIT4", "bob:", "u:"]) {
      assert.ok(!line.includes(secret), `${secret} in the JSONL line: ${line}`);
      assert.ok(!body.includes(secret), `${secret} in the OTLP body: ${body}`);
    }
    const record = JSON.parse(line);
    assert.equal(record.attributes["url.full"], "https://REDACTED:REDACTED@h.example/p");
    // A URL object is recorded as its JSON string; it stays one, masked.
    assert.equal(
      record.attributes.url,
      JSON.stringify(`https://REDACTED:REDACTED@h.example/p?token=${R}&x=1`),
    );
    const exception = record.events[0].attributes;
    assert.equal(
      exception["exception.message"],
      "request to https://REDACTED:REDACTED@h/ failed",
    );
    assert.ok(
      exception["exception.stacktrace"].startsWith(
        "Error: request to https://REDACTED:REDACTED@h/ failed\n",
      ),
    );
    assert.equal(otlp.status?.message, "request to https://REDACTED:REDACTED@h/ failed");
    assert.equal(stringValue("url.full"), "https://REDACTED:REDACTED@h.example/p");
    assert.equal(stringValue("url"), record.attributes.url);
  });

  it("masks a user name alone (a token) and URLs nested in error text, not e-mail addresses", async () => {
    const cases: [string, string][] = [
      [
        "clone https://ghp_TOKEN1@github.com/org/repo failed",
        "clone https://REDACTED@github.com/org/repo failed",
      ],
      // Only a part that is given is replaced; a password may hold an `@` (the last one counts).
      [
        "https://:SEKRIT2@h/ and https://u:p@SEKRIT3@h/",
        "https://:REDACTED@h/ and https://REDACTED:REDACTED@h/",
      ],
      [
        "connect postgres://admin:SEKRIT4@db:5432/app ECONNREFUSED",
        "connect postgres://REDACTED:REDACTED@db:5432/app ECONNREFUSED",
      ],
      // A URL in another's query, in brackets, in JSON escaped in the text, slashes escaped too.
      [
        "https://login/?next=https://u:SEKRIT5@app/cb",
        "https://login/?next=https://REDACTED:REDACTED@app/cb",
      ],
      ["(see <https://u:SEKRIT6@h>)", "(see <https://REDACTED:REDACTED@h>)"],
      // A URL keeps `'` unescaped in its user info.
      [
        "request to https://bob:pa'SEKRIT10@db.example.com/x failed",
        "request to https://REDACTED:REDACTED@db.example.com/x failed",
      ],
      [
        'body={\\"url\\":\\"https:\\/\\/u:SEKRIT7@h\\/x\\"}',
        'body={\\"url\\":\\"https:\\/\\/REDACTED:REDACTED@h\\/x\\"}',
      ],
      // Both in one URL: the user info and a sensitive query parameter.
      [
        'Error: {"url":"https://u:SEKRIT8@h/p?api_key=SEKRIT9"}',
        `Error: {"url":"https://REDACTED:REDACTED@h/p?api_key=${R}"}`,
      ],
    ];
    // E-mail addresses and `git@host:repo` have no `scheme://`; these URLs have no user info.
    for (
      const kept of [
        "mail bob@example.com or mailto:bob@example.com, not alice@example.org",
        "git@github.com:org/repo.git: permission denied",
        "GET http://[::1]:8080/ and https://h.example/@user/post?at=@x#@y failed",
        "at file:///home/u@x/app.js:1:2",
      ]
    ) cases.push([kept, kept]);
    for (const [message, expected] of cases) {
      const [text, stack, status] = await errorTexts(message);
      assert.equal(text, expected, message);
      assert.equal(stack, `Error: ${expected}`, message);
      assert.equal(status, expected, message);
    }
  });

  it("masks every URL attribute and any attribute value that is a URL", async () => {
    const span = await exported((s) =>
      s.setAttributes({
        "http.url": "http://u:SEKRIT1@h/",
        "url.original": "ftp://anonymous@h/pub",
        "url.query": "next=https://u:SEKRIT2@h/",
        "http.target": "/cb?next=https://TOKEN3@h/",
        "db.connection_string": "postgres://admin:SEKRIT4@db:5432/app?password=SEKRIT5",
        "server.endpoints": ["https://u:SEKRIT6@a/", "https://b/"],
        ws: new URL("wss://TOKEN7@h/socket"),
        "http.proxy": "http://[::1]:3128/",
        email: "bob@example.com",
      })
    );
    assert.deepEqual(span.attributes, {
      "http.url": "http://REDACTED:REDACTED@h/",
      "url.original": "ftp://REDACTED@h/pub",
      "url.query": "next=https://REDACTED:REDACTED@h/",
      "http.target": "/cb?next=https://REDACTED@h/",
      "db.connection_string": `postgres://REDACTED:REDACTED@db:5432/app?password=${R}`,
      "server.endpoints": ["https://REDACTED:REDACTED@a/", "https://b/"],
      ws: JSON.stringify("wss://REDACTED@h/socket"),
      "http.proxy": "http://[::1]:3128/",
      email: "bob@example.com",
    });
  });

  it("reads crafted text in time linear in its length", async () => {
    const n = 1 << 20;
    const texts = [
      "a://".repeat(n / 4) + "@",
      ("a://" + "b".repeat(1000) + " ").repeat(n / 1005) + "@",
      ("a://" + "@".repeat(100) + "/").repeat(n / 105),
      ("a:" + "\\".repeat(1000)).repeat(n / 1002) + "@",
      "https://u:p@h ".repeat(n / 14),
    ];
    for (const text of texts) {
      const started = performance.now();
      const span = await exported((s) => {
        s.setAttribute("url.full", text);
        s.setAttribute("note", text.replaceAll(" ", "")); // no white space: a URL value
        s.setStatus({ code: "ERROR", message: text });
      });
      const took = performance.now() - started;
      assert.ok(took < 2000, `${took} ms for ${text.slice(0, 20)}…`);
      assert.ok(!JSON.stringify(span).includes("u:p@"));
    }
  });
});
