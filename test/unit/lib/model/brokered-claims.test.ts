/** Keycloak's claim-path and regex rules for brokered people, against hostile input. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  brokeredGroups,
  claimsDepthProblem,
  javaBacktrackingRisk,
  mapperRegexProblem,
  splitClaimPath,
  wholeValueMatches,
} from "../../../../lib";
import type { BrokeredProvider } from "../../../../lib";
import { useMocks } from "../../../support/mocks";
import { check, GROUP, makeRepo, only, USER } from "../../../support/repo";
import { cli } from "../../../support/cli";

before(() => useMocks());

const OIDC = `alias: corp
oidc:
  issuer: https://login.example.com/t/v2.0
  authorization_url: https://login.example.com/t/authorize
  token_url: https://login.example.com/t/token
  client_id: app-1
mappers:
`;
const SAML = `alias: corp-saml
saml:
  single_sign_on_service_url: https://okta.example.com/app/sso/saml
mappers:
`;
const BASE = { "groups/tools.yaml": GROUP, "users/alice.yaml": USER("alice") };

/** One mapper (YAML lines, indented by four) to tools-users. */
const mapper = (lines: string) => `  - ${lines.trim().replace(/\n/g, "\n    ")}\n    group: tools-users\n`;

function provider(body: string, head = OIDC): BrokeredProvider {
  const r = check({ ...BASE, "identity-providers/p.yaml": head + body });
  assert.deepEqual(r.errors, []);
  const p = r.model.identityProviders?.[0];
  assert.ok(p);
  return p;
}

const gets = (p: BrokeredProvider, claims: Record<string, unknown>) => brokeredGroups(p, claims).groups.length > 0;

describe("claim paths (OIDCAttributeMapperHelper.splitClaimPath)", () => {
  it("splits on every unescaped dot, unescapes each component, as Keycloak's CLAIM_COMPONENT does", () => {
    assert.deepEqual(splitClaimPath("groups"), ["groups"]);
    assert.deepEqual(splitClaimPath("realm_access.roles"), ["realm_access", "roles"]);
    assert.deepEqual(splitClaimPath("https://corp.example.com/groups"), ["https://corp", "example", "com/groups"]);
    assert.deepEqual(splitClaimPath("https://corp\\.example\\.com/groups"), ["https://corp.example.com/groups"]);
    assert.deepEqual(splitClaimPath("a\\\\.b"), ["a\\", "b"]);
    assert.deepEqual(splitClaimPath("a..b"), ["a", ".b"]);
    assert.deepEqual(splitClaimPath("a."), ["a"]);
    assert.deepEqual(splitClaimPath(".a"), [".a"]);
    assert.deepEqual(splitClaimPath("a\\"), ["a\\"]);
    assert.deepEqual(splitClaimPath("a\\xb"), ["axb"]);
    assert.deepEqual(splitClaimPath(""), []);
    assert.deepEqual(splitClaimPath("."), ["."]);
  });

  it("a dotted claim is never read as one top-level key: explain agrees with Keycloak both ways", () => {
    const url = provider(mapper("claim: https://corp.example.com/groups\nvalue: admins"));
    // Keycloak maps nothing from the flat claim...
    assert.equal(gets(url, { "https://corp.example.com/groups": ["admins"] }), false);
    // ...and grants the group from the nested one.
    assert.equal(gets(url, { "https://corp": { example: { "com/groups": ["admins"] } } }), true);
    const escaped = provider(mapper('claim: "https://corp\\\\.example\\\\.com/groups"\nvalue: admins'));
    assert.equal(gets(escaped, { "https://corp.example.com/groups": ["admins"] }), true);
    assert.equal(gets(escaped, { "https://corp": { example: { "com/groups": ["admins"] } } }), false);
    const plain = provider(mapper("claim: a.b\nvalue: x"));
    assert.equal(gets(plain, { "a.b": "x" }), false);
    assert.equal(gets(plain, { a: { b: "x" } }), true);
    assert.equal(gets(plain, { a: [{ b: "x" }] }), false, "a list on the way reads nothing");
  });

  it("a SAML attribute is looked up by its name as is (AdvancedAttributeToGroupMapper)", () => {
    const name = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups";
    const p = provider(mapper(`attribute: ${name}\nvalue: admins`), SAML);
    assert.equal(gets(p, { [name]: ["admins"] }), true);
    assert.equal(gets(provider(mapper("attribute: a.b\nvalue: x"), SAML), { a: { b: "x" } }), false);
  });

  it("a deny access test fails when Keycloak would grant the group through the nested claim", () => {
    const r = check({
      ...BASE,
      "identity-providers/p.yaml": OIDC + mapper("claim: https://corp.example.com/groups\nvalue: admins"),
      "access-tests/t.yaml": `- identity: {idp: corp, claims: {"https://corp": {example: {"com/groups": [admins]}}}}
  deny:
    - {server: currenttime, method: tools/list}
`,
    });
    assert.ok(
      r.errors.some((e) => e.file === "access-tests/t.yaml"),
      JSON.stringify(r.errors),
    );
  });

  it("validate warns at the claim line on an unescaped dot in a URL-like claim, saying how to escape it", () => {
    const r = check({
      ...BASE,
      "identity-providers/p.yaml": OIDC + mapper("claim: https://corp.example.com/groups\nvalue: admins"),
    });
    const w = only(r.warnings, /splits a claim name/);
    assert.deepEqual([w.file, w.line, w.path], ["identity-providers/p.yaml", 8, "mappers[0].claim"]);
    assert.match(w.message, /https:\/\/corp\\\.example\\\.com\/groups/);
    const ok = check({
      ...BASE,
      "identity-providers/p.yaml": OIDC + mapper('claim: "https://corp\\\\.example\\\\.com/groups"\nvalue: admins'),
    });
    assert.ok(!ok.warnings.some((x) => /splits a claim name/.test(x.message)));
    for (const claim of [
      "http://corp.example.com/claims/groups",
      "corp.example.com/groups",
      "urn:corp.example:groups",
    ]) {
      const r2 = check({ ...BASE, "identity-providers/p.yaml": OIDC + mapper(`claim: ${claim}\nvalue: x`) });
      only(r2.warnings, /splits a claim name/);
    }
    const nested = check({
      ...BASE,
      "identity-providers/p.yaml": OIDC + mapper("claim: realm_access.roles\nvalue: x"),
    });
    assert.ok(!nested.warnings.some((x) => /splits a claim name/.test(x.message)));
  });
});

describe("explain of a URL-like claim held flat", () => {
  it("says the mapper does not apply and why, with the escaped claim", async () => {
    const dir = makeRepo({
      ...BASE,
      "identity-providers/p.yaml": OIDC + mapper("claim: https://corp.example.com/groups\nvalue: admins"),
    });
    const claims = JSON.stringify({ "https://corp.example.com/groups": ["admins"] });
    const r = await cli(["explain", "--dir", dir, "--idp", "corp", "--claims", claims]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /does not apply\n\s+Keycloak reads the nested path "https:\/\/corp" -> "example"/);
    assert.match(r.out, /write claim: https:\/\/corp\\\.example\\\.com\/groups/);
    const json = await cli(["explain", "--dir", dir, "--idp", "corp", "--claims", claims, "--format", "json"]);
    const parsed = JSON.parse(json.out) as { groups: string[]; mappers: Array<{ applies: boolean; note?: string }> };
    assert.deepEqual(parsed.groups, []);
    assert.match(parsed.mappers[0]?.note ?? "", /nested path/);
  });
});

describe("claim values compared as Keycloak compares them (AbstractClaimMapper.valueEquals)", () => {
  it("booleans: Boolean.valueOf, so any case of true holds true and any other text holds false", () => {
    const yes = provider(mapper('claim: admin\nvalue: "TRUE"'));
    assert.equal(gets(yes, { admin: true }), true);
    assert.equal(gets(yes, { admin: false }), false);
    const no = provider(mapper("claim: admin\nvalue: nope"));
    assert.equal(gets(no, { admin: false }), true, 'Keycloak grants: Boolean.valueOf("nope") is false');
    assert.equal(gets(no, { admin: true }), false);
  });
  it("numbers: Integer.valueOf and Double.valueOf of the value; a 64-bit integer holds nothing", () => {
    const one = provider(mapper('claim: level\nvalue: "01"'));
    assert.equal(gets(one, { level: 1 }), true);
    assert.equal(gets(one, { level: "1" }), false);
    assert.equal(gets(provider(mapper('claim: level\nvalue: "1.50"')), { level: 1.5 }), true);
    assert.equal(gets(provider(mapper('claim: id\nvalue: "4294967296"')), { id: 4294967296 }), false);
    assert.equal(gets(provider(mapper("claim: level\nvalue: x")), { level: { x: 1 } }), false);
  });
  it("a regex matches the value's Java text (Double.toString, Boolean.toString)", () => {
    assert.equal(gets(provider(mapper('claim: n\nvalue: "1\\\\.0E-5"\nregex: true')), { n: 0.00001 }), true);
    assert.equal(gets(provider(mapper('claim: n\nvalue: "1\\\\.5"\nregex: true')), { n: 1.5 }), true);
    assert.equal(gets(provider(mapper("claim: n\nvalue: tr.e\nregex: true")), { n: true }), true);
  });
});

describe("mapper regexes: bounded, whole value, Java's meaning", () => {
  it("a catastrophic pattern against a long value answers at once", () => {
    const long = "a".repeat(5000);
    for (const pattern of ["(a+)+b", "(a|a)*b", "(a|aa)+$b", "(.*a){20}b", "(\\w+\\s?)*!"]) {
      const start = Date.now();
      assert.equal(wholeValueMatches(pattern, long), false, pattern);
      assert.ok(Date.now() - start < 2000, `${pattern} took ${Date.now() - start} ms`);
    }
    const p = provider(mapper("value: (a+)+b\nregex: true"));
    const start = Date.now();
    assert.equal(gets(p, { groups: ["a".repeat(40), "a".repeat(40) + "c"] }), false);
    assert.ok(Date.now() - start < 2000);
  });

  it("the whole value must match (Pattern.matches), alternation included", () => {
    assert.equal(wholeValueMatches("tools", "tools-admins"), false);
    assert.equal(wholeValueMatches("a|ab", "ab"), true);
    assert.equal(wholeValueMatches("ab|a", "ab"), true);
    assert.equal(wholeValueMatches("(?i)TOOLS", "tools"), true);
    assert.equal(wholeValueMatches("cn=.*", "cn=x"), true);
  });

  it("validate refuses what cannot run in linear time, and syntax Java reads otherwise", () => {
    for (const bad of [
      "(a)\\1",
      "(?=a)a",
      "a*+",
      "(?>a)",
      "[a[b]]",
      "[a-z&&[^c]]",
      "a{",
      "x{a}",
      "[[:alpha:]]",
      "(?<=a)b",
      "\\v",
      "\\0101",
      "(?U)\\w+",
      "(?iU)a",
      "(?u)a",
    ]) {
      assert.ok(mapperRegexProblem(bad), bad);
    }
    for (const good of [
      "cn=tools,.*",
      "(?i)admins",
      "[]a]",
      "[\\[]",
      "a{2,3}",
      "\\Qa{b\\E",
      "(?<n>a)b",
      "[^]x]",
      "\\\\v",
    ]) {
      assert.equal(mapperRegexProblem(good), null, good);
    }
    const r = check({ ...BASE, "identity-providers/p.yaml": OIDC + mapper("value: (a)\\1\nregex: true") });
    only(r.errors, /not a valid regular expression: .*linear time/);
    const flags = check({ ...BASE, "identity-providers/p.yaml": OIDC + mapper("value: (?i)admins\nregex: true") });
    assert.deepEqual(flags.errors, [], "Java's inline flags are accepted");
  });
});

describe("what Keycloak's own backtracking may stall on (a warning)", () => {
  it("a repeated group holding an open-ended repetition, or alternatives that start alike", () => {
    for (const risky of [
      "(a+)+b",
      "(a*)*b",
      "(.*a){20}",
      "(a|ab)*c",
      "(\\w|\\d)+x",
      "(\\w+\\s?)*!",
      "(?<n>a+)+b",
      "(x|)+y",
    ]) {
      assert.ok(javaBacktrackingRisk(risky), risky);
    }
    for (const safe of [
      "cn=tools,.*",
      "(admin|user)+",
      "(a+)?b",
      "\\Q(a+)+\\E",
      "^(cn=[^,]+,)*dc=corp$",
      "(\\w|-)+",
      "(?i)(ab)+",
    ]) {
      assert.equal(javaBacktrackingRisk(safe), null, safe);
    }
  });
  it("answers at once on a pattern of thousands of alternatives or groups", () => {
    const many = `(${Array.from({ length: 5000 }, (_, i) => `g${i}`).join("|")})+`;
    const deep = `${"(".repeat(2000)}a${")".repeat(2000)}+`;
    const start = Date.now();
    assert.ok(javaBacktrackingRisk(many));
    assert.equal(javaBacktrackingRisk(deep), null);
    assert.ok(Date.now() - start < 2000, `${Date.now() - start} ms`);
  });
  it("validate warns at the mapper's value line and still accepts the mapper", () => {
    const r = check({ ...BASE, "identity-providers/p.yaml": OIDC + mapper("value: (a+)+b\nregex: true") });
    assert.deepEqual(r.errors, []);
    const w = only(r.warnings, /Java's backtracking engine/);
    assert.deepEqual([w.line, w.path], [8, "mappers[0].value"]);
  });
});

describe("deeply nested claims", () => {
  const deep = (n: number) => `{"groups":${"[".repeat(n)}"x"${"]".repeat(n)}}`;
  it("claims nested deeper than Keycloak's parser takes are named, without recursion", () => {
    assert.equal(claimsDepthProblem(JSON.parse(deep(10))), null);
    assert.match(claimsDepthProblem(JSON.parse(deep(100_000))) ?? "", /nested deeper than 1000/);
  });
  it("brokeredGroups walks nested lists without overflowing", () => {
    const p = provider(mapper("value: x"));
    assert.equal(gets(p, JSON.parse(deep(100_000)) as Record<string, unknown>), true);
  });
  it("explain --claims with 100k-deep nesting is a usage error (exit 2), not an internal error", async () => {
    const dir = makeRepo({ ...BASE, "identity-providers/p.yaml": OIDC + mapper("value: x") });
    const r = await cli(["explain", "--dir", dir, "--idp", "corp", "--claims", deep(100_000)]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--claims: the claims are nested deeper than 1000 levels/);
    const o = await cli([
      "explain",
      "--dir",
      dir,
      "--idp",
      "corp",
      "--claims",
      '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000),
    ]);
    assert.equal(o.code, 2, o.err);
  });
});
