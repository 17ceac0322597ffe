/** The stack settings: one schema, read once, documented from itself. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  parseStackConfig,
  SETTINGS,
  settingsTable,
  StackConfig,
  StackSettingsError,
  type SettingSection,
} from "../../../../lib";
import { REPO_ROOT } from "../../../support/paths";

const cfg = (o: Record<string, unknown>) => (k: string) => o[k];
const README_BLOCK = /<!-- settings: ([a-z ]+) -->\n([\s\S]*?)\n?<!-- \/settings -->/g;

describe("stack settings", () => {
  it("the tables of docs/configuration.md are the ones the schema generates, and document every key", () => {
    const readme = readFileSync(join(REPO_ROOT, "docs", "configuration.md"), "utf8");
    const documented = new Set<string>();
    for (const [, sections, table] of readme.matchAll(README_BLOCK)) {
      const wanted = sections!.trim().split(/\s+/) as SettingSection[];
      assert.equal(table, settingsTable(wanted), `table for ${sections}: regenerate it with npm run docs:settings`);
      for (const s of wanted) documented.add(s);
    }
    const keys = Object.keys(StackConfig.shape);
    assert.deepEqual(Object.keys(SETTINGS).sort(), keys.sort());
    for (const key of keys)
      assert.ok(
        documented.has(SETTINGS[key as keyof typeof SETTINGS].section),
        `${key} is in a table of docs/configuration.md`,
      );
  });

  it("reads config strings and YAML values alike, with the defaults the registry uses", () => {
    const fromStrings = parseStackConfig(
      cfg({ bootstrap: "true", existingGroups: '["a"]', mongodbPort: "27018" }),
      "t",
      {},
    );
    const fromYaml = parseStackConfig(cfg({ bootstrap: true, existingGroups: ["a"], mongodbPort: 27018 }), "t", {});
    assert.deepEqual(fromStrings, fromYaml);
    assert.equal(fromStrings.database, "mcp_registry");
    assert.equal(fromStrings.namespace, "default");
    assert.equal(fromStrings.keycloakRealm, "mcp-gateway");
    assert.equal(fromStrings.identityProvider, "keycloak");
    assert.equal(fromStrings.onScopeConflict, "fail");
  });

  it("reads bootstrapRelease quoted or as YAML's number (1.30 is 1.3), defaults to 1.31, refuses others", () => {
    const release = (v: unknown) => parseStackConfig(cfg({ bootstrapRelease: v }), "t", {}).bootstrapRelease;
    assert.deepEqual(
      [release("1.30"), release(1.3), release("1.3"), release(1.31), release(undefined)],
      ["1.30", "1.30", "1.30", "1.31", "1.31"],
    );
    assert.throws(() => release("1.29"), /bootstrapRelease must be one of 1\.30, 1\.31, not "1\.29"/);
    assert.deepEqual(parseStackConfig(cfg({}), "t", {}).bootstrapAdminGroups, ["registry-admins"]);
  });

  it("reads the registry's feature switches (registry) from a config string or YAML, refusing unknown switches", () => {
    const fromString = parseStackConfig(cfg({ registry: '{"gatewayGenericProxy": true}' }), "t", {});
    const fromYaml = parseStackConfig(cfg({ registry: { gatewayGenericProxy: true } }), "t", {});
    assert.deepEqual(fromString.registry, { gatewayGenericProxy: true });
    assert.deepEqual(fromYaml.registry, fromString.registry);
    assert.equal(
      parseStackConfig(cfg({}), "t", {}).registry,
      undefined,
      "unset: mcp-access.yaml, else upstream's defaults",
    );
    assert.throws(
      () => parseStackConfig(cfg({ registry: { genericProxy: true } }), "stack config", {}),
      (e: Error) =>
        e instanceof StackSettingsError &&
        /mcp-gateway-access:registry/.test(e.message) &&
        /genericProxy/.test(e.message),
    );
  });

  it("names the key, the value and what is allowed when a setting is bad", () => {
    assert.throws(
      () => parseStackConfig(cfg({ identityProvider: "okta" }), "stack config", {}),
      (e: Error) =>
        e instanceof StackSettingsError &&
        e.message === 'stack config: mcp-gateway-access:identityProvider must be one of keycloak, entra, not "okta"',
    );
    assert.throws(
      () => parseStackConfig(cfg({ onScopeConflictByGroup: '{"g": "clobber"}' }), "t", {}),
      /onScopeConflictByGroup\.g must be one of fail, merge, overwrite/,
    );
    assert.throws(
      () => parseStackConfig(cfg({ entraSecretEndDate: "soon" }), "t", {}),
      /entraSecretEndDate must be an RFC 3339 date/,
    );
  });

  it("holds the rules between settings in the same schema: what managing Entra ID or a database user needs", () => {
    const entra = { identityProvider: "entra" };
    assert.throws(
      () => parseStackConfig(cfg(entra), "stack config", {}),
      (e: Error) =>
        e instanceof StackSettingsError &&
        e.code === "ERR_STACK_SETTINGS" &&
        /mcp-gateway-access:entraSecretEndDate is required to manage Entra ID/.test(e.message) &&
        /mcp-gateway-access:entraGatewayClientId is required to manage Entra ID/.test(e.message),
    );
    const managed = { ...entra, entraSecretEndDate: "2027-06-30T00:00:00Z", entraManageGatewayApplication: "true" };
    assert.equal(parseStackConfig(cfg(managed), "t", {}).entraManageGatewayApplication, true);
    const elsewhere = { ...entra, manageIdentityProvider: "false" };
    assert.equal(
      parseStackConfig(cfg(elsewhere), "t", {}).manageIdentityProvider,
      false,
      "the IdP is managed elsewhere",
    );
    assert.throws(
      () => parseStackConfig(cfg({ mongodbUsername: "u" }), "t", {}),
      /mongodbPassword is not set but mongodbUsername is/,
    );
    assert.ok(
      parseStackConfig(cfg({ mongodbUsername: "u", mongodbUri: "mongodb://h/" }), "t", {}),
      "a full URI carries its own credentials",
    );
  });

  it("never shows a secret's value in a message", () => {
    assert.throws(
      () => parseStackConfig(cfg({ initialPasswords: "hunter2" }), "t", {}),
      (e: Error) => /initialPasswords/.test(e.message) && !/hunter2/.test(e.message),
    );
  });

  it("uses the environment variable only when the stack does not set the key, and says so in messages", () => {
    assert.equal(parseStackConfig(() => undefined, "t", { DOCUMENTDB_DATABASE: "b" }).database, "b");
    assert.equal(parseStackConfig(cfg({ database: "a" }), "t", { DOCUMENTDB_DATABASE: "b" }).database, "a");
    assert.throws(
      () => parseStackConfig(() => undefined, "t", { DOCUMENTDB_PORT: "x" }),
      /mongodbPort \(from DOCUMENTDB_PORT\) must be a TCP port number/,
    );
  });
});
