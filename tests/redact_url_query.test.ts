import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  RedactingExporter,
  RedactionPolicy,
  SimpleSpanProcessor,
  traceFetchHandler,
  Tracer,
} from "../mod.ts";
import { MemoryExporter } from "./_support/collect.ts";

const R = "***REDACTED***";
const ER = encodeURIComponent(R);

describe("URL query secrets", () => {
  it("masks sensitive query parameters of URL attributes, keeping the rest byte for byte", () => {
    const policy = new RedactionPolicy();
    const out = policy.redactAttributes({
      "url.full": "https://h.test/p?q=a%20b&api_key=S1&x=1&token=S2#frag",
      "url.query": "redirect=/home&password=S3&API-KEY=S4",
      "http.url": "http://h.test/?access%5Ftoken=S5",
      "http.target": "/v1?Authorization=S6&page=2",
      "url.original": "https://h.test/?secret=S7",
      note: "see https://h.test/?token=kept-outside-url-attributes",
    });
    assert.equal(out["url.full"], `https://h.test/p?q=a%20b&api_key=${ER}&x=1&token=${ER}#frag`);
    assert.equal(out["url.query"], `redirect=/home&password=${ER}&API-KEY=${ER}`);
    assert.equal(out["http.target"], `/v1?Authorization=${ER}&page=2`);
    assert.equal(out["url.original"], `https://h.test/?secret=${ER}`);
    assert.equal(out.note, "see https://h.test/?token=kept-outside-url-attributes");
    assert.equal(out["http.url"], `http://h.test/?access%5Ftoken=${ER}`, "an encoded name");
    for (const secret of ["S1", "S2", "S3", "S4", "S6", "S7"]) {
      assert.ok(!JSON.stringify(out).includes(`=${secret}`), secret);
    }
  });

  it("leaves URLs without sensitive parameters as the same string", () => {
    const policy = new RedactionPolicy();
    const attributes = { "url.full": "https://h.test/a?b=c&d", "url.query": "e=f" };
    assert.equal(policy.redactAttributes(attributes), attributes);
  });

  it("masks a bare query given with its leading `?` (as URL.search gives it)", () => {
    const policy = new RedactionPolicy();
    const search = new URL("https://api.test/v1/items?api_key=S1&page=2").search;
    assert.equal(
      policy.redactAttributes({ "url.query": search })["url.query"],
      `?api_key=${ER}&page=2`,
    );
    assert.equal(
      policy.redactAttributes({ "url.query": "?token=S2" })["url.query"],
      `?token=${ER}`,
    );
    // Only one `?` is skipped; a query without sensitive names is the same string.
    assert.equal(policy.redactAttributes({ "url.query": "??token=S3" })["url.query"], "??token=S3");
    const kept = { "url.query": "?page=2&q=a%20b" };
    assert.equal(policy.redactAttributes(kept), kept);
  });

  it("masks a parameter whose `=` is percent-encoded, as a server decoding first reads it", () => {
    const policy = new RedactionPolicy();
    const out = policy.redactAttributes({
      "url.full": "https://h.test/p?token%3DSECRET1&page=2",
      "url.query": "api_key%3dSECRET2",
      "http.target": "/x?q%3Dsearch%20words&password%3D",
    });
    assert.equal(out["url.full"], `https://h.test/p?token%3D${ER}&page=2`);
    assert.equal(out["url.query"], `api_key%3d${ER}`);
    assert.equal(out["http.target"], `/x?q%3Dsearch%20words&password%3D${ER}`, "others kept");
    assert.ok(!JSON.stringify(out).includes("SECRET"));
  });

  it("masks PHP/Rails bracketed names by the name before or inside the brackets", () => {
    const policy = new RedactionPolicy();
    const masked = (key: string, text: string) => policy.redactAttributes({ [key]: text })[key];
    const cases: [key: string, given: string, expected: string][] = [
      ["url.full", "https://h.test/?user[password]=S1&user[name]=bob", `?user[password]=${ER}&`],
      [
        "url.full",
        "https://h.test/?api_key[]=S2&a[b][token]=S3",
        `?api_key[]=${ER}&a[b][token]=${ER}`,
      ],
      ["url.query", "user%5Bpassword%5D=S4&filter[]=x", `user%5Bpassword%5D=${ER}&filter[]=x`],
      ["url.query", "ids[0]=1&api_key[0]=S5", `ids[0]=1&api_key[0]=${ER}`],
      [
        "http.target",
        "/login?user[password_confirmation]=kept&auth[secret][]=S6",
        `&auth[secret][]=${ER}`,
      ],
    ];
    for (const [key, given, expected] of cases) {
      const out = String(masked(key, given));
      assert.ok(out.includes(expected), `${given} -> ${out}`);
      assert.ok(!/=S\d/.test(out), out);
    }
    assert.equal(
      masked("url.full", "https://h.test/?user[name]=bob&x[]=1"),
      "https://h.test/?user[name]=bob&x[]=1",
    );
  });

  it("follows extraKeys and a disabled policy", () => {
    const extra = new RedactionPolicy({ extraKeys: ["session"] });
    assert.equal(
      extra.redactAttributes({ "url.query": "session=abc&q=1" })["url.query"],
      `session=${ER}&q=1`,
    );
    const off = new RedactionPolicy({ enabled: false });
    assert.equal(off.redactAttributes({ "url.query": "token=abc" })["url.query"], "token=abc");
  });

  it("keeps a token in a recorded request query out of the exported span", async () => {
    const inner = new MemoryExporter();
    const tracer = new Tracer({
      processors: [new SimpleSpanProcessor(new RedactingExporter(inner))],
    });
    const handler = traceFetchHandler(() => new Response("ok"), { tracer, recordQuery: true });
    const response = await handler(new Request("https://api.test/items?api_key=sk-live-9&page=3"));
    await response.text();
    await tracer.shutdown();
    assert.equal(inner.spans.length, 1);
    assert.equal(inner.spans[0].attributes["url.query"], `api_key=${ER}&page=3`);
    assert.ok(!JSON.stringify(inner.spans).includes("sk-live-9"));
  });
});
