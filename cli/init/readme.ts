/** The words `init` leaves behind: the new repository's README, and the next steps it prints. */
import { DEFINITION_KINDS, type IdentityProvider } from "../../lib";
import { LOCAL_STACK } from "./stack";

const IDP_NAMES: Readonly<Record<IdentityProvider, string>> = { keycloak: "Keycloak", entra: "Entra ID" };

export function readme(project: string, stack: string, idp: IdentityProvider): string {
  const width = Math.max(...DEFINITION_KINDS.map((k) => k.name.length)) + 4;
  const row = (name: string, what: string) => `${name.padEnd(width)} ${what}`;
  const folders = DEFINITION_KINDS.map((k) => row(`${k.name}/`, k.summary));
  return [
    `# ${project}`,
    "",
    "Who may use which MCP servers and agents of our MCP Gateway Registry, declared as YAML and applied by",
    `[mcp-gateway-access](https://www.npmjs.com/package/mcp-gateway-access) to ${IDP_NAMES[idp]}`,
    "and the registry's database. Every change is a pull request.",
    "",
    "```",
    ...folders,
    row("stacks/", "the stacks' settings (Pulumi.<stack>.yaml)"),
    row("mcp-access.yaml", "the repository's guards and the registry's feature switches"),
    "```",
    "",
    "## Commands",
    "",
    "```",
    "npm install                       # Node 22 or later",
    "npx mcp-access validate           # every definition checked, the access tests run (also: npm run validate)",
    ...(idp === "keycloak"
      ? [
          `npm run local                     # a Keycloak and a database on this machine, the definitions applied`,
          "npm run token -- agent-example    # a token for an M2M account of the local stack",
        ]
      : []),
    "npx mcp-access explain --help     # who may do what, and why",
    "```",
    "",
    "## Changing access",
    "",
    "1. Branch, edit the files, run `npx mcp-access validate`.",
    "2. Open a pull request: the workflow (`.github/workflows/access.yml`) validates it, and comments the access",
    "   diff (who gains and loses what), the latest drift result and the `pulumi preview`.",
    `3. Merge: the workflow applies it to the stack \`${stack}\` (\`pulumi up\`). Every hour it reverts changes`,
    "   made by hand.",
    "",
    ...(idp === "keycloak"
      ? [
          `The stack \`${stack}\` reads \`stacks/Pulumi.${stack}.yaml\`; \`npm run local\` applies the`,
          `\`${LOCAL_STACK}\` stack.`,
        ]
      : [
          `The stack \`${stack}\` reads \`stacks/Pulumi.${stack}.yaml\`. Entra ID runs on no machine, so there is no`,
          "local stack: `validate`, `explain`, `who` and `diff` work offline.",
        ]),
    "",
  ].join("\n");
}

/** What to do once the files are there. */
export function nextSteps(dir: string, stack: string, idp: IdentityProvider): string[] {
  const entra =
    idp === "entra"
      ? [
          `  set the Entra ID settings in stacks/Pulumi.${stack}.yaml ` +
            "(entraSecretEndDate, entraGatewayClientId, azuread)",
        ]
      : [];
  return [
    "next steps:",
    ...(dir === "." ? [] : [`  cd ${/^[\w./-]+$/.test(dir) ? dir : `'${dir.replace(/'/g, "'\\''")}'`}`]),
    "  npm install",
    "  npx mcp-access validate",
    ...entra,
    ...(idp === "keycloak"
      ? ["  npm run local              (a Keycloak and a database on this machine, the definitions applied)"]
      : []),
    "  git init, commit and push; then change access by pull request (.github/workflows/access.yml)",
  ];
}
