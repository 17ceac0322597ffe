/** identity-providers/: brokered corporate IdPs, their mappers, explain and access tests of a brokered person. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { brokeredGroups, checkRepository, convertSnapshot, diffAccess } from "../../../../lib";
import type { BrokeredProvider, SnapshotIdentityProvider } from "../../../../lib";
import { renderMarkdown } from "../../../../cli/diff";
import { accessProgram, type ProgramDeps } from "../../../../program";
import { BrokeredIdentityProviders, mapperConfig } from "../../../../components/keycloak/identity-providers";
import { findAdoptableProviders } from "../../../../components/keycloak/identity-provider-adoption";
import type { StateResource } from "../../../../clients/stack-state";
import type { KeycloakAdmin } from "../../../../clients/keycloak-admin";
import { declared, settled, useMocks } from "../../../support/mocks";
import { check, GROUP, makeRepo, only, USER } from "../../../support/repo";
import { cli } from "../../../support/cli";
import { cpSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../../support/paths";

before(() => useMocks());

const ADMINS = `scope_name: corp-admins
description: admins of the tools
server_access:
  - server: currenttime
    methods: [initialize, tools/list, tools/call]
    tools: ["*"]
`;

const ENTRA = `alias: entra-oidc
display_name: Entra ID
oidc:
  issuer: https://login.example.com/t/v2.0
  authorization_url: https://login.example.com/t/oauth2/v2.0/authorize
  token_url: https://login.example.com/t/oauth2/v2.0/token
  jwks_url: https://login.example.com/t/discovery/v2.0/keys
  client_id: app-1
mappers:
  - value: 5510a1b0-aaaa
    group: tools-users
  - claim: groups
    value: 9999-admins
    group: corp-admins
`;

const SAML = `alias: okta-saml
saml:
  single_sign_on_service_url: https://okta.example.com/app/sso/saml
mappers:
  - attribute: memberOf
    value: "cn=tools,.*"
    regex: true
    group: tools-users
  - everyone: true
    group: corp-admins
`;

const BASE = { "groups/tools.yaml": GROUP, "groups/admins.yaml": ADMINS, "users/alice.yaml": USER("alice") };

function provider(files: Record<string, string>, alias: string): BrokeredProvider {
  const r = check({ ...BASE, ...files });
  assert.deepEqual(r.errors, []);
  const p = r.model.identityProviders?.find((x) => x.alias === alias);
  assert.ok(p, `provider ${alias}`);
  return p;
}

describe("identity-providers/ definitions", () => {
  it("takes the guide's defaults: trustEmail, no stored token, FORCE, client_secret_post, openid profile email", () => {
    const p = provider({ "identity-providers/entra.yaml": ENTRA }, "entra-oidc");
    assert.equal(p.type, "oidc");
    assert.equal(p.trustEmail, true);
    assert.equal(p.storeToken, false);
    assert.equal(p.syncMode, "FORCE");
    assert.equal(p.firstBrokerLoginFlow, "first broker login");
    assert.equal(p.oidc?.clientAuthMethod, "client_secret_post");
    assert.equal(p.oidc?.defaultScopes, "openid profile email");
    assert.deepEqual(
      p.mappers.map((m) => [m.keycloakType, m.key, m.value, m.group, m.syncMode]),
      [
        ["oidc-advanced-group-idp-mapper", "groups", "5510a1b0-aaaa", "tools-users", "FORCE"],
        ["oidc-advanced-group-idp-mapper", "groups", "9999-admins", "corp-admins", "FORCE"],
      ],
    );
  });

  it("a SAML provider maps attributes (regex) and everyone (hardcoded group)", () => {
    const p = provider({ "identity-providers/okta.yaml": SAML }, "okta-saml");
    assert.equal(p.type, "saml");
    assert.deepEqual(
      p.mappers.map((m) => m.keycloakType),
      ["saml-advanced-group-idp-mapper", "oidc-hardcoded-group-idp-mapper"],
    );
    assert.deepEqual(mapperConfig(p.mappers[0]!), {
      group: "/tools-users",
      syncMode: "FORCE",
      attributes: JSON.stringify([{ key: "memberOf", value: "cn=tools,.*" }]),
      "are.attribute.values.regex": "true",
    });
  });

  it("a mapper to a group that does not exist is an error at its position, with a suggestion", () => {
    const r = check({ ...BASE, "identity-providers/e.yaml": ENTRA.replace("group: corp-admins", "group: corp-admin") });
    const d = only(r.errors, /no group "corp-admin"/);
    assert.equal(d.file, "identity-providers/e.yaml");
    assert.deepEqual([d.line, d.column, d.path], [14, 12, "mappers[1].group"]);
    assert.match(d.message, /did you mean "corp-admins"/);
  });

  it("a group with create_in_idp: false is no Keycloak group a mapper can give", () => {
    const local = "scope_name: local-only\ncreate_in_idp: false\n";
    const r = check({
      ...BASE,
      "groups/local.yaml": local,
      "identity-providers/e.yaml": ENTRA.replace("group: corp-admins", "group: local-only"),
    });
    only(r.errors, /create_in_idp: false/);
  });

  it("two providers with the same alias: an error at the second one's alias, naming the first", () => {
    const r = check({ ...BASE, "identity-providers/a.yaml": ENTRA, "identity-providers/b.yaml": ENTRA });
    const d = only(r.errors, /also the alias of identity-providers\/a\.yaml:1/);
    assert.deepEqual([d.file, d.line, d.path], ["identity-providers/b.yaml", 1, "alias"]);
  });

  it("a client secret in the file is refused without echoing it; unknown fields are errors with a suggestion", () => {
    const r = check({
      ...BASE,
      "identity-providers/e.yaml": ENTRA.replace(
        "  client_id: app-1\n",
        "  client_id: app-1\n  client_secret: s3cr3t-value\n  clientid: x\n",
      ),
    });
    const secret = only(r.errors, /client_secret" must not be in a definition file/);
    assert.deepEqual([secret.line, secret.column], [9, 3]);
    assert.ok(!r.errors.some((e) => e.message.includes("s3cr3t-value")));
    only(r.errors, /unknown field "clientid": did you mean "client_id"/);
    assert.equal(r.model.identityProviders?.length ?? 0, 0);
  });

  it("protocol mix-ups: both oidc and saml, a claim on SAML, an attribute on OIDC, a value missing", () => {
    const both = check({
      ...BASE,
      "identity-providers/e.yaml": ENTRA + "saml:\n  single_sign_on_service_url: https://x.example/sso\n",
    });
    only(both.errors, /exactly one of "oidc:" or "saml:"/);
    const claim = check({ ...BASE, "identity-providers/s.yaml": SAML.replace("attribute: memberOf", "claim: groups") });
    only(claim.errors, /"claim" is for OIDC providers/);
    const attr = check({ ...BASE, "identity-providers/e.yaml": ENTRA.replace("claim: groups", "attribute: groups") });
    only(attr.errors, /"attribute" is for SAML providers/);
    const bare = check({
      ...BASE,
      "identity-providers/e.yaml": ENTRA.replace("  - value: 5510a1b0-aaaa\n", "  - claim: groups\n"),
    });
    only(bare.errors, /a mapper needs "value"/);
  });

  it("warns about a mapper that is not FORCE and about a mapped group no scope maps", () => {
    const imported = check({
      ...BASE,
      "identity-providers/e.yaml": ENTRA.replace(
        "    group: corp-admins\n",
        "    group: corp-admins\n    sync_mode: IMPORT\n",
      ),
    });
    assert.deepEqual(imported.errors, []);
    only(imported.warnings, /sync mode IMPORT: the group is set at the first login only/);
    const r = checkRepository(
      makeRepo({ ...BASE, "identity-providers/e.yaml": ENTRA.replace("group: corp-admins", "group: corp-legacy") }),
      {
        existingGroups: ["corp-legacy"],
      },
    );
    assert.deepEqual(r.errors, []);
    only(r.warnings, /no scope maps group "corp-legacy": the auth server drops it/);
  });

  it("an Entra ID stack refuses identity providers with a clear message", () => {
    const r = check({ ...BASE, "identity-providers/e.yaml": ENTRA }, {
      identityProvider: "entra",
      entraUserDomain: "x.example",
    } as never);
    const d = only(r.errors, /cannot broker them here/);
    assert.equal(d.file, "identity-providers/e.yaml");
  });
});

describe("brokeredGroups (what the Keycloak mappers do at login)", () => {
  const entra = () => provider({ "identity-providers/entra.yaml": ENTRA }, "entra-oidc");
  it("one element of a list claim is enough; other values give nothing", () => {
    assert.deepEqual(brokeredGroups(entra(), { groups: ["other", "5510a1b0-aaaa"] }).groups, ["tools-users"]);
    assert.deepEqual(brokeredGroups(entra(), { groups: ["other"] }).groups, []);
    assert.deepEqual(brokeredGroups(entra(), { groups: "9999-admins" }).groups, ["corp-admins"]);
    assert.deepEqual(brokeredGroups(entra(), {}).groups, []);
  });
  it("a regex matches the whole value; everyone always applies; nested claims with dots", () => {
    const saml = provider({ "identity-providers/okta.yaml": SAML }, "okta-saml");
    assert.deepEqual(brokeredGroups(saml, { memberOf: ["cn=tools,ou=g"] }).groups, ["corp-admins", "tools-users"]);
    assert.deepEqual(brokeredGroups(saml, { memberOf: ["x cn=tools,ou=g"] }).groups, ["corp-admins"]);
    const nested = provider(
      { "identity-providers/e.yaml": ENTRA.replace("claim: groups", "claim: realm_access.roles") },
      "entra-oidc",
    );
    assert.deepEqual(brokeredGroups(nested, { realm_access: { roles: ["9999-admins"] } }).groups, ["corp-admins"]);
  });
});

describe("explain and access tests of a brokered person", () => {
  const repo = () => makeRepo({ ...BASE, "identity-providers/entra.yaml": ENTRA });
  it("explain --idp --claims: the mapped groups, the mappers that apply, the decision", async () => {
    const dir = repo();
    const allow = await cli([
      "explain",
      "--dir",
      dir,
      "--idp",
      "entra-oidc",
      "--claims",
      '{"groups":["5510a1b0-aaaa"]}',
      "--server",
      "currenttime",
      "--method",
      "tools/call",
      "--tool",
      "current_time_by_timezone",
    ]);
    assert.equal(allow.code, 0, allow.err);
    assert.match(allow.out, /^ALLOW a person from entra-oidc/);
    assert.match(allow.out, /mapper "groups=5510a1b0-aaaa to tools-users": .*: applies/);
    const deny = await cli([
      "explain",
      "--dir",
      dir,
      "--idp",
      "entra-oidc",
      "--claims",
      '{"groups":["nope"]}',
      "--server",
      "currenttime",
      "--method",
      "tools/list",
    ]);
    assert.match(deny.out, /^DENY a person from entra-oidc: tools\/list on currenttime\n.*\(403\)/);
    const who = await cli(["explain", "--dir", dir, "--idp", "entra-oidc", "--claims", '{"groups":["9999-admins"]}']);
    assert.match(who.out, /groups: corp-admins\n\s+scopes: corp-admins/);
    const json = await cli([
      "explain",
      "--dir",
      dir,
      "--idp",
      "entra-oidc",
      "--claims",
      '{"groups":["9999-admins"]}',
      "--format",
      "json",
    ]);
    const parsed = JSON.parse(json.out) as { groups: string[]; mappers: Array<{ group: string; applies: boolean }> };
    assert.deepEqual(parsed.groups, ["corp-admins"]);
    assert.deepEqual(
      parsed.mappers.map((m) => [m.group, m.applies]),
      [
        ["tools-users", false],
        ["corp-admins", true],
      ],
    );
  });
  it("explain refuses an unknown alias, claims not a JSON object, --claims without --idp (exit 2)", async () => {
    const dir = repo();
    const unknown = await cli(["explain", "--dir", dir, "--idp", "okta", "--claims", "{}"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /no identity provider "okta" in identity-providers\/ \(known: entra-oidc\)/);
    const bad = await cli(["explain", "--dir", dir, "--idp", "entra-oidc", "--claims", "groups=x"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--claims must be a JSON object/);
    const lone = await cli(["explain", "--dir", dir, "--user", "alice", "--claims", "{}"]);
    assert.equal(lone.code, 2);
  });
  it("an access test of a brokered person holds or breaks on the mapped groups; an unknown alias is an error", () => {
    const test = (claims: string) => `- identity: {idp: entra-oidc, claims: {groups: [${claims}]}}
  allow:
    - {server: currenttime, method: tools/call, tool: current_time_by_timezone}
`;
    const held = check({ ...BASE, "identity-providers/e.yaml": ENTRA, "access-tests/b.yaml": test("5510a1b0-aaaa") });
    assert.deepEqual(held.errors, []);
    assert.equal(held.accessTests?.results?.length, 1);
    const broken = check({ ...BASE, "identity-providers/e.yaml": ENTRA, "access-tests/b.yaml": test("someone-else") });
    assert.ok(
      broken.errors.some((e) => e.file === "access-tests/b.yaml"),
      JSON.stringify(broken.errors),
    );
    const unknown = check({ ...BASE, "access-tests/b.yaml": test("5510a1b0-aaaa") });
    only(unknown.errors, /no identity provider "entra-oidc" in identity-providers\//);
  });
});

/** A first run with an empty state and an empty Keycloak. */
function deps(): Partial<ProgramDeps> {
  return {
    readState: async () => [],
    keycloakHooks: () => undefined,
    connectKeycloak: async (): Promise<KeycloakAdmin> => ({
      realmExists: async () => false,
      topLevelGroupIds: async () => new Map(),
      userIds: async () => new Map(),
      clientIds: async () => new Map(),
      protocolMapperIds: async () => new Map(),
      clientScopeIds: async () => new Map(),
      clientScopeMapperIds: async () => new Map(),
      serviceAccountUserId: async () => undefined,
      groupNamesOf: async () => [],
      identityProviders: async () => [],
      clientSecretDigest: async () => undefined,
    }),
  };
}

describe("the Keycloak resources", () => {
  it("pulumi up without the provider's client secret stops before anything is declared", async () => {
    const dir = makeRepo({ ...BASE, "identity-providers/e.yaml": ENTRA });
    const config = {
      "keycloak:url": "http://127.0.0.1:18080",
      "mcp-gateway-access:definitionsDir": dir,
      "mcp-gateway-access:existingGroups": '["registry-admins"]',
    };
    // Positive control: with the secret, the same definitions declare the provider.
    const secrets = "mcp-gateway-access:identityProviderSecrets";
    pulumi.runtime.setAllConfig({ ...config, [secrets]: '{"entra-oidc":"the-secret"}' }, [secrets]);
    declared.length = 0;
    await accessProgram(undefined, deps());
    await settled();
    assert.ok(declared.some((d) => d.type === "keycloak:oidc/identityProvider:IdentityProvider"));
    pulumi.runtime.setAllConfig(config);
    declared.length = 0;
    await assert.rejects(
      accessProgram(undefined, deps()),
      (e: Error) =>
        e instanceof pulumi.RunError &&
        /no client secret for the identity provider\(s\) entra-oidc; nothing was applied/.test(e.message),
    );
    await settled();
    assert.deepEqual(
      declared.filter((d) => d.custom),
      [],
    );
  });

  it("a missing provider secret is a stack-settings error with its code, not a bare RunError", async () => {
    const dir = makeRepo({ ...BASE, "identity-providers/e.yaml": ENTRA });
    pulumi.runtime.setAllConfig({
      "keycloak:url": "http://127.0.0.1:18080",
      "mcp-gateway-access:definitionsDir": dir,
      "mcp-gateway-access:existingGroups": '["registry-admins"]',
    });
    await assert.rejects(accessProgram(undefined, deps()), (e: Error) =>
      e.message.startsWith("ERR_STACK_SETTINGS: no client secret for the identity provider(s) entra-oidc"),
    );
  });

  it("signs in to Keycloak once per run, for the realm's objects and its providers alike", async () => {
    const dir = makeRepo({ ...BASE, "identity-providers/e.yaml": ENTRA });
    pulumi.runtime.setAllConfig(
      {
        "keycloak:url": "http://127.0.0.1:18080",
        "mcp-gateway-access:definitionsDir": dir,
        "mcp-gateway-access:existingGroups": '["registry-admins"]',
        "mcp-gateway-access:identityProviderSecrets": '{"entra-oidc":"s"}',
      },
      ["mcp-gateway-access:identityProviderSecrets"],
    );
    const base = deps();
    let connects = 0;
    const asked: string[] = [];
    await accessProgram(undefined, {
      ...base,
      connectKeycloak: async () => {
        connects++;
        const admin = await base.connectKeycloak!();
        return {
          ...admin,
          realmExists: async () => true,
          identityProviders: async (_realm, aliases) => (asked.push(...(aliases ?? [])), []),
        };
      },
    });
    await settled();
    assert.deepEqual(asked, ["entra-oidc"]);
    assert.equal(connects, 1);
  });

  it("declares the OIDC provider with its secret as a Pulumi secret, and one mapper per pair", async () => {
    const p = provider({ "identity-providers/entra.yaml": ENTRA }, "entra-oidc");
    declared.length = 0;
    new BrokeredIdentityProviders("idp", {
      realm: "mcp-gateway",
      realmUrl: "https://kc.example.com/realms/mcp-gateway",
      providers: [p],
      secrets: pulumi.output({ "entra-oidc": "the-secret" }),
    });
    await settled();
    const idp = declared.find((d) => d.type === "keycloak:oidc/identityProvider:IdentityProvider");
    assert.ok(idp);
    assert.equal(idp.inputs.alias, "entra-oidc");
    // Write-only (kept out of the provider's state) and sent to the engine as a secret (encrypted where it is kept).
    assert.equal(idp.inputs.clientSecretWo, "the-secret");
    assert.equal(idp.inputs.clientSecret, undefined);
    assert.ok(JSON.stringify(idp.raw.clientSecretWo).includes("4dabf18193072939515e22adb298388d"));
    assert.ok(JSON.stringify(idp.raw.clientSecretWoVersion).includes("4dabf18193072939515e22adb298388d"));
    assert.match(String(idp.inputs.clientSecretWoVersion), /^[0-9a-f]{16}$/);
    assert.equal(idp.inputs.syncMode, "FORCE");
    assert.equal(idp.inputs.validateSignature, true);
    assert.deepEqual(idp.inputs.extraConfig, { clientAuthMethod: "client_secret_post" });
    const mappers = declared.filter(
      (d) => d.type === "keycloak:index/customIdentityProviderMapping:CustomIdentityProviderMapping",
    );
    assert.deepEqual(
      mappers.map((m) => [
        m.inputs.identityProviderMapper,
        (m.inputs.extraConfig as Record<string, string>).claims,
        (m.inputs.extraConfig as Record<string, string>).group,
      ]),
      [
        ["oidc-advanced-group-idp-mapper", '[{"key":"groups","value":"5510a1b0-aaaa"}]', "/tools-users"],
        ["oidc-advanced-group-idp-mapper", '[{"key":"groups","value":"9999-admins"}]', "/corp-admins"],
      ],
    );
  });
});

describe("diff per mapped group", () => {
  const model = (files: Record<string, string>) => {
    const r = check({ ...BASE, ...files });
    assert.deepEqual(r.errors, []);
    return r.model;
  };
  it("lists the upstream values that now lead into a group, and those that no longer do", () => {
    const base = model({ "identity-providers/e.yaml": ENTRA });
    const head = model({ "identity-providers/e.yaml": ENTRA.replace("value: 9999-admins", "value: 8888-admins") });
    const d = diffAccess(base, head);
    assert.deepEqual(d.identityProviders?.groups, [
      {
        group: "corp-admins",
        sourcesAdded: ['entra-oidc: groups holds "8888-admins"'],
        sourcesRemoved: ['entra-oidc: groups holds "9999-admins"'],
      },
    ]);
    const md = renderMarkdown(d, "a..b");
    assert.match(md, /### Brokered identity providers/);
    assert.match(md, /- group corp-admins from: \+ entra-oidc: groups holds "8888-admins"; − entra-oidc/);
  });
  it("a provider disabled or removed takes its groups' sources away; unchanged providers say nothing", () => {
    const base = model({ "identity-providers/e.yaml": ENTRA });
    assert.equal(diffAccess(base, base).identityProviders, undefined);
    const off = diffAccess(base, model({ "identity-providers/e.yaml": ENTRA + "enabled: false\n" }));
    assert.deepEqual(off.identityProviders?.providers, [
      { alias: "entra-oidc", change: "changed", details: ["enabled: true -> false"] },
    ]);
    assert.deepEqual(
      off.identityProviders?.groups.map((g) => [g.group, g.sourcesRemoved.length]),
      [
        ["corp-admins", 1],
        ["tools-users", 1],
      ],
    );
    const gone = diffAccess(base, model({}));
    assert.deepEqual(gone.identityProviders?.providers, [{ alias: "entra-oidc", change: "removed", details: [] }]);
  });
});

describe("import of existing identity providers", () => {
  const kcProvider: SnapshotIdentityProvider = {
    alias: "entra-oidc",
    providerId: "oidc",
    displayName: "Entra ID",
    enabled: true,
    trustEmail: true,
    storeToken: false,
    firstBrokerLoginFlowAlias: "first broker login",
    config: {
      syncMode: "FORCE",
      clientId: "app-1",
      clientSecret: "**********",
      clientAuthMethod: "client_secret_post",
      authorizationUrl: "https://login.example.com/t/oauth2/v2.0/authorize",
      tokenUrl: "https://login.example.com/t/oauth2/v2.0/token",
      jwksUrl: "https://login.example.com/t/discovery/v2.0/keys",
      issuer: "https://login.example.com/t/v2.0",
      defaultScope: "openid profile email",
    },
    mappers: [
      {
        name: "entra-admins",
        identityProviderMapper: "oidc-advanced-group-idp-mapper",
        config: {
          claims: '[{"key":"groups","value":"9999-admins"}]',
          "are.claim.values.regex": "false",
          group: "/corp-admins",
          syncMode: "INHERIT",
        },
      },
      { name: "email", identityProviderMapper: "oidc-user-attribute-idp-mapper", config: { claim: "email" } },
    ],
  };
  /** `import` of a realm holding only these identity providers. */
  const importProviders = (identityProviders: SnapshotIdentityProvider[]) =>
    convertSnapshot({
      idp: "keycloak",
      source: "realm r at http://kc",
      namespace: "default",
      groups: [],
      users: [],
      clients: [],
      scopes: [],
      m2mRecords: [],
      identityProviders,
    });
  it("writes a file that validates and declares the same provider and mapper; the secret is never written", () => {
    const r = importProviders([kcProvider]);
    const file = r.files.find((f) => f.path === "identity-providers/entra-oidc.yaml");
    assert.ok(file, JSON.stringify(r.files.map((f) => f.path)));
    assert.ok(!file.text.includes("**********") && !/secret/i.test(file.text.replace(/^#.*$/gm, "")));
    const p = provider({ [file.path]: file.text }, "entra-oidc");
    assert.deepEqual(
      p.mappers.map((m) => [m.name, m.keycloakType, m.key, m.value, m.group, m.syncMode]),
      [["entra-admins", "oidc-advanced-group-idp-mapper", "groups", "9999-admins", "corp-admins", "FORCE"]],
    );
    assert.equal(p.oidc?.jwksUrl, kcProvider.config.jwksUrl);
    assert.ok(r.findings.some((f) => /identityProviderSecrets\.entra-oidc/.test(f.action)));
    assert.ok(r.findings.some((f) => f.object.includes('"email"') && /oidc-user-attribute-idp-mapper/.test(f.problem)));
  });

  it("a mapper regex validate refuses is not written and is reported; a regex RE2 runs is written", () => {
    const regexMapper = (name: string, value: string) => ({
      name,
      identityProviderMapper: "oidc-advanced-group-idp-mapper",
      config: {
        claims: JSON.stringify([{ key: "groups", value }]),
        "are.claim.values.regex": "true",
        group: "/corp-admins",
      },
    });
    const mappers = [regexMapper("backref", "(a)\\1"), regexMapper("plain", "admins-.*")];
    const r = importProviders([{ ...kcProvider, mappers }]);
    const file = r.files.find((f) => f.path === "identity-providers/entra-oidc.yaml")!;
    assert.deepEqual(
      provider({ [file.path]: file.text }, "entra-oidc").mappers.map((m) => m.name),
      ["plain"],
    );
    const finding = r.findings.find((f) => f.object.includes('"backref"'));
    assert.match(finding?.problem ?? "", /regex "\(a\)\\\\1", which validate refuses/);
    assert.match(finding?.action ?? "", /not written; the stack leaves it alone in Keycloak/);
  });
});

describe("import: an alias is a file name made safe like every other name", () => {
  it("an alias holding ../ or a slash is written inside identity-providers/, never beside or above it", () => {
    const snap = (alias: string) => ({
      idp: "keycloak" as const,
      source: "realm r at http://kc",
      namespace: "default",
      groups: [],
      users: [],
      clients: [],
      scopes: [],
      m2mRecords: [],
      identityProviders: [
        {
          alias,
          providerId: "oidc",
          config: {
            clientId: "app-1",
            authorizationUrl: "https://login.example.com/t/oauth2/v2.0/authorize",
            tokenUrl: "https://login.example.com/t/oauth2/v2.0/token",
            issuer: "https://login.example.com/t/v2.0",
          },
          mappers: [],
        },
      ],
    });
    const paths = (alias: string) => convertSnapshot(snap(alias)).files.map((f) => f.path);
    // Positive control: a plain alias keeps its name.
    assert.deepEqual(paths("corp"), ["identity-providers/corp.yaml"]);
    for (const alias of ["../../etc/evil", "a/b", "..\\x"]) {
      for (const p of paths(alias)) {
        assert.match(p, /^identity-providers\/[^/\\]+\.yaml$/, alias);
        assert.ok(!p.includes("/../") && !p.startsWith("../"), p);
      }
    }
  });
});

describe("adoption of providers made outside the stack", () => {
  const entra = () =>
    provider(
      { "identity-providers/entra.yaml": ENTRA.replace("  - value: 5510a1b0-aaaa\n    group: tools-users\n", "") },
      "entra-oidc",
    );
  const live = (asked: string[][]) => async () => ({
    realmExists: async () => true,
    identityProviders: async (_realm: string, aliases: readonly string[] = []) => {
      asked.push([...aliases]);
      const mapper = { id: "m-1", name: "groups=9999-admins to corp-admins", identityProviderMapper: "", config: {} };
      return [{ alias: "entra-oidc", providerId: "oidc", config: {}, mappers: [mapper] }];
    },
  });
  it("imports a provider and mapper in the realm but not in the state, by alias and mapper name", async () => {
    const asked: string[][] = [];
    const a = await findAdoptableProviders([entra()], [], "mcp-gateway", live(asked));
    assert.deepEqual(a, {
      providers: { "entra-oidc": "mcp-gateway/entra-oidc" },
      mappers: { "entra-oidc/groups=9999-admins to corp-admins": "mcp-gateway/entra-oidc/m-1" },
    });
    assert.deepEqual(asked, [["entra-oidc"]]);
  });
  it("asks Keycloak nothing when the state holds them all, and nothing when the state cannot be read", async () => {
    const asked: string[][] = [];
    const state: StateResource[] = [
      {
        type: "keycloak:oidc/identityProvider:IdentityProvider",
        id: "x",
        outputs: { realm: "mcp-gateway", alias: "entra-oidc" },
      },
      {
        type: "keycloak:index/customIdentityProviderMapping:CustomIdentityProviderMapping",
        id: "y",
        outputs: {
          realm: "mcp-gateway",
          identityProviderAlias: "entra-oidc",
          name: "groups=9999-admins to corp-admins",
        },
      },
    ];
    const a = await findAdoptableProviders([entra()], state, "mcp-gateway", live(asked));
    assert.deepEqual(a, { providers: {}, mappers: {} });
    assert.deepEqual(await findAdoptableProviders([entra()], undefined, "mcp-gateway", live(asked)), {
      providers: {},
      mappers: {},
    });
    assert.deepEqual(asked, []);
  });
});

describe("render --identity-providers", () => {
  it("prints providers and mappers as Keycloak's admin API takes them, the secret as a placeholder", async () => {
    const dir = makeRepo({ ...BASE, "identity-providers/entra.yaml": ENTRA });
    const r = await cli(["render", "--dir", dir, "--identity-providers"]);
    assert.equal(r.code, 0, r.err);
    const [p] = JSON.parse(r.out) as Array<{
      alias: string;
      providerId: string;
      config: Record<string, string>;
      mappers: Array<{ identityProviderMapper: string; config: Record<string, string> }>;
    }>;
    assert.equal(p?.alias, "entra-oidc");
    assert.equal(p?.providerId, "oidc");
    assert.equal(p?.config.syncMode, "FORCE");
    assert.equal(p?.config.clientSecret, "(stack secret config identityProviderSecrets.entra-oidc)");
    assert.deepEqual(p?.mappers[1], {
      name: "groups=9999-admins to corp-admins",
      identityProviderAlias: "entra-oidc",
      identityProviderMapper: "oidc-advanced-group-idp-mapper",
      config: {
        group: "/corp-admins",
        syncMode: "FORCE",
        claims: '[{"key":"groups","value":"9999-admins"}]',
        "are.claim.values.regex": "false",
      },
    });
  });
});

describe("the brokered example (examples/brokered/)", () => {
  it("validates beside the root's definitions, and its access tests hold", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-access-brokered-"));
    for (const part of ["groups", "users", "m2m", "access-tests"])
      cpSync(join(REPO_ROOT, part), join(dir, part), { recursive: true });
    cpSync(join(REPO_ROOT, "examples", "brokered"), dir, { recursive: true });
    const r = await cli(["test", "--dir", dir]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /access-tests\/brokered\.yaml/);
    assert.match(r.out, /: \d+ held, 0 broken$/m);
  });

  it("the root's examples broker nobody, so the local stack needs no client secret", () => {
    assert.ok(!existsSync(join(REPO_ROOT, "identity-providers")));
  });
});
