/**
 * Hostile input in the new kinds (identity-providers/, rate-limits/, access-tests/) and the stack file: the
 * character checks every name gets, secrets that must never be in git, silent admin grants to everyone, and
 * plain-http provider endpoints.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { readStackFile, renderIdentityProviders, type BrokeredProvider, type Diagnostic } from "../../../../lib";
import { matchesEveryValue } from "../../../../lib/review/model-review";
import { check, GROUP, makeRepo, only, USER } from "../../../support/repo";
import { cli } from "../../../support/cli";
import { useMocks } from "../../../support/mocks";

before(() => useMocks());

const OIDC = (extra = "", urls: Record<string, string> = {}) => `alias: corp
display_name: Corp
oidc:
  authorization_url: ${urls.authorization_url ?? "https://login.example.com/authorize"}
  token_url: ${urls.token_url ?? "https://login.example.com/token"}
  jwks_url: ${urls.jwks_url ?? "https://login.example.com/keys"}
  client_id: app-1
mappers:
  - value: corp-tools
    group: tools-users
${extra}`;

const BASE = { "groups/tools.yaml": GROUP, "users/alice.yaml": USER("alice") };
const ADMIN_GROUP = "scope_name: ops\nui_permissions:\n  register_service: [all]\n";

function lineOf(text: string, needle: string): number {
  return text.split("\n").findIndex((l) => l.includes(needle)) + 1;
}
const errorsIn = (list: readonly Diagnostic[], file: string) => list.filter((d) => d.file.endsWith(file));

describe("names and texts of the new kinds get the character checks every name gets", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["a NUL in the description", 'description: "before\\0after"\n', /description contains the control character/],
    ["an ESC in the description", 'description: "x\\e[31m"\n', /control character U\+001B/],
    ["a zero-width space in the display name", "", /display_name .* invisible character U\+200B/],
  ];
  for (const [what, extra, pattern] of cases) {
    it(`refuses ${what}, at its line`, () => {
      const file = what.includes("display name")
        ? OIDC().replace("display_name: Corp", 'display_name: "Co\\u200brp"')
        : OIDC(extra);
      const r = check({ ...BASE, "identity-providers/corp.yaml": file });
      const d = only(r.errors, pattern);
      assert.equal(d.file, "identity-providers/corp.yaml");
      assert.equal(d.line, lineOf(file, what.includes("display") ? "display_name" : "description"));
    });
  }

  it("refuses lookalike letters and invisible characters in mapper names, values and claims", () => {
    const file = OIDC(
      `  - name: "corр-admins"\n    value: x\n    group: tools-users\n` +
        `  - value: "corp\\u00adtools"\n    group: tools-users\n` +
        `  - claim: "gro\\u200dups"\n    value: y\n    group: tools-users\n`,
    );
    const r = check({ ...BASE, "identity-providers/corp.yaml": file });
    const ours = errorsIn(r.errors, "corp.yaml");
    assert.ok(ours.some((d) => /name .*U\+0440 \(Cyrillic/.test(d.message) && d.path === "mappers[1].name"));
    assert.ok(ours.some((d) => /value .*SOFT HYPHEN/.test(d.message) && d.path === "mappers[2].value"));
    assert.ok(ours.some((d) => /claim .*ZERO WIDTH JOINER/.test(d.message) && d.path === "mappers[3].claim"));
  });

  it("reads a PEM certificate as text: its line breaks are no invisible characters", () => {
    const file = `alias: okta
saml:
  single_sign_on_service_url: https://okta.example.com/sso
  signing_certificate: |
    MIIC8DCCAdigAwIBAgIQ
    QmFzZTY0IGJvZHk=
mappers:
  - attribute: memberOf
    value: tools
    group: tools-users
`;
    const r = check({ ...BASE, "identity-providers/okta.yaml": file });
    assert.deepEqual(r.errors, []);
  });

  it("refuses them in rate limits: caller groups, quarantine names, descriptions", () => {
    const file = `- caller_group: "api\\u200bclients"
  user_max_requests: 10
- quarantine:
    users: ["аlice"]
  description: "stop\\0"
`;
    const r = check({ ...BASE, "rate-limits/limits.yaml": file });
    const ours = errorsIn(r.errors, "limits.yaml");
    assert.ok(ours.some((d) => d.path === "[0].caller_group" && /invisible character U\+200B/.test(d.message)));
    assert.ok(ours.some((d) => d.path === "[1].quarantine.users[0]" && /Cyrillic/.test(d.message)));
    assert.ok(ours.some((d) => d.path === "[1].description" && /control character U\+0000/.test(d.message)));
  });

  it("refuses them in access tests: users, groups, servers, claims", () => {
    const file = `- identity: {user: "ali\\u200bce"}
  allow: [{server: currenttime, method: tools/list}]
- identity: {groups: ["tools-usеrs"]}
  deny: [{server: "current\\u0007time", method: tools/list}]
- identity: {idp: corp, claims: {groups: ["corp\\u200etools"]}}
  allow: [{server: currenttime, method: tools/list}]
`;
    const r = check({ ...BASE, "access-tests/t.yaml": file });
    const ours = errorsIn(r.errors, "t.yaml");
    assert.ok(ours.some((d) => d.path === "[0].identity.user" && /U\+200B/.test(d.message)));
    assert.ok(ours.some((d) => d.path === "[1].identity.groups[0]" && /Cyrillic/.test(d.message)));
    assert.ok(ours.some((d) => d.path === "[1].deny[0].server" && /BELL/.test(d.message)));
    assert.ok(ours.some((d) => d.path === "[2].identity.claims.groups[0]" && /LEFT-TO-RIGHT MARK/.test(d.message)));
  });
});

describe("secrets never in git, outside client_secret too", () => {
  for (const field of ["token_url", "jwks_url", "authorization_url"]) {
    it(`refuses credentials in ${field}'s URL, at its line, without printing them`, () => {
      const file = OIDC("", { [field]: "https://app-1:s3cr3t-value@login.example.com/x" });
      const r = check({ ...BASE, "identity-providers/corp.yaml": file });
      const d = only(r.errors, /holds credentials in its URL/);
      assert.equal(d.line, lineOf(file, field));
      assert.doesNotMatch(d.message, /s3cr3t/);
    });
  }

  it("refuses a token in a SAML URL's user part", () => {
    const file = `alias: okta\nsaml:\n  single_sign_on_service_url: https://ghp_abc123@okta.example.com/sso\n`;
    const d = only(check({ ...BASE, "identity-providers/okta.yaml": file }).errors, /credentials in its URL/);
    assert.equal(d.line, 3);
    assert.doesNotMatch(d.message, /ghp_abc123/);
  });

  it("refuses a secret passed in a URL's query", () => {
    const file = OIDC("", { token_url: "https://login.example.com/token?x=1&client_secret=s3cr3t-value" });
    const d = only(check({ ...BASE, "identity-providers/corp.yaml": file }).errors, /passes "client_secret"/);
    assert.equal(d.line, lineOf(file, "token_url"));
    assert.doesNotMatch(d.message, /s3cr3t/);
  });

  it("refuses credentials in a URL of a group's description too (every kind)", () => {
    const group = GROUP.replace("description: test group", 'description: "mirror at https://u:pw@x.example.com"');
    only(check({ ...BASE, "groups/tools.yaml": group }).errors, /holds credentials in its URL/);
  });

  for (const kind of [
    "RSA PRIVATE KEY",
    "PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "PGP PRIVATE KEY BLOCK",
  ]) {
    it(`refuses a "${kind}" block in signing_certificate`, () => {
      const file = `alias: okta
saml:
  single_sign_on_service_url: https://okta.example.com/sso
  signing_certificate: |
    -----BEGIN CERTIFICATE-----
    MIIC8DCCAdig
    -----END CERTIFICATE-----
    -----BEGIN ${kind}-----
    MIIEvQIBADAN
    -----END ${kind}-----
`;
      const d = only(check({ ...BASE, "identity-providers/okta.yaml": file }).errors, /holds a private key/);
      assert.equal(d.path, "saml.signing_certificate");
      assert.equal(d.line, 4);
    });
  }

  it("refuses a private key anywhere, a description included", () => {
    const file = OIDC('description: "old key: -----BEGIN EC PRIVATE KEY----- MHcC"\n');
    only(check({ ...BASE, "identity-providers/corp.yaml": file }).errors, /holds a private key/);
  });

  it("render --identity-providers never prints a URL's credentials", () => {
    const p = {
      alias: "corp",
      type: "oidc",
      displayName: "Corp",
      enabled: true,
      trustEmail: true,
      storeToken: false,
      hideOnLoginPage: false,
      firstBrokerLoginFlow: "first broker login",
      syncMode: "FORCE",
      oidc: {
        issuer: null,
        authorizationUrl: "https://login.example.com/a",
        tokenUrl: "https://id:hunter2@login.example.com/token",
        jwksUrl: null,
        userInfoUrl: null,
        logoutUrl: null,
        clientId: "app-1",
        clientAuthMethod: "client_secret_post",
        defaultScopes: "openid",
      },
      saml: null,
      mappers: [],
      description: "",
      file: "identity-providers/corp.yaml",
    } satisfies BrokeredProvider;
    const body = JSON.stringify(renderIdentityProviders([p]));
    assert.doesNotMatch(body, /hunter2/);
    assert.match(body, /https:\/\/\*\*\*@login\.example\.com\/token/);
  });
});

describe("a stack file holds secrets only encrypted", () => {
  const stack = (config: string) =>
    makeRepo({ ...BASE, "stacks/Pulumi.dev.yaml": `config:\n  mcp-gateway-access:bootstrap: true\n${config}` });

  const plain: Array<[string, string, number]> = [
    ["a per-alias secret", "  mcp-gateway-access:identityProviderSecrets:\n    corp: plain-value-1\n", 4],
    ["a JSON string of secrets", `  mcp-gateway-access:identityProviderSecrets: '{"corp":"plain-value-1"}'\n`, 3],
    ["the database password", "  mcp-gateway-access:mongodbPassword: plain-value-1\n", 3],
    ["an initial password", "  mcp-gateway-access:initialPasswords:\n    alice: plain-value-1\n", 4],
    ["a provider's password", "  keycloak:password: plain-value-1\n", 3],
    ["a provider's client secret", "  azuread:clientSecret: plain-value-1\n", 3],
  ];
  for (const [what, config, line] of plain) {
    it(`refuses ${what} in plain text, at its line, without printing it`, () => {
      assert.throws(
        () => readStackFile(stack(config), "dev"),
        (e: Error) =>
          e.message.startsWith(`stacks/Pulumi.dev.yaml:${line}:`) &&
          /is a secret in plain text/.test(e.message) &&
          !/plain-value-1/.test(e.message),
      );
    });
  }

  it("takes secrets as Pulumi writes them with --secret", () => {
    const config =
      "  mcp-gateway-access:identityProviderSecrets:\n    corp:\n      secure: v1:AAAA\n" +
      "  mcp-gateway-access:mongodbPassword:\n    secure: v1:BBBB\n";
    assert.equal(readStackFile(stack(config), "dev").bootstrap, true);
  });

  it("validate --stack names the stack file and the line", async () => {
    const root = stack("  mcp-gateway-access:identityProviderSecrets:\n    corp: plain-value-1\n");
    const r = await cli(["validate", "--dir", root, "--stack", "dev"]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /stacks\/Pulumi\.dev\.yaml:4:\d+: mcp-gateway-access:identityProviderSecrets\.corp/);
    assert.doesNotMatch(r.err + r.out, /plain-value-1/);
  });
});

describe("a mapper giving every person an admin group", () => {
  const mapper = (m: string) => OIDC(`  - ${m}\n    group: registry-admins\n`);

  for (const m of ["everyone: true", 'value: ".*"\n    regex: true', 'value: ".+"\n    regex: true']) {
    it(`refuses ${m.split("\n")[0]} into registry-admins unless acknowledged`, () => {
      const file = mapper(m);
      const r = check({ ...BASE, "identity-providers/corp.yaml": file });
      const d = only(r.errors, /registry admins/);
      assert.equal(d.path, "mappers[1]");
      const ok = check({
        ...BASE,
        "identity-providers/corp.yaml": mapper(`${m}\n    acknowledge_everyone_admin: true`),
      });
      assert.deepEqual(errorsIn(ok.errors, "corp.yaml"), []);
      only(ok.warnings, /registry admins: .*\(acknowledged\)/);
    });
  }

  it("refuses it into a group of groups/ whose UI permissions make admins", () => {
    const file = OIDC("  - everyone: true\n    group: ops\n");
    const r = check({ ...BASE, "groups/ops.yaml": ADMIN_GROUP, "identity-providers/corp.yaml": file });
    only(r.errors, /group "ops" .* registry admins/);
  });

  it("leaves a narrow regex, a non-admin group and a disabled provider alone", () => {
    const narrow = mapper('value: "corp-admins-.*"\n    regex: true');
    assert.deepEqual(check({ ...BASE, "identity-providers/corp.yaml": narrow }).errors, []);
    const tools = OIDC("  - everyone: true\n    group: tools-users\n");
    assert.deepEqual(check({ ...BASE, "identity-providers/corp.yaml": tools }).errors, []);
    const off = mapper("everyone: true").replace("display_name: Corp", "display_name: Corp\nenabled: false");
    assert.deepEqual(check({ ...BASE, "identity-providers/corp.yaml": off }).errors, []);
  });

  it("warns about an acknowledgement that acknowledges nothing", () => {
    const file = OIDC("  - value: x\n    group: tools-users\n    acknowledge_everyone_admin: true\n");
    only(check({ ...BASE, "identity-providers/corp.yaml": file }).warnings, /acknowledges nothing/);
  });

  it("takes a regex for everyone when it matches every ordinary value", () => {
    for (const r of [".*", ".+", "[\\s\\S]*", "(.*)", "\\S+", "[\\w.-]+", ".{0,}", "^.*$", "x|.*"])
      assert.equal(matchesEveryValue(r), true, r);
    for (const r of ["corp-.*", "[0-9a-f-]{36}", "a", "(", "[a-z]+"]) assert.equal(matchesEveryValue(r), false, r);
  });
});

describe("plain-http provider endpoints", () => {
  for (const field of ["jwks_url", "token_url", "authorization_url"]) {
    it(`warns about a plain-http ${field}, at its line`, () => {
      const file = OIDC("", { [field]: "http://login.example.com/x" });
      const r = check({ ...BASE, "identity-providers/corp.yaml": file });
      assert.deepEqual(r.errors, []);
      const d = only(r.warnings, /plain http/);
      assert.equal(d.line, lineOf(file, field));
    });
  }

  it("warns about a plain-http SAML SSO URL", () => {
    const file = `alias: okta\nsaml:\n  single_sign_on_service_url: http://okta.example.com/sso\n`;
    assert.equal(only(check({ ...BASE, "identity-providers/okta.yaml": file }).warnings, /plain http/).line, 3);
  });

  it("stays quiet for loopback hosts and https", () => {
    for (const host of ["localhost:8080", "127.0.0.1", "127.9.8.7:9000", "[::1]:8080", "kc.localhost", "localhost."]) {
      const file = OIDC("", { jwks_url: `http://${host}/keys`, token_url: `http://${host}/token` });
      const r = check({ ...BASE, "identity-providers/corp.yaml": file });
      assert.equal(r.warnings.filter((d) => /plain http/.test(d.message)).length, 0, host);
    }
  });
});
