/** The whole program as `pulumi up` runs it, with Pulumi mocks: config in, resources and outputs out. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { before, describe, it, mock } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { accessProgram, adoptedMessage, stackOutputsOf, type ProgramDeps } from "../../../program";
import { secretDigest, type KeycloakAdmin } from "../../../clients/keycloak-admin";
import { STOCK_SECRET_OUTPUT } from "../../../components/keycloak/stock-secrets";
import { AccessOutputs } from "../../../lib";
import { declared, setProjectRoot, settled, useMocks, valueOf } from "../../support/mocks";
import { makeRepo, GROUP, USER } from "../../support/repo";
import { REPO_ROOT } from "../../support/paths";

before(() => useMocks());

/** A first run: empty state, and a Keycloak holding only what `existing` names. */
function fakeKeycloak(
  existing: {
    realm?: boolean;
    groups?: string[];
    users?: string[];
    clients?: string[];
    /** Client id → the digest of its secret in Keycloak. */
    secrets?: Record<string, string>;
  } = {},
): Partial<ProgramDeps> & { connects: number } {
  const deps = {
    connects: 0,
    readState: async () => [],
    keycloakHooks: () => undefined, // hooks need the engine; the e2e fault tests cover them
    connectKeycloak: async (): Promise<KeycloakAdmin> => {
      deps.connects++;
      const ids = (names: string[] = []) => new Map(names.map((n) => [n, `kc-${n}`]));
      return {
        realmExists: async () => existing.realm ?? false,
        topLevelGroupIds: async () => ids(existing.groups),
        userIds: async () => ids(existing.users),
        clientIds: async () => ids(existing.clients),
        protocolMapperIds: async (_realm, client) => new Map([["groups", `${client}-groups-mapper`]]),
        clientScopeIds: async () => new Map([["basic", "kc-basic"]]),
        clientScopeMapperIds: async () => new Map(),
        serviceAccountUserId: async () => undefined,
        groupNamesOf: async () => [],
        identityProviders: async () => [],
        clientSecretDigest: async (_realm, uuid) => existing.secrets?.[uuid.replace(/^kc-/, "")],
      };
    },
  };
  return deps;
}

/**
 * The custom resources one run of the program declares: the positive control of a "nothing declared" assertion,
 * proving the same setup, without what stops it, does declare them.
 */
async function declaredByRun(deps: Partial<ProgramDeps> = fakeKeycloak()): Promise<string[]> {
  declared.length = 0;
  await accessProgram(undefined, deps);
  await settled();
  return declared.filter((d) => d.custom).map((d) => d.type);
}

function configure(dir: string, extra: Record<string, string> = {}, secrets: string[] = []) {
  pulumi.runtime.setAllConfig(
    { "keycloak:url": "http://127.0.0.1:18080", "mcp-gateway-access:definitionsDir": dir, ...extra },
    secrets,
  );
}

describe("the program", () => {
  it("stops before declaring anything when the definitions are invalid, with file:line:column", async () => {
    configure(makeRepo({ "groups/g.yaml": GROUP }));
    assert.ok((await declaredByRun()).length > 0, "valid definitions are declared");
    configure(makeRepo({ "groups/g.yaml": GROUP + "bogus: 1\n" }));
    declared.length = 0;
    await assert.rejects(
      accessProgram(undefined, fakeKeycloak()),
      (e: Error) =>
        e instanceof pulumi.RunError &&
        /nothing was applied/.test(e.message) &&
        /groups\/g\.yaml:7:1: error: bogus: unknown field "bogus"/.test(e.message),
    );
    await settled();
    assert.equal(declared.length, 0);
  });

  it("stops before declaring anything when an access test is broken, with its file:line", async () => {
    const broken =
      "- identity: {user: alice}\n  deny:\n    - {server: currenttime, method: tools/call, tool: " +
      "current_time_by_timezone}\n";
    const holds = broken.replace("deny:", "allow:");
    configure(makeRepo({ "groups/g.yaml": GROUP, "users/a.yaml": USER("alice"), "access-tests/t.yaml": holds }));
    assert.ok((await declaredByRun()).length > 0, "with the access test holding, everything is declared");
    configure(makeRepo({ "groups/g.yaml": GROUP, "users/a.yaml": USER("alice"), "access-tests/t.yaml": broken }));
    declared.length = 0;
    await assert.rejects(
      accessProgram(undefined, fakeKeycloak()),
      (e: Error) =>
        e instanceof pulumi.RunError &&
        /nothing was applied/.test(e.message) &&
        /access-tests\/t\.yaml:3:7: error: \[0\]\.deny\[0\]: access test: user alice should be denied/.test(e.message),
    );
    await settled();
    assert.equal(declared.length, 0);
  });

  it("refuses a secret typed into its stack file in plain text, at its line, before declaring anything", async () => {
    const files = {
      "Pulumi.yaml": "name: p\nruntime: nodejs\nstackConfigDir: stacks\n",
      "groups/g.yaml": GROUP,
      // The mocks' stack is "unit"; Pulumi writes a secret as {secure: ...}.
      "stacks/Pulumi.unit.yaml": "config:\n  mcp-gateway-access:mongodbPassword:\n    secure: v1:abc\n",
    };
    const root = setProjectRoot("");
    try {
      const encrypted = makeRepo(files);
      setProjectRoot(encrypted);
      configure(encrypted);
      assert.ok((await declaredByRun()).length > 0, "an encrypted secret: declared");
      const plain = makeRepo({ ...files, "stacks/Pulumi.unit.yaml": "config:\n  keycloak:password: hunter2\n" });
      setProjectRoot(plain);
      configure(plain);
      declared.length = 0;
      await assert.rejects(
        accessProgram(undefined, fakeKeycloak()),
        (e: Error) =>
          e instanceof pulumi.RunError &&
          /stacks\/Pulumi\.unit\.yaml:2:\d+: keycloak:password is a secret in plain text/.test(e.message) &&
          !e.message.includes("hunter2"),
      );
      await settled();
      assert.equal(declared.length, 0);
    } finally {
      setProjectRoot(root);
    }
  });

  it("refuses an unknown conflict policy", async () => {
    configure(makeRepo({ "groups/g.yaml": GROUP }), { "mcp-gateway-access:onScopeConflict": "merge" });
    assert.ok((await declaredByRun()).length > 0, "a known policy: declared");
    configure(makeRepo({ "groups/g.yaml": GROUP }), { "mcp-gateway-access:onScopeConflict": "clobber" });
    declared.length = 0;
    await assert.rejects(
      accessProgram(undefined, fakeKeycloak()),
      /onScopeConflict must be one of fail, merge, overwrite/,
    );
    await settled();
    assert.equal(declared.length, 0, "nothing declared");
  });

  it("declares Keycloak objects and scope documents, and marks every secret output secret", async () => {
    configure(
      makeRepo({
        "groups/g.yaml": GROUP,
        "users/a.yaml": USER("alice", "[tools-users, registry-admins]"),
        "m2m/b.yaml": "name: bot\ngroups: [tools-users]\n",
      }),
      { "mcp-gateway-access:bootstrap": "true", "mcp-gateway-access:initialPasswords": '{"alice":"pw-from-config"}' },
      ["mcp-gateway-access:initialPasswords"],
    );
    declared.length = 0;
    const p = await accessProgram(undefined, fakeKeycloak());
    await settled();
    const types = new Set(declared.map((d) => d.type));
    for (const t of [
      "keycloak:index/realm:Realm",
      "keycloak:index/user:User",
      "keycloak:openid/client:Client",
      "pulumi-nodejs:dynamic/mcp-gateway-access:ScopeDocument",
      "pulumi-nodejs:dynamic/mcp-gateway-access:M2MClientRecord",
    ]) {
      assert.ok(types.has(t), `${t} declared`);
    }
    assert.equal(await pulumi.isSecret(p.access!.m2m.bot!.clientSecret), true);
    assert.equal(await pulumi.isSecret(p.access!.users.alice!.initialPassword!), true);
    assert.equal(await pulumi.isSecret(p.access!.bootstrapAdminPassword!), true);
    const user = declared.find((d) => d.type === "keycloak:index/user:User" && d.inputs.username === "alice")!;
    assert.equal((user.inputs.initialPassword as { value: string }).value, "pw-from-config");
    // The outputs are what `mcp-access token` and agents read: the one contract, checked on what was produced.
    const produced = await valueOf(
      pulumi.output({ m2m: p.access!.m2m, groups: p.access!.groups, users: p.access!.users }),
    );
    const read = AccessOutputs.parse(produced);
    assert.deepEqual(read.m2m.bot, {
      clientId: "bot",
      clientSecret: "secret-of-bot",
      tokenUrl: "http://127.0.0.1:18080/realms/mcp-gateway/protocol/openid-connect/token",
      realm: "mcp-gateway",
      keycloakUrl: "http://127.0.0.1:18080",
      authProvider: "keycloak",
    });
  });

  it(
    "exports bootstrapAdminPassword only when the bootstrap generated one (an undefined output " +
      "makes Pulumi warn every run)",
    async () => {
      const dir = makeRepo({ "groups/g.yaml": GROUP });
      configure(dir);
      const plain = stackOutputsOf(await accessProgram(undefined, fakeKeycloak()));
      await settled();
      assert.deepEqual(Object.keys(plain).sort(), ["groups", "issuers", "m2m", "scopes", "users"]);
      // The realm's URL: what `token --verify` trusts for this stack's tokens (issue 23).
      assert.deepEqual(await valueOf(pulumi.output(plain.issuers!)), ["http://127.0.0.1:18080/realms/mcp-gateway"]);
      configure(dir, { "mcp-gateway-access:bootstrap": "true" });
      const boot = stackOutputsOf(await accessProgram(undefined, fakeKeycloak()));
      await settled();
      assert.equal(await pulumi.isSecret(boot.bootstrapAdminPassword!), true);
    },
  );

  describe("the stock clients' secrets, which upstream's init-keycloak.sh regenerates on every run", () => {
    const BOOT = { "mcp-gateway-access:bootstrap": "true" };
    const WEB = "mcp-gateway-web";
    const M2M = "mcp-gateway-m2m";
    /** A state whose last run recorded these digests (the stack output), and that holds the bootstrap's objects. */
    const stateRecording = (digests: Record<string, string>) => async () => [
      { type: "pulumi:pulumi:Stack", outputs: { [STOCK_SECRET_OUTPUT]: digests } },
    ];
    /** Runs the program and returns what it said as warnings. */
    async function warningsOf(deps: Partial<ProgramDeps>): Promise<string[]> {
      const warned: string[] = [];
      const warn = mock.method(pulumi.log, "warn", async (m: string) => void warned.push(m));
      try {
        declared.length = 0;
        await accessProgram(undefined, deps);
        await settled();
      } finally {
        warn.mock.restore();
      }
      return warned.filter((w) => /secret/.test(w));
    }

    it("records a digest of each stock client's secret as an output, not the secret", async () => {
      configure(makeRepo({ "groups/g.yaml": GROUP }), BOOT);
      declared.length = 0;
      const out = stackOutputsOf(await accessProgram(undefined, fakeKeycloak()));
      await settled();
      const digests = out.bootstrapClientSecretDigests!;
      assert.equal(await pulumi.isSecret(digests), false, "a digest is no secret");
      assert.deepEqual(await valueOf(digests), {
        [WEB]: secretDigest(`secret-of-${WEB}`),
        [M2M]: secretDigest(`secret-of-${M2M}`),
      });
      assert.match(secretDigest("x"), /^sha256:[0-9a-f]{16}$/);
      const stock = declared.filter(
        (d) => d.type === "keycloak:openid/client:Client" && /^mcp-gateway-/.test(String(d.inputs.clientId)),
      );
      assert.equal(stock.length, 2);
      assert.ok(
        stock.every((d) => !("clientSecret" in d.inputs)),
        "the stack never sets their secrets",
      );
      // Positive control of the output's absence: without the bootstrap there is no stock client and no output.
      configure(makeRepo({ "groups/g.yaml": GROUP }));
      assert.equal(
        stackOutputsOf(await accessProgram(undefined, fakeKeycloak())).bootstrapClientSecretDigests,
        undefined,
      );
      await settled();
    });

    it("warns when Keycloak's secret is not the recorded one: the client, what the run does, what to do", async () => {
      configure(makeRepo({ "groups/g.yaml": GROUP }), BOOT);
      const recorded = { [WEB]: secretDigest("old-web"), [M2M]: secretDigest("old-m2m") };
      const deps = {
        ...fakeKeycloak({
          realm: true,
          clients: [WEB, M2M],
          secrets: { [WEB]: secretDigest("new-web"), [M2M]: recorded[M2M] },
        }),
        readState: stateRecording(recorded),
      };
      const warned = await warningsOf(deps);
      assert.equal(warned.length, 1, warned.join("\n"));
      assert.match(warned[0]!, /secret of Keycloak client mcp-gateway-web \(realm mcp-gateway\)/);
      assert.match(warned[0]!, /keeps Keycloak's new secret/);
      assert.match(warned[0]!, /KEYCLOAK_CLIENT_SECRET/);
      assert.match(warned[0]!, /pulumi up --refresh/);
      // The run never puts a secret back: the stock clients declare none.
      assert.ok(declared.filter((d) => d.inputs.clientId === WEB).every((d) => !("clientSecret" in d.inputs)));
      // Positive control: the same secrets as recorded say nothing.
      const same = {
        ...deps,
        ...fakeKeycloak({ realm: true, clients: [WEB, M2M], secrets: recorded }),
        readState: stateRecording(recorded),
      };
      assert.deepEqual(await warningsOf(same), []);
    });

    it("asks nothing on a first run, and only warns when Keycloak cannot be asked", async () => {
      configure(makeRepo({ "groups/g.yaml": GROUP }), BOOT);
      const first = { ...fakeKeycloak({ secrets: { [WEB]: "sha256:other" } }), readState: async () => [] };
      assert.deepEqual(await warningsOf(first), []);
      const down = fakeKeycloak({ realm: true, clients: [WEB, M2M] });
      const connect = down.connectKeycloak!;
      down.connectKeycloak = async () => ({
        ...(await connect()),
        clientSecretDigest: async () => Promise.reject(new Error("connection refused")),
      });
      down.readState = stateRecording({ [WEB]: secretDigest("old") });
      const warned = await warningsOf(down);
      assert.equal(warned.length, 1);
      assert.match(warned[0]!, /could not compare the stock clients' secrets.*connection refused/);
    });
  });

  it("keeps only the registry's documents when the stack does not manage the identity provider", async () => {
    const dir = makeRepo({ "groups/g.yaml": GROUP, "m2m/b.yaml": "name: bot\ngroups: [tools-users]\n" });
    configure(dir);
    assert.ok(
      (await declaredByRun()).some((t) => t.startsWith("keycloak:")),
      "managing it, the same definitions declare Keycloak objects",
    );
    configure(dir, { "mcp-gateway-access:manageIdentityProvider": "false" });
    declared.length = 0;
    const p = await accessProgram(undefined, fakeKeycloak());
    await settled();
    assert.equal(p.access, undefined);
    assert.deepEqual([...new Set(declared.filter((d) => d.custom).map((d) => d.type))].sort(), [
      "pulumi-nodejs:dynamic/mcp-gateway-access:M2MClientRecord",
      "pulumi-nodejs:dynamic/mcp-gateway-access:ScopeDocument",
    ]);
  });

  it(
    "declares the documents where the registry's environment puts them (DOCUMENTDB_DATABASE, " +
      "DOCUMENTDB_NAMESPACE)",
    async () => {
      configure(makeRepo({ "groups/g.yaml": GROUP }), { "mcp-gateway-access:manageIdentityProvider": "false" });
      const saved = { db: process.env.DOCUMENTDB_DATABASE, ns: process.env.DOCUMENTDB_NAMESPACE };
      process.env.DOCUMENTDB_DATABASE = "otherdb";
      process.env.DOCUMENTDB_NAMESPACE = "team1";
      try {
        declared.length = 0;
        await accessProgram(undefined, fakeKeycloak());
        await settled();
      } finally {
        for (const [k, v] of [
          ["DOCUMENTDB_DATABASE", saved.db],
          ["DOCUMENTDB_NAMESPACE", saved.ns],
        ] as const) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
      const doc = declared.find((d) => d.type === "pulumi-nodejs:dynamic/mcp-gateway-access:ScopeDocument")!;
      assert.equal(doc.inputs.database, "otherdb");
      assert.equal(doc.inputs.collection, "mcp_scopes_team1");
    },
  );

  it(
    "on Entra, puts each group's Object ID into its scope document, and stops before anything when " +
      "a UPN has no domain",
    async () => {
      const entra = {
        "mcp-gateway-access:identityProvider": "entra",
        "mcp-gateway-access:entraGatewayClientId": "gw",
        "mcp-gateway-access:entraSecretEndDate": "2027-06-30T00:00:00Z",
      };
      const dir = makeRepo({ "groups/g.yaml": GROUP, "users/a.yaml": USER("alice", "[tools-users]") });
      configure(dir, entra);
      declared.length = 0;
      await assert.rejects(
        accessProgram(undefined, fakeKeycloak()),
        (e: Error) =>
          e instanceof pulumi.RunError && /user "alice" \(users\/a\.yaml\) needs a UPN domain/.test(e.message),
      );
      await settled();
      assert.equal(declared.filter((d) => d.custom).length, 0, "nothing declared");

      configure(dir, { ...entra, "mcp-gateway-access:entraUserDomain": "contoso.example" });
      declared.length = 0;
      await accessProgram(undefined, fakeKeycloak());
      await settled();
      const doc = declared.find((d) => d.type.endsWith(":ScopeDocument") && d.name === "registry-scope-tools-users")!;
      assert.deepEqual((doc.inputs.desired as { group_mappings: string[] }).group_mappings, [
        "tools-users",
        "oid-entra-group-tools-users",
      ]);
    },
  );

  it("adopts the objects a cut-short run left in Keycloak (import, not create), and only those", async () => {
    configure(
      makeRepo({
        "groups/g.yaml": GROUP,
        "users/a.yaml": USER("alice", "[tools-users]"),
        "users/b.yaml": USER("bob", "[tools-users]"),
        "m2m/b.yaml": "name: bot\ngroups: [tools-users]\n",
      }),
      { "mcp-gateway-access:bootstrap": "true" },
    );
    declared.length = 0;
    await accessProgram(
      undefined,
      fakeKeycloak({ realm: true, groups: ["tools-users"], users: ["alice"], clients: ["bot"] }),
    );
    await settled();
    const imported = (type: string, key: string, value: string) =>
      declared.find((d) => d.type === type && d.inputs[key] === value)?.importId;
    assert.equal(imported("keycloak:index/realm:Realm", "realm", "mcp-gateway"), "mcp-gateway");
    assert.equal(imported("keycloak:index/group:Group", "name", "tools-users"), "mcp-gateway/kc-tools-users");
    assert.equal(imported("keycloak:index/user:User", "username", "alice"), "mcp-gateway/kc-alice");
    assert.ok(
      declared.some((d) => d.type === "keycloak:index/user:User" && d.inputs.username === "bob"),
      "bob is declared",
    );
    assert.equal(imported("keycloak:index/user:User", "username", "bob"), undefined, "bob does not exist: created");
    assert.equal(imported("keycloak:openid/client:Client", "clientId", "bot"), "mcp-gateway/kc-bot");
    const mappers = declared.filter(
      (d) => d.type === "keycloak:openid/groupMembershipProtocolMapper:GroupMembershipProtocolMapper",
    );
    assert.ok(
      mappers.some((m) => m.importId === "mcp-gateway/client/kc-bot/kc-bot-groups-mapper"),
      "the bot's groups mapper adopted",
    );
    assert.ok(
      declared.some((d) => d.type === "keycloak:openid/client:Client" && d.inputs.clientId === "mcp-gateway-web"),
      "the web client is declared",
    );
    assert.equal(
      imported("keycloak:openid/client:Client", "clientId", "mcp-gateway-web"),
      undefined,
      "not in Keycloak: created",
    );
  });

  it("logs an adoption as one, found in Keycloak, with no claim that a run was cut short", async () => {
    const logged: string[] = [];
    const info = mock.method(pulumi.log, "info", async (m: string) => void logged.push(m));
    try {
      configure(makeRepo({ "groups/g.yaml": GROUP, "users/a.yaml": USER("alice", "[tools-users]") }));
      await accessProgram(undefined, fakeKeycloak({ realm: true, groups: ["tools-users"], users: ["alice"] }));
      await settled();
    } finally {
      info.mock.restore();
    }
    const line = logged.find((m) => m.startsWith("adopting"));
    assert.equal(line, adoptedMessage(2, "object(s) of realm mcp-gateway", "Keycloak"));
    assert.match(line!, /found in Keycloak \(adopted\)/);
    assert.doesNotMatch(line!, /cut short/);
  });

  it("never asks Keycloak when the state already holds every declared object", async () => {
    const dir = makeRepo({ "groups/g.yaml": GROUP, "users/a.yaml": USER("alice", "[tools-users]") });
    configure(dir);
    const state = [
      { type: "keycloak:index/group:Group", id: "g1", outputs: { realmId: "mcp-gateway", name: "tools-users" } },
      { type: "keycloak:index/user:User", id: "u1", outputs: { realmId: "mcp-gateway", username: "alice" } },
    ];
    const deps = {
      ...fakeKeycloak({ realm: true, groups: ["tools-users"], users: ["alice"] }),
      readState: async () => state,
    };
    declared.length = 0;
    await accessProgram(undefined, deps);
    await settled();
    assert.equal(deps.connects, 0);
    const keycloakObjects = declared.filter((d) => d.custom && d.type.startsWith("keycloak:"));
    assert.ok(
      keycloakObjects.some((d) => d.inputs.username === "alice") &&
        keycloakObjects.some((d) => d.inputs.name === "tools-users"),
      "the objects the state holds are declared",
    );
    assert.ok(keycloakObjects.every((d) => d.importId === undefined));
    // Positive control: with an empty state, the same Keycloak is asked, and what it holds is adopted.
    const first = fakeKeycloak({ realm: true, groups: ["tools-users"], users: ["alice"] });
    declared.length = 0;
    await accessProgram(undefined, first);
    await settled();
    assert.equal(first.connects, 1);
    assert.ok(declared.some((d) => d.inputs.username === "alice" && d.importId === "mcp-gateway/kc-alice"));
  });
});

describe("the program's entry point (dist/index.js)", () => {
  // A fresh process each: the entry point changes the SDK module it loads.
  const sdkDebugSendsToEngine = (env: Record<string, string>): boolean => {
    const probe =
      `require(${JSON.stringify(join(REPO_ROOT, "dist", "index.js"))});` +
      `process.stdout.write(String(require("@pulumi/pulumi").log.debug.toString().includes("getEngine")))`;
    const out = execFileSync(process.execPath, ["-e", probe], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", ...env },
      encoding: "utf8",
    });
    return out === "true";
  };
  it("sends the SDK's per-resource debug messages to the engine only when MCP_ACCESS_SDK_DEBUG is set", () => {
    assert.equal(sdkDebugSendsToEngine({}), false);
    assert.equal(sdkDebugSendsToEngine({ MCP_ACCESS_SDK_DEBUG: "1" }), true);
  });
});
