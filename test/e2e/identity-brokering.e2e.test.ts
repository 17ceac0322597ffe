/**
 * Identity brokering, real: a second realm of the test Keycloak plays the corporate identity provider (its own users,
 * groups and a `groups` claim); `pulumi up` (real engine) declares it as a brokered OIDC provider of the registry's
 * realm with a claim-to-group mapper (syncMode FORCE); a person logs in through the broker with a scripted browser
 * (HTTP with a cookie jar: the login form, the broker redirect, the code); the `mcp-gateway` token carries the mapped
 * group; the registry's own auth server allows and denies accordingly, as `explain --idp` says; once the person
 * leaves the corporate group, the next login removes the group (FORCE) and the auth server denies.
 */
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MongoClient } from "mongodb";
import { run } from "../../cli/main";
import { readKeycloakRealm } from "../../cli/import-read";
import { checkRepository, convertSnapshot } from "../../lib";
import { startAuthServer, type AuthServer } from "../support/auth-server";
import { clientSecret, requestToken, writeRepo } from "../support/conformance";
import { changes, engineStack, type EngineStack } from "../support/engine";
import { KC_ADMIN, keycloakAdmin, programStackConfig, type KeycloakAdminClient } from "../support/keycloak-admin";
import { databaseUri, keycloakUrl } from "../support/services";

const REALM = `brk-${process.pid}`;
const CORP = `corp-${process.pid}`;
const DB = `mcp_registry_brk_${process.pid}`;
const PORT = 18896;
const ALIAS = "corp";
const BROKER_CLIENT = "mcp-broker";
/** The web client's callback (bootstrap's default redirect URI); the flow stops at the code, nothing listens there. */
const CALLBACK = "http://localhost:8888/oauth2/callback/keycloak";
const PERSON = {
  username: "carol",
  password: "Corp-Carol-9aA!",
  email: "carol@corp.example",
  firstName: "Carol",
  lastName: "Corp",
};

const FILES = (kc: string): Record<string, string> => ({
  "groups/brk-tools.yaml": `scope_name: brk-tools
server_access:
  - server: currenttime
    methods: [initialize, tools/list, tools/call]
    tools: [now]
`,
  "users/alice.yaml":
    "username: alice\nemail: alice@example.com\nfirst_name: A\nlast_name: L\ngroups: [registry-admins]\n",
  "identity-providers/corp.yaml": `alias: ${ALIAS}
display_name: Corp
oidc:
  issuer: ${kc}/realms/${CORP}
  authorization_url: ${kc}/realms/${CORP}/protocol/openid-connect/auth
  token_url: ${kc}/realms/${CORP}/protocol/openid-connect/token
  jwks_url: ${kc}/realms/${CORP}/protocol/openid-connect/certs
  client_id: ${BROKER_CLIENT}
mappers:
  - claim: groups
    value: corp-tools
    group: brk-tools
`,
});

const INIT = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} });
const CALL = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "now", arguments: {} } });

let repo: string;
let e2e: EngineStack;
let auth: AuthServer;
let mongo: MongoClient;
let corp: KeycloakAdminClient;
let carolId: string;
let corpToolsId: string;
let webSecret: string;
let brokerSecret: string;

/** Cookies by path and name: both realms set AUTH_SESSION_ID, each on its own /realms/<realm>/ path. */
class CookieJar {
  private readonly cookies = new Map<string, { path: string; value: string }>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const pathAttr = attrs.map((a) => a.trim()).find((a) => /^path=/i.test(a));
      const path = pathAttr ? pathAttr.slice(5) : "/";
      const expired = attrs.some((a) => /^max-age=0$/i.test(a.trim())) || value === "";
      if (expired) this.cookies.delete(`${path}\u0000${name}`);
      else this.cookies.set(`${path}\u0000${name}`, { path, value });
    }
  }
  header(url: string): string {
    const path = new URL(url).pathname;
    return [...this.cookies.entries()]
      .filter(([, c]) => path.startsWith(c.path.replace(/\/$/, "")))
      .map(([k, c]) => `${k.split("\u0000")[1]}=${c.value}`)
      .join("; ");
  }
}

function formAction(html: string): string | null {
  const m = /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(html) ?? /<form[^>]*action="([^"]+)"/.exec(html);
  return m ? m[1]!.replace(/&amp;/g, "&") : null;
}

/**
 * A person's browser login through the broker: the registry realm's authorization endpoint with kc_idp_hint,
 * the corporate realm's login form, back through /broker/<alias>/endpoint, to the web client's callback with a
 * code; the code exchanged for the token the auth server's own callback would get.
 */
async function brokeredLogin(kc: string): Promise<Record<string, unknown> & { access_token: string }> {
  const jar = new CookieJar();
  const authUrl = new URL(`${kc}/realms/${REALM}/protocol/openid-connect/auth`);
  for (const [k, v] of Object.entries({
    client_id: "mcp-gateway-web",
    response_type: "code",
    scope: "openid",
    redirect_uri: CALLBACK,
    kc_idp_hint: ALIAS,
  })) {
    authUrl.searchParams.set(k, v);
  }
  let url = authUrl.toString();
  let init: RequestInit = {};
  const seen: string[] = [];
  for (let step = 0; step < 15; step++) {
    const res = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header(url) },
    });
    jar.store(res);
    seen.push(`${init.method ?? "GET"} ${url.split("?")[0]} -> ${res.status}`);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url).toString();
      if (next.startsWith(CALLBACK)) {
        const code = new URL(next).searchParams.get("code");
        assert.ok(code, `no code in the callback: ${next}`);
        const token = await fetch(`${kc}/realms/${REALM}/protocol/openid-connect/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "authorization_code",
            code,
            redirect_uri: CALLBACK,
            client_id: "mcp-gateway-web",
            client_secret: webSecret,
          }),
        });
        const body = (await token.json()) as Record<string, unknown> & { access_token: string };
        assert.equal(token.status, 200, JSON.stringify(body));
        return body;
      }
      url = next;
      init = {};
      continue;
    }
    const html = await res.text();
    const action = formAction(html);
    assert.ok(
      res.status === 200 && action,
      `no login form at step ${step}:\n${seen.join("\n")}\n${html.slice(0, 400)}`,
    );
    // The corporate realm's login form (then, if Keycloak asks, the first-broker-login profile form as it was filled).
    const fields: Record<string, string> = html.includes('name="password"')
      ? { username: PERSON.username, password: PERSON.password, credentialId: "" }
      : { username: PERSON.username, email: PERSON.email, firstName: PERSON.firstName, lastName: PERSON.lastName };
    url = new URL(action, url).toString();
    init = {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    };
  }
  throw new Error(`the login did not reach the callback:\n${seen.join("\n")}`);
}

/** Pulumi's mark of a secret value in a state (a secret's envelope holds it under this key). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";

/**
 * Where in an exported state a string occurs outside a secret: the Automation API exports with --show-secrets, so
 * a secret shows decrypted inside its envelope (ciphertext in the state itself); anywhere else it is plain text.
 */
function plainPathsHolding(value: unknown, needle: string, path = "$"): string[] {
  if (typeof value === "string") return value.includes(needle) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => plainPathsHolding(v, needle, `${path}[${i}]`));
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[SECRET_SIG] === SECRET_MARK) return [];
    const at = typeof o.urn === "string" ? o.urn : path;
    return Object.entries(o).flatMap(([k, v]) => plainPathsHolding(v, needle, `${at}.${k}`));
  }
  return [];
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

const ask = (token: string, body: string) => auth.validate({ token, path: "/currenttime/mcp", body });

async function explainAllowed(claims: unknown): Promise<boolean> {
  const out: string[] = [];
  const args = [
    "explain",
    "--dir",
    repo,
    "--bootstrap",
    "--idp",
    ALIAS,
    "--claims",
    JSON.stringify(claims),
    "--server",
    "currenttime",
  ];
  const code = await run([...args, "--method", "tools/call", "--tool", "now", "--format", "json"], {
    out: (s) => out.push(s),
    err: () => undefined,
  });
  assert.equal(code, 0);
  return (JSON.parse(out.join("\n")) as { allowed: boolean }).allowed;
}

/** The corporate IdP: its own realm, a confidential client for the broker, a `groups` claim, a group and a person. */
async function makeCorporateRealm(kc: string): Promise<string> {
  const admin = await keycloakAdmin("master");
  await admin.realms.create({ realm: CORP, enabled: true });
  corp = await keycloakAdmin(CORP);
  await corp.clients.create({
    clientId: BROKER_CLIENT,
    protocol: "openid-connect",
    publicClient: false,
    standardFlowEnabled: true,
    directAccessGrantsEnabled: false,
    redirectUris: [`${kc}/realms/${REALM}/broker/${ALIAS}/endpoint`],
    protocolMappers: [
      {
        name: "groups",
        protocol: "openid-connect",
        protocolMapper: "oidc-group-membership-mapper",
        config: {
          "claim.name": "groups",
          "full.path": "false",
          "id.token.claim": "true",
          "access.token.claim": "true",
          "userinfo.token.claim": "true",
        },
      },
    ],
  });
  const [client] = await corp.clients.find({ clientId: BROKER_CLIENT });
  const secret = (await corp.clients.getClientSecret({ id: client!.id! })).value!;
  corpToolsId = (await corp.groups.create({ name: "corp-tools" })).id;
  const { password, ...profile } = PERSON;
  carolId = (
    await corp.users.create({
      ...profile,
      enabled: true,
      emailVerified: true,
      credentials: [{ type: "password", value: password, temporary: false }],
    })
  ).id;
  await corp.users.addToGroup({ id: carolId, groupId: corpToolsId });
  return secret;
}

before(async () => {
  const kc = keycloakUrl();
  const uri = databaseUri();
  mongo = await new MongoClient(uri).connect();
  brokerSecret = await makeCorporateRealm(kc);
  repo = writeRepo(FILES(kc));
  assert.deepEqual(checkRepository(repo, { bootstrap: true }).errors, []);
  const secrets = {
    "mcp-gateway-access:identityProviderSecrets": { value: JSON.stringify({ [ALIAS]: brokerSecret }), secret: true },
  };
  e2e = await engineStack(
    `e2e-brk-${process.pid}`,
    programStackConfig(REALM, { repo, database: DB, mongodbUri: uri, bootstrap: true, extra: secrets }),
  );
  await e2e.stack.up({ onOutput: () => undefined });
  const reg = await keycloakAdmin(REALM);
  webSecret = await clientSecret(reg, "mcp-gateway-web");
  auth = startAuthServer({
    port: PORT,
    keycloakUrl: kc,
    realm: REALM,
    webClientSecret: webSecret,
    m2mClientSecret: await clientSecret(reg, "mcp-gateway-m2m"),
    mongodbUri: uri,
    database: DB,
  });
});

after(async () => {
  auth?.stop();
  const admin = await keycloakAdmin("master").catch(() => undefined);
  await admin?.realms.del({ realm: REALM }).catch(() => undefined);
  await admin?.realms.del({ realm: CORP }).catch(() => undefined);
  await e2e?.cleanup();
  await mongo
    ?.db(DB)
    .dropDatabase()
    .catch(() => undefined);
  await mongo?.close();
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe("a person from a corporate IdP brokered through Keycloak", () => {
  it("the provider and its mapper are in the registry's realm as declared, the secret only in Keycloak", async () => {
    const reg = await keycloakAdmin(REALM);
    const idp = await reg.identityProviders.findOne({ alias: ALIAS });
    assert.ok(idp, "the identity provider exists");
    assert.equal(idp.providerId, "oidc");
    assert.equal(idp.config?.syncMode, "FORCE");
    assert.equal(idp.config?.clientAuthMethod, "client_secret_post");
    assert.equal(idp.trustEmail, true);
    const mappers = await reg.identityProviders.findMappers({ alias: ALIAS });
    assert.deepEqual(
      mappers.map((m) => [m.identityProviderMapper, m.config?.claims, m.config?.group, m.config?.syncMode]),
      [["oidc-advanced-group-idp-mapper", '[{"key":"groups","value":"corp-tools"}]', "/brk-tools", "FORCE"]],
    );
    // The client secret is a secret in the stack: not in plain text in the exported state.
    const state = await e2e.stack.exportStack();
    const brokerSecret = (
      await corp.clients.getClientSecret({ id: (await corp.clients.find({ clientId: BROKER_CLIENT }))[0]!.id! })
    ).value!;
    assert.ok(JSON.stringify(state).includes(brokerSecret), "the state holds the secret (decrypted by the export)");
    assert.deepEqual(
      plainPathsHolding(state, brokerSecret),
      [],
      "the broker's client secret is in the state in plain text",
    );
  });

  it("import reads the provider and its mapper back into a file that declares the same", async () => {
    const kc = keycloakUrl();
    const settings = { url: kc, basePath: "", realm: "master", clientId: "admin-cli", ...KC_ADMIN };
    const identity = await readKeycloakRealm(settings, REALM);
    const r = convertSnapshot({
      idp: "keycloak",
      source: REALM,
      namespace: "default",
      scopes: [],
      m2mRecords: [],
      ...identity,
    });
    const file = r.files.find((f) => f.path === `identity-providers/${ALIAS}.yaml`);
    assert.ok(file, `files: ${r.files.map((f) => f.path).join(", ")}`);
    const again = checkRepository(writeRepo({ ...FILES(kc), [file.path]: file.text }), { bootstrap: true });
    assert.deepEqual(again.errors, []);
    const declared = checkRepository(repo, { bootstrap: true }).model.identityProviders;
    const imported = again.model.identityProviders;
    // The same provider and mappers (names included), but for the file they came from.
    const view = (ps: typeof declared) => ps?.map(({ file: _file, ...p }) => p);
    assert.deepEqual(view(imported), view(declared));
    assert.ok(r.findings.some((f) => f.action.includes(`identityProviderSecrets.${ALIAS}`)));
  });

  it("logs in through the broker; the token carries the mapped group; the auth server allows, as explain", async () => {
    const tokens = await brokeredLogin(keycloakUrl());
    const claims = claimsOf(tokens.access_token);
    assert.deepEqual(claims.groups, ["brk-tools"]);
    assert.equal(claims.preferred_username, PERSON.username);
    assert.equal(await explainAllowed({ groups: ["corp-tools"] }), true);
    const init = await ask(tokens.access_token, INIT);
    assert.equal(init.status, 200, init.detail);
    assert.deepEqual(init.scopes, ["brk-tools"]);
    const call = await ask(tokens.access_token, CALL);
    assert.equal(call.status, 200, call.detail);
    // A server the group does not reach: refused.
    const other = await auth.validate({ token: tokens.access_token, path: "/fininfo/mcp", body: INIT });
    assert.equal(other.status, 403, other.detail);
  });

  it("leaving the corporate group: the next login removes the group (FORCE), the auth server denies", async () => {
    await corp.users.delFromGroup({ id: carolId, groupId: corpToolsId });
    const tokens = await brokeredLogin(keycloakUrl());
    const claims = claimsOf(tokens.access_token);
    assert.ok(
      !((claims.groups as string[] | undefined) ?? []).includes("brk-tools"),
      `groups: ${JSON.stringify(claims.groups)}`,
    );
    assert.equal(await explainAllowed({ groups: [] }), false);
    const init = await ask(tokens.access_token, INIT);
    assert.equal(init.status, 403, init.detail);
    // The brokered user in the registry's realm holds no group any more.
    const reg = await keycloakAdmin(REALM);
    const [shadow] = await reg.users.find({ username: PERSON.username, exact: true });
    assert.ok(shadow?.id);
    assert.deepEqual(await reg.users.listGroups({ id: shadow.id }), []);
    const links = await reg.users.listFederatedIdentities({ id: shadow.id });
    assert.deepEqual(
      links.map((l) => l.identityProvider),
      [ALIAS],
    );
  });

  it("the brokered person has no password in the registry's realm: no token without the corporate IdP", async () => {
    const res = await requestToken(`${keycloakUrl()}/realms/${REALM}/protocol/openid-connect/token`, {
      grant_type: "password",
      client_id: "mcp-gateway-web",
      client_secret: webSecret,
      username: PERSON.username,
      password: PERSON.password,
    });
    // The shadow user has no password of its own in the registry's realm: only the broker signs it in.
    assert.equal(res.token, null);
  });
  it("a provider made by hand as the guide shows: import writes its file, pulumi up adopts it (no 409)", async () => {
    const kc = keycloakUrl();
    const reg = await keycloakAdmin(REALM);
    const corpUrl = `${kc}/realms/${CORP}/protocol/openid-connect`;
    // Upstream's guide, section 2B, Step 1 and Step 2, through the admin REST API.
    await reg.identityProviders.create({
      alias: "corp-hand",
      displayName: "Corp by hand",
      providerId: "oidc",
      enabled: true,
      trustEmail: true,
      storeToken: false,
      firstBrokerLoginFlowAlias: "first broker login",
      config: {
        clientId: BROKER_CLIENT,
        clientSecret: brokerSecret,
        clientAuthMethod: "client_secret_post",
        authorizationUrl: `${corpUrl}/auth`,
        tokenUrl: `${corpUrl}/token`,
        jwksUrl: `${corpUrl}/certs`,
        issuer: `${kc}/realms/${CORP}`,
        useJwksUrl: "true",
        defaultScope: "openid profile email",
        syncMode: "FORCE",
      },
    });
    await reg.identityProviders.createMapper({
      alias: "corp-hand",
      identityProviderMapper: {
        name: "corp-tools-to-brk-tools",
        identityProviderAlias: "corp-hand",
        identityProviderMapper: "oidc-advanced-group-idp-mapper",
        config: {
          claims: '[{"key":"groups","value":"corp-tools"}]',
          "are.claim.values.regex": "false",
          group: "/brk-tools",
          syncMode: "FORCE",
        },
      },
    });
    const [before] = await reg.identityProviders.findMappers({ alias: "corp-hand" });
    const settings = { url: kc, basePath: "", realm: "master", clientId: "admin-cli", ...KC_ADMIN };
    const r = convertSnapshot({
      idp: "keycloak",
      source: REALM,
      namespace: "default",
      scopes: [],
      m2mRecords: [],
      ...(await readKeycloakRealm(settings, REALM)),
    });
    const file = r.files.find((f) => f.path === "identity-providers/corp-hand.yaml");
    assert.ok(file);
    writeFileSync(join(repo, file.path), file.text);
    await e2e.stack.setConfig("mcp-gateway-access:identityProviderSecrets", {
      value: JSON.stringify({ [ALIAS]: brokerSecret, "corp-hand": brokerSecret }),
      secret: true,
    });
    const done = changes((await e2e.stack.up({ onOutput: () => undefined })).summary);
    assert.equal(done.create ?? 0, 0, `nothing created: ${JSON.stringify(done)}`);
    // Still one provider and the same mapper (its id unchanged): adopted, not made again.
    const after = await reg.identityProviders.findMappers({ alias: "corp-hand" });
    assert.deepEqual(
      after.map((m) => m.id),
      [before!.id],
    );
    const state = JSON.stringify(await e2e.stack.exportStack());
    assert.ok(state.includes("keycloak-idp-corp-hand-mapper-corp-tools-to-brk-tools"), "the mapper is in the state");
  });
});
