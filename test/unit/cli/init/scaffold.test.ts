/**
 * cli/init/scaffold.ts: the files of a new definitions repository, as data. Generated from the tables (kinds,
 * settings, guards, switches), so a new kind or setting appears in them by itself.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import {
  CONFIG_NAMESPACE,
  DEFINITION_KINDS,
  GuardSettings,
  IDENTITY_PROVIDERS,
  RegistrySettings,
  SCHEMA_NAMES,
  SETTINGS,
} from "../../../../lib";
import { projectName, scaffoldFiles, type ScaffoldOptions } from "../../../../cli/init/scaffold";
import { packageVersion } from "../../../../cli/version";
import { REPO_ROOT } from "../../../support/paths";

const OPTIONS: ScaffoldOptions = {
  project: "team-access",
  idp: "keycloak",
  stack: "prod",
  examples: false,
  version: "1.2.3",
};
const files = (more: Partial<ScaffoldOptions> = {}) =>
  new Map(scaffoldFiles({ ...OPTIONS, ...more }).map((f) => [f.path, f.text]));

describe("init's files", () => {
  it("the project's name comes from its folder, lower case, other characters made -", () => {
    assert.equal(projectName("/x/Team Access (EU)"), "team-access--eu-");
    assert.equal(projectName("/x/acme.access_v2"), "acme.access_v2");
    assert.equal(projectName("/x/.hidden"), "hidden");
  });

  it("package.json depends on this exact version, with the scripts and engines", () => {
    const pkg = JSON.parse(files().get("package.json")!) as Record<string, unknown>;
    assert.equal(pkg.name, "team-access");
    assert.equal(pkg.private, true);
    assert.deepEqual(pkg.dependencies, { "mcp-gateway-access": "1.2.3" });
    assert.deepEqual(pkg.engines, { node: ">=22" });
    assert.deepEqual(pkg.scripts, {
      validate: "mcp-access validate",
      local: "mcp-access local",
      pulumi: "mcp-access local pulumi",
      token: "mcp-access local token",
    });
    const ours = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal(packageVersion(), ours.version);
  });

  it("index.ts is the Pulumi entry of the package, and Pulumi.yaml runs it", () => {
    assert.equal(
      files().get("index.ts"),
      "// The Pulumi program: the definitions of this repository, applied by mcp-gateway-access.\n" +
        'import { accessStack } from "mcp-gateway-access/pulumi";\nexport = accessStack();\n',
    );
    for (const idp of IDENTITY_PROVIDERS) {
      const pulumi = parse(files({ idp }).get("Pulumi.yaml")!) as Record<string, unknown>;
      assert.equal(pulumi.name, "team-access");
      assert.deepEqual(pulumi.runtime, { name: "nodejs", options: { typescript: true } });
      assert.equal(pulumi.main, "index.ts");
      assert.equal(pulumi.stackConfigDir, "stacks");
      assert.deepEqual(pulumi.options, { refresh: "always" });
      assert.deepEqual(pulumi.config, idp === "keycloak" ? { "keycloak:clientTimeout": { value: 60 } } : undefined);
    }
    const ts = JSON.parse(files().get("tsconfig.json")!) as { compilerOptions: Record<string, unknown> };
    assert.deepEqual(ts.compilerOptions, { strict: true, module: "commonjs", target: "es2020", skipLibCheck: true });
    assert.match(files().get(".npmrc")!, /^engine-strict=true$/m);
    assert.deepEqual(files().get(".gitignore")!.trim().split("\n"), [
      "node_modules/",
      ".local/",
      ".oauth-tokens/",
      "*.env",
      "Pulumi.*.state*",
      "dist/",
    ]);
  });

  it("the stack file sets the identity provider and lists every other setting of the table", () => {
    for (const idp of IDENTITY_PROVIDERS) {
      const text = files({ idp, stack: "team-a" }).get("stacks/Pulumi.team-a.yaml")!;
      const config = (parse(text) as { config: Record<string, unknown> }).config;
      assert.deepEqual(config, { [`${CONFIG_NAMESPACE}:identityProvider`]: idp });
      for (const [key, s] of Object.entries(SETTINGS)) {
        if (key === "identityProvider") continue;
        const line = text.split("\n").find((l) => l.includes(`${CONFIG_NAMESPACE}:${key}`));
        assert.ok(line, `${key} is listed`);
        assert.ok(line.startsWith("  # "), `${key} is commented out`);
        if (s.secret) assert.match(line, /pulumi config set --secret/, key);
        if (s.env) assert.ok(line.includes(`(env ${s.env})`), key);
      }
      assert.equal(text.includes("azuread:tenantId"), idp === "entra");
    }
  });

  it("a Keycloak repository gets the local stack too, an Entra one and the local stack itself do not", () => {
    const local = parse(files().get("stacks/Pulumi.local.yaml")!) as { config: Record<string, unknown> };
    assert.deepEqual(local.config, {
      "mcp-gateway-access:bootstrap": "true",
      "mcp-gateway-access:identityProvider": "keycloak",
    });
    assert.ok(!files({ idp: "entra" }).has("stacks/Pulumi.local.yaml"));
    const only = [...files({ stack: "local" }).keys()].filter((p) => p.startsWith("stacks/"));
    assert.deepEqual(only, ["stacks/Pulumi.local.yaml"]);
    assert.match(
      files({ stack: "local" }).get("stacks/Pulumi.local.yaml")!,
      /^ {2}mcp-gateway-access:bootstrap: "true"$/m,
    );
  });

  it("every kind of the table gets its folder: a .gitkeep, or with --examples one file with its schema header", () => {
    for (const idp of IDENTITY_PROVIDERS) {
      const plain = [...files({ idp }).keys()];
      const examples = files({ idp, examples: true });
      for (const k of DEFINITION_KINDS) {
        assert.ok(plain.includes(`${k.name}/.gitkeep`), k.name);
        const mine = [...examples.entries()].filter(([p]) => p.startsWith(`${k.name}/`));
        assert.equal(mine.length, 1, k.name);
        const [path, text] = mine[0]!;
        if (path.endsWith(".gitkeep")) {
          assert.equal(`${k.name}/${idp}`, "identity-providers/entra", "only Entra ID takes no example");
          continue;
        }
        assert.ok(SCHEMA_NAMES.includes(k.name));
        const schema = `../node_modules/mcp-gateway-access/schemas/${k.name}.schema.json`;
        const header = `# yaml-language-server: $schema=${schema}\n`;
        assert.ok(text.startsWith(header), path);
        assert.ok(readFileSync(join(REPO_ROOT, "schemas", `${k.name}.schema.json`)), "the schema exists");
      }
    }
  });

  it("mcp-access.yaml holds every guard and every registry switch", () => {
    const text = files().get("mcp-access.yaml")!;
    for (const key of [...Object.keys(GuardSettings.shape), ...Object.keys(RegistrySettings.shape)])
      assert.match(text, new RegExp(`^ {2}(# )?${key}: `, "m"), key);
    assert.deepEqual(parse(text), {
      guards: { requireOwners: false },
      registry: { gatewayGenericProxy: false, a2aReverseProxy: false, gatewayProxyPrefix: "gateway" },
    });
  });

  it("the workflow applies the stack asked for; no line is over 120 columns but the workflow's and stacks'", () => {
    assert.match(files({ stack: "team-a" }).get(".github/workflows/access.yml")!, /^ {2}STACK: team-a$/m);
    for (const [path, text] of files({ examples: true })) {
      if (path.endsWith(".yml") || path.startsWith("stacks/")) continue;
      for (const line of text.split("\n")) assert.ok(line.length <= 120, `${path}: ${line}`);
    }
  });
});
