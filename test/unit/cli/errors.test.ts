/**
 * Errors a user meets are said clearly (issue 23, item 15): empty values, raw errno and JavaScript messages wrapped.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { errorReason } from "../../../lib";
import { GROUP, makeRepo, USER } from "../../support/repo";
import { cli } from "../../support/cli";

describe("empty values", () => {
  const dir = makeRepo({ "groups/g.yaml": GROUP, "users/u.yaml": USER("alice") });
  for (const args of [
    ["explain", "--user", ""],
    ["explain", "--m2m", " "],
    ["explain", "--groups", ""],
    ["validate", "--dir", ""],
    ["token", ""],
    ["token", "--verify", ""],
    ["diff", "--base", ""],
  ]) {
    it(`${args.join(" ")}: a usage error naming the option, exit 2`, async () => {
      const r = await cli([...args, ...(args[0] === "validate" ? [] : ["--dir", dir])]);
      assert.equal(r.code, 2, r.err);
      assert.match(
        r.err,
        new RegExp(
          String.raw`^mcp-access: ERR_USAGE: (--[a-z0-9-]+ needs a value, not an empty stri` +
            String.raw`ng|[a-z]+: an argument is an empty string; name something)$`,
          "m",
        ),
      );
      assert.doesNotMatch(r.err, /internal error|TypeError|\n\s+at /);
    });
  }
});

describe("raw system errors", () => {
  it("says nobody listens instead of ECONNREFUSED", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const r = await cli([
      "import",
      "--keycloak-url",
      `http://127.0.0.1:${port}`,
      "--realm",
      "r",
      "--out",
      makeRepo({}),
      "--dry-run",
    ]);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.err, /\n\s+at /);
  });
});

describe("errorReason", () => {
  it("says what an errno on an error or its causes means", async () => {
    const fetchFailed = Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    });
    assert.match(errorReason(fetchFailed), /^nothing listens there \(connection refused\)/);
    assert.match(
      errorReason(new AggregateError([Object.assign(new Error("x"), { code: "ENOTFOUND" })], "all failed")),
      /host name is not found/,
    );
    assert.equal(
      errorReason(Object.assign(new TypeError("fetch failed"), { cause: new Error("bad port") })),
      "fetch failed (bad port)",
    );
    assert.equal(errorReason(new Error("plain")), "plain");
  });
});
