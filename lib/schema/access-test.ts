/**
 * Access tests (`access-tests/*`): expectations about who may do what, written beside the definitions and
 * checked on every change. A file is a list of `{identity, allow, deny}`.
 */
import { z } from "zod";
import { AGENT_ACTIONS } from "../registry/rules";
import { rateLimitTestFields } from "./rate-limits";

const nonEmpty = z.string().min(1);

export const M2MIdentity = z.strictObject({ m2m: nonEmpty.describe("an M2M account from m2m/") });
export const UserIdentity = z.strictObject({
  user: nonEmpty.describe("a user from users/ (a disabled user gets nothing)"),
});
export const GroupsIdentity = z.strictObject({
  groups: z.array(nonEmpty).min(1).describe("IdP groups, as a token carries them"),
});
/**
 * Keycloak reads claims with Jackson, whose StreamReadConstraints refuse a document nested deeper than 1000 levels:
 * such a token never reaches a mapper. Counted without recursion; the message says what is wrong, or null.
 */
export const MAX_CLAIMS_DEPTH = 1000;

export function claimsDepthProblem(claims: unknown): string | null {
  const stack: Array<[unknown, number]> = [[claims, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > MAX_CLAIMS_DEPTH) {
      return (
        `the claims are nested deeper than ${MAX_CLAIMS_DEPTH} levels: Keycloak's JSON parser refuses such a ` +
        "token, so no mapper ever sees it"
      );
    }
    for (const x of Object.values(v as object)) stack.push([x, depth + 1]);
  }
  return null;
}

/** A person brokered through a provider of identity-providers/ (lib/model/brokered-claims.ts). */
export const BrokeredIdentity = z.strictObject({
  idp: nonEmpty.describe("the alias of a provider of identity-providers/"),
  claims: z
    .record(z.string(), z.unknown())
    .superRefine((v, ctx) => {
      const why = claimsDepthProblem(v);
      if (why) ctx.addIssue({ code: "custom", message: why });
    })
    .describe("the claims (SAML: attributes, name -> values) the provider sends, e.g. {groups: [5510a1b0-...]}"),
});
export const TestIdentity = z.union([M2MIdentity, UserIdentity, GroupsIdentity, BrokeredIdentity]);

const method = nonEmpty.describe("JSON-RPC method, e.g. tools/list or tools/call");
/** The registry's feature switches a request's expectation holds only with (lib/registry/switches.ts). */
export const REQUIRABLE_SWITCHES = ["gatewayGenericProxy", "a2aReverseProxy"] as const;
const requires = z
  .array(z.enum(REQUIRABLE_SWITCHES))
  .min(1)
  .optional()
  .describe("feature switches of the registry this expectation holds only with; it fails, saying so, when one is off");
const tool = nonEmpty.describe("tool name, with tools/call only; `*` for every tool the definitions name");

/** A JSON-RPC request to a server named as in the definitions. */
export const McpRequest = z.strictObject({
  server: nonEmpty.describe("MCP server as the definitions name it; `*` for every server they name"),
  method,
  tool: tool.optional(),
  requires,
});
/** A JSON-RPC request to a gateway URL path, e.g. `/fininfo/mcp`. */
export const UrlRequest = z.strictObject({
  url: nonEmpty.describe("gateway path, e.g. /fininfo/mcp"),
  method,
  tool: tool.optional(),
  requires,
});
/** An A2A agent action. */
export const AgentRequest = z.strictObject({
  agent: nonEmpty.describe("agent path, e.g. /travel; `*` for every agent the definitions name"),
  action: z.enum(AGENT_ACTIONS),
  requires,
});
/** A plain HTTP request through the generic proxy. */
export const HttpRequest = z.strictObject({
  server: nonEmpty.describe("server path, e.g. skill/skills/pdf; `*` for every server the definitions name"),
  http: nonEmpty.describe(
    "HTTP verb, e.g. GET or DELETE (any case); with the generic gateway proxy off (upstream's default) the " +
      "request is a body-less request to /<server>, decided as initialize",
  ),
  requires,
});
export const AccessRequest = z.union([McpRequest, UrlRequest, AgentRequest, HttpRequest]);

export const AccessTest = z
  .strictObject({
    identity: TestIdentity.describe(
      "exactly one of {m2m: NAME}, {user: NAME}, {groups: [...]}, {idp: ALIAS, claims: {...}}",
    ),
    allow: z.array(AccessRequest).min(1).optional().describe("requests the identity must be allowed"),
    deny: z.array(AccessRequest).min(1).optional().describe("requests the identity must be denied"),
    ...rateLimitTestFields,
  })
  .describe("What one identity may and may not do");

export const AccessTestFile = z
  .array(AccessTest)
  .min(1)
  .describe("mcp-gateway-access access tests: a list of {identity, allow, deny}");

export type TestIdentity = z.infer<typeof TestIdentity>;
export type McpRequest = z.infer<typeof McpRequest>;
export type UrlRequest = z.infer<typeof UrlRequest>;
export type AgentRequest = z.infer<typeof AgentRequest>;
export type HttpRequest = z.infer<typeof HttpRequest>;
export type AccessRequest = z.infer<typeof AccessRequest>;
export type AccessTest = z.infer<typeof AccessTest>;

/** An entry before its identity and requests are checked, so each is checked against the shape meant. */
export const AccessTestShell = z.strictObject({
  identity: z.unknown(),
  allow: z.array(z.unknown()).min(1).optional(),
  deny: z.array(z.unknown()).min(1).optional(),
  ...rateLimitTestFields,
});

const IDENTITY_KEYS = ["m2m", "user", "groups", "idp"] as const;

/** The identity keys a value holds, in the order of IDENTITY_KEYS. */
export function identityKeys(value: unknown): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return IDENTITY_KEYS.filter((k) => k in value);
}

export function identityBranch(key: string): z.ZodType {
  if (key === "idp") return BrokeredIdentity;
  return key === "m2m" ? M2MIdentity : key === "user" ? UserIdentity : GroupsIdentity;
}

/** Chooses the request shape by its keys, so errors speak about the shape the user meant. */
export function requestBranch(value: unknown): z.ZodType | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  if ("url" in value) return UrlRequest;
  if ("agent" in value) return AgentRequest;
  if ("http" in value) return HttpRequest;
  if ("server" in value) return McpRequest;
  return null;
}
