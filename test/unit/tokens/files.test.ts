/** Token files byte-compatible with the registry's credentials provider (test/fixtures/tokens/README.md). */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pythonUtcIso, tokenFile, writeTokenFiles } from "../../../tokens/files";
import { requestedScope } from "../../../tokens/grant";
import type { M2MCredentials } from "../../../tokens/outputs";
import { REPO_ROOT } from "../../support/paths";

process.env.TZ = "UTC";
const fixture = (f: string) => readFileSync(join(REPO_ROOT, "test", "fixtures", "tokens", f), "utf8");
const NOW = new Date(Date.UTC(2026, 5, 25, 10, 11, 12, 345));
const keycloak: M2MCredentials = {
  clientId: "bot",
  clientSecret: "s3cret",
  tokenUrl: "http://keycloak:8080/realms/mcp-gateway/protocol/openid-connect/token",
  authProvider: "keycloak",
  realm: "mcp-gateway",
  keycloakUrl: "http://keycloak:8080",
};

describe("token files as the credentials provider writes them", () => {
  it("Keycloak: agent-<name>-token.json and agent-<name>.env, byte for byte", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-access-tokens-"));
    const f = tokenFile(
      "bot",
      keycloak,
      { access_token: "eyJ.token", expires_in: 300, refresh_token: "r", refresh_expires_in: 1800 },
      requestedScope(keycloak),
      NOW,
    );
    const paths = await writeTokenFiles(dir, "bot", keycloak, f, NOW);
    assert.equal(readFileSync(paths.json, "utf8"), fixture("agent-bot-token.json"));
    assert.equal(readFileSync(paths.env!, "utf8"), fixture("agent-bot.env.expected"));
    assert.deepEqual(
      readdirSync(dir).sort(),
      [".gitignore", "agent-bot-token.json", "agent-bot.env"],
      "an existing folder without a .gitignore gets one, and the token files",
    );
  });

  it("Entra: <identity_name>.json only, the identity's own api://<client_id>/.default by default", async () => {
    const entra: M2MCredentials = {
      clientId: "app-1",
      clientSecret: "x",
      tokenUrl: "https://login.microsoftonline.com/t/oauth2/v2.0/token",
      authProvider: "entra",
      tenantId: "t",
    };
    assert.equal(requestedScope(entra), "api://app-1/.default");
    assert.equal(requestedScope({ ...entra, scope: "api://gateway/.default" }), "api://gateway/.default");
    const dir = mkdtempSync(join(tmpdir(), "mcp-access-tokens-"));
    const paths = await writeTokenFiles(
      dir,
      "billing",
      entra,
      tokenFile("billing", entra, { access_token: "t", expires_in: 3599 }, requestedScope(entra), NOW),
      NOW,
    );
    assert.deepEqual(paths, { json: join(dir, "billing.json") });
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(paths.json, "utf8"))), [
      "identity_name",
      "access_token",
      "token_type",
      "expires_in",
      "generated_at",
      "expires_at",
      "provider",
      "tenant_id",
      "client_id",
      "scope",
    ]);
  });

  it("timestamps in Python's isoformat: microseconds, omitted when zero, +00:00", () => {
    assert.equal(pythonUtcIso(NOW), "2026-06-25T10:11:12.345000+00:00");
    assert.equal(pythonUtcIso(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), "2026-01-02T03:04:05+00:00");
  });
});
