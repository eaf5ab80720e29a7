// Tokens in URL fragments (security trial): OAuth's implicit flow and magic links put tokens after
// the `#` (`https://app/cb#access_token=…&token_type=bearer`). The sensitive query parameters of a
// URL attribute were masked, the same parameters in its fragment, and a `url.fragment` attribute,
// were exported as given. A fragment of `key=value&…` form (or a fragment route's query) is now
// masked as a query is; other fragments (`#section-2`) are kept.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy } from "../mod.ts";
import { exportOneSpan } from "./_support/otlp_helpers.ts";

const R = "***REDACTED***";
const ER = encodeURIComponent(R);

describe("URL fragment secrets", () => {
  it("masks sensitive parameters of a fragment in URL attributes and URL values", () => {
    const policy = new RedactionPolicy();
    const out = policy.redactAttributes({
      "url.full": "https://app.test/cb?api_key=Q1&x=1#access_token=F1&token_type=bearer",
      "url.original": "https://app.test/cb#id_token=x&access_token=F2",
      "url.fragment": "access_token=F3&expires_in=3600",
      "http.target": "/cb#token=F4&state=s",
      redirect_uri: "https://app.test/cb#password=F5",
      url: JSON.stringify("https://app.test/cb#access%5Ftoken=F6"),
      route: "https://app.test/#/callback?refresh_token=F7&page=2",
      bracketed: "https://app.test/#user[secret]=F8",
    });
    assert.equal(
      out["url.full"],
      `https://app.test/cb?api_key=${ER}&x=1#access_token=${ER}&token_type=bearer`,
    );
    assert.equal(out["url.original"], `https://app.test/cb#id_token=${ER}&access_token=${ER}`);
    assert.equal(out["url.fragment"], `access_token=${ER}&expires_in=3600`);
    assert.equal(out["http.target"], `/cb#token=${ER}&state=s`);
    assert.equal(out.redirect_uri, `https://app.test/cb#password=${ER}`);
    assert.equal(out.url, JSON.stringify(`https://app.test/cb#access%5Ftoken=${ER}`));
    assert.equal(out.route, `https://app.test/#/callback?refresh_token=${ER}&page=2`);
    assert.equal(out.bracketed, `https://app.test/#user[secret]=${ER}`);
    assert.ok(!/[QF]\d/.test(JSON.stringify(out)), JSON.stringify(out));
    // Fragments without sensitive parameters are the same string (the same attributes object).
    const kept = {
      "url.full": "https://docs.test/guide?page=2#section-2",
      "url.original": "https://docs.test/a#:~:text=token",
      "url.fragment": "section-2",
      "http.target": "/a#state=xyz&code_challenge=abc",
      link: "https://docs.test/#/route?tab=tokens",
      note: "see https://docs.test/#access_token=kept-outside-url-values",
    };
    assert.equal(policy.redactAttributes(kept), kept);
  });

  it("masks with a custom key and replacement, percent-encoded", () => {
    const policy = new RedactionPolicy({ extraKeys: ["magic"], replacement: "<hidden #1>" });
    const out = policy.redactAttributes({
      "url.full": "https://app.test/login#magic=M1&next=/home",
      "url.fragment": "magic=M2",
    });
    const hidden = encodeURIComponent("<hidden #1>");
    assert.equal(out["url.full"], `https://app.test/login#magic=${hidden}&next=/home`);
    assert.equal(out["url.fragment"], `magic=${hidden}`);
  });
});

describe("URL fragment secrets, end to end", () => {
  it("masks them in the JSONL line and the OTLP body", async () => {
    const { line, body, stringValue } = await exportOneSpan((span) => {
      span.setAttribute("url.full", "https://app.test/cb#access_token=FRAG1&token_type=bearer");
      span.setAttribute("url.fragment", "access_token=FRAG2");
      span.setAttribute("login", new URL("https://app.test/login#token=FRAG3"));
    });
    for (const secret of ["FRAG1", "FRAG2", "FRAG3"]) {
      assert.ok(!line.includes(secret), `${secret} in the JSONL line: ${line}`);
      assert.ok(!body.includes(secret), `${secret} in the OTLP body: ${body}`);
    }
    const record = JSON.parse(line);
    assert.equal(
      record.attributes["url.full"],
      `https://app.test/cb#access_token=${ER}&token_type=bearer`,
    );
    assert.equal(record.attributes["url.fragment"], `access_token=${ER}`);
    assert.equal(record.attributes.login, JSON.stringify(`https://app.test/login#token=${ER}`));
    assert.equal(stringValue("url.full"), record.attributes["url.full"]);
    assert.equal(stringValue("url.fragment"), record.attributes["url.fragment"]);
  });
});
