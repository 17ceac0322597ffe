/** `identity-providers/` files checked against their schema: one brokered provider per file, no secret in git. */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import { knownFieldsOf } from "../schema";
import { checkCharacters } from "../schema/field-checks";
import { translateIssues } from "../schema/issues";
import { IdentityProviderDefinition } from "../schema/identity-provider";
import { diagnosticAt, type SourceFile } from "../source/file";
import type { Located } from "./definitions";

/** Keys that would put a credential in git; the client secret comes from the stack's secret config. */
const SECRET_KEY = /^(client_?secret|secret|password|credentials?|private_?key)$/i;

const SECRET_HELP =
  "set the client secret with pulumi config set --secret --path " +
  "'mcp-gateway-access:identityProviderSecrets.<alias>' <secret>";
/** Fields holding a PEM block: text with line breaks, not a name. */
const PEM_FIELDS: ReadonlySet<string> = new Set(["signing_certificate"]);

/** This machine: an endpoint here is not reached over a network anyone else sits on. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Every `*_url` of `oidc:` / `saml:` is an endpoint Keycloak calls or sends people to (keys, tokens, userinfo,
 * SSO): over plain http whoever sits on the path can answer with keys of their own and sign tokens holding any
 * group. A warning at the field; loopback hosts stay quiet (a local test).
 */
function plainHttpWarnings(value: Record<string, unknown>, source: SourceFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const protocol of ["oidc", "saml"] as const) {
    const settings = value[protocol];
    if (!settings || typeof settings !== "object" || Array.isArray(settings)) continue;
    for (const [field, url] of Object.entries(settings)) {
      if (!field.endsWith("_url") || typeof url !== "string" || !/^http:\/\//i.test(url)) continue;
      let host: string;
      try {
        host = new URL(url).hostname;
      } catch {
        continue;
      }
      if (isLoopback(host.replace(/\.$/, ""))) continue;
      out.push(
        diagnosticAt(
          source,
          [protocol, field],
          `${field} is plain http: whoever sits on the network path can answer in the provider's name (its keys, ` +
            `its tokens) and log anyone in with any groups; use https`,
          "warning",
        ),
      );
    }
  }
  return out;
}

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
        `"${key}" must not be in a definition file (it would be committed to git): ${SECRET_HELP}`,
        "error",
        true,
      ),
    );
  }
  // Names and texts get the character checks of every kind; a PEM certificate is text (its line breaks).
  const fieldProblems = checkCharacters(value, [], source, { freeText: PEM_FIELDS, secretHelp: SECRET_HELP });
  out.push(...fieldProblems);
  out.push(...plainHttpWarnings(value as Record<string, unknown>, source));
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
  if (secrets.length || fieldProblems.length) return null;
  return { value: res.data, source: source.ref, at: [] };
}
