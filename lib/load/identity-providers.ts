/** `identity-providers/` files checked against their schema: one brokered provider per file, no secret in git. */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import { knownFieldsOf } from "../schema";
import { translateIssues } from "../schema/issues";
import { IdentityProviderDefinition } from "../schema/identity-provider";
import { diagnosticAt, type SourceFile } from "../source/file";
import type { Located } from "./definitions";

/** Keys that would put a credential in git; the client secret comes from the stack's secret config. */
const SECRET_KEY = /^(client_?secret|secret|password|credentials?|private_?key)$/i;

function secretPaths(value: unknown, path: (string | number)[], out: FieldPath[]): void {
  if (Array.isArray(value)) value.forEach((v, i) => secretPaths(v, [...path, i], out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k)) out.push([...path, k]);
      else secretPaths(v, [...path, k], out);
    }
  }
}

/** One provider per file: the alias is what the upstream redirect URI names, so one file per registration. */
export function checkIdentityProviderFile(
  source: SourceFile,
  out: Diagnostic[],
): Located<IdentityProviderDefinition> | null {
  const value = source.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    out.push(
      diagnosticAt(
        source,
        [],
        "expected one identity provider (a mapping with alias, oidc: or saml:, mappers) at the top of the file",
      ),
    );
    return null;
  }
  const secrets: FieldPath[] = [];
  secretPaths(value, [], secrets);
  for (const p of secrets) {
    const key = String(p[p.length - 1]);
    out.push(
      diagnosticAt(
        source,
        p,
        `"${key}" must not be in a definition file (it would be committed to git): set the client secret with ` +
          "pulumi config set --secret --path 'mcp-gateway-access:identityProviderSecrets.<alias>' <secret>",
        "error",
        true,
      ),
    );
  }
  const skipKeys = new Set(secrets.map((p) => p.join("\u0000")));
  const res = IdentityProviderDefinition.safeParse(value);
  if (!res.success) {
    out.push(
      ...translateIssues(res.error.issues, {
        source,
        prefix: [],
        knownFields: knownFieldsOf(IdentityProviderDefinition),
        skipKeys,
      }),
    );
    return null;
  }
  if (secrets.length) return null;
  return { value: res.data, source: source.ref, at: [] };
}
