/**
 * Token files cannot be redirected (issue 23, item 4): exclusive-create temporaries in the target folder, no
 * symbolic link followed (folder or file), only files the command made are replaced, the folder gets its own
 * .gitignore, and a repository root as --out is refused.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cachedToken, tokenFile, writeTokenFiles } from "../../../tokens/files";
import { requestedScope } from "../../../tokens/grant";
import type { M2MCredentials } from "../../../tokens/outputs";
import { TokenError } from "../../../tokens";

const keycloak: M2MCredentials = {
  clientId: "bot",
  clientSecret: "s3cret-value",
  tokenUrl: "http://kc:8080/realms/r/protocol/openid-connect/token",
  authProvider: "keycloak",
  realm: "r",
  keycloakUrl: "http://kc:8080",
};
const entra: M2MCredentials = {
  clientId: "app",
  clientSecret: "x",
  tokenUrl: "https://login.microsoftonline.com/t/oauth2/v2.0/token",
  authProvider: "entra",
  tenantId: "t",
};
const file = (c: M2MCredentials, name = "bot") =>
  tokenFile(name, c, { access_token: "eyJ.token", expires_in: 3600 }, requestedScope(c), new Date());
const fresh = () => mkdtempSync(join(tmpdir(), "mcp-access-hostile-tokens-"));

describe("token files cannot be redirected", () => {
  it("refuses a token folder that is a symbolic link, and writes nothing through it", async () => {
    const root = fresh();
    const elsewhere = join(root, "elsewhere");
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(root, ".oauth-tokens"));
    await assert.rejects(
      writeTokenFiles(join(root, ".oauth-tokens"), "bot", keycloak, file(keycloak)),
      (e: Error) =>
        e instanceof TokenError && /is a symbolic link; token files are never written through one/.test(e.message),
    );
    assert.deepEqual(readdirSync(elsewhere), []);
    assert.equal(await cachedToken(join(root, ".oauth-tokens"), "bot", keycloak, 0), null, "nor read through one");
  });

  it(
    "never writes the secret through a planted symbolic link (dangling or not), and leaves the " + "link alone",
    async () => {
      for (const dangling of [true, false]) {
        const dir = fresh();
        const target = join(fresh(), "stolen.env");
        if (!dangling) writeFileSync(target, "# Generated access token for x\n# Generated at: y\n");
        symlinkSync(target, join(dir, "agent-bot.env"));
        await assert.rejects(
          writeTokenFiles(dir, "bot", keycloak, file(keycloak)),
          /agent-bot\.env exists and is a symbolic link/,
        );
        assert.ok(lstatSync(join(dir, "agent-bot.env")).isSymbolicLink());
        if (dangling) assert.ok(!existsSync(target));
        else assert.doesNotMatch(readFileSync(target, "utf8"), /s3cret/);
        assert.deepEqual(
          readdirSync(dir).filter((f) => f.endsWith(".tmp")),
          [],
          "no temporary left behind",
        );
      }
    },
  );

  it("replaces only files it made: another file of the same name is left alone", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "agent-bot-token.json"), '{"mine": true}\n');
    await assert.rejects(
      writeTokenFiles(dir, "bot", keycloak, file(keycloak)),
      /agent-bot-token\.json exists and is not a token file mcp-access token wrote: it is left alone/,
    );
    assert.equal(readFileSync(join(dir, "agent-bot-token.json"), "utf8"), '{"mine": true}\n');
    const entraDir = fresh();
    writeFileSync(join(entraDir, "app.json"), "notes\n");
    await assert.rejects(
      writeTokenFiles(entraDir, "app", entra, file(entra, "app")),
      /app\.json exists and is not a token file/,
    );
    mkdirSync(join(entraDir, "folder.json"));
    await assert.rejects(
      writeTokenFiles(entraDir, "folder", entra, file(entra, "folder")),
      /folder\.json exists and is not a regular file/,
    );
  });

  it("replaces its own files on the next run", async () => {
    const dir = fresh();
    await writeTokenFiles(dir, "bot", keycloak, file(keycloak));
    const again = { ...file(keycloak), access_token: "eyJ.second" };
    await writeTokenFiles(dir, "bot", keycloak, again);
    assert.equal(JSON.parse(readFileSync(join(dir, "agent-bot-token.json"), "utf8")).access_token, "eyJ.second");
    assert.match(readFileSync(join(dir, "agent-bot.env"), "utf8"), /ACCESS_TOKEN="eyJ\.second"/);
    assert.deepEqual(readdirSync(dir).sort(), [".gitignore", "agent-bot-token.json", "agent-bot.env"]);
  });

  it("gives the folder its own .gitignore, and keeps one that is there", async () => {
    const dir = fresh();
    await writeTokenFiles(dir, "bot", keycloak, file(keycloak));
    assert.match(readFileSync(join(dir, ".gitignore"), "utf8"), /^\*$/m);
    const own = fresh();
    writeFileSync(join(own, ".gitignore"), "keep\n");
    await writeTokenFiles(own, "bot", keycloak, file(keycloak));
    assert.equal(readFileSync(join(own, ".gitignore"), "utf8"), "keep\n");
  });

  it("refuses the root of a git repository as --out", async () => {
    const repo = fresh();
    mkdirSync(join(repo, ".git"));
    await assert.rejects(
      writeTokenFiles(repo, "bot", keycloak, file(keycloak)),
      /is the root of a git repository: .* use a folder of their own, e\.g\. .*\.oauth-tokens/,
    );
    assert.deepEqual(readdirSync(repo), [".git"]);
  });

  it("refuses account names that are not file names", async () => {
    for (const name of ["../escape", "a/b", "..", "x\u0000y", "nl\nname"]) {
      const dir = fresh();
      await assert.rejects(writeTokenFiles(dir, name, entra, file(entra, name)), /cannot be a file name/);
      assert.deepEqual(readdirSync(dir), []);
    }
  });
});
