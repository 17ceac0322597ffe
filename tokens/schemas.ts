/**
 * The two token boundaries besides the stack outputs (lib/settings/stack-outputs.ts): what an identity provider's token
 * endpoint answers, and the registry's token files, which this package writes and reads back (cache) and the
 * registry's own tools read.
 */
import { z } from "zod";
import { IDENTITY_PROVIDERS } from "../lib/render/documents";

/** RFC 6749 §5.1, with the fields the registry's generators copy into the token file. */
export const TokenResponse = z.object({
  access_token: z.string(),
  token_type: z.string().optional(),
  expires_in: z.preprocess(
    (v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v),
    z.number().int().positive(),
  ),
  refresh_token: z.string().optional(),
  refresh_expires_in: z.number().optional(),
  scope: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** `.oauth-tokens/agent-<name>-token.json` as credentials-provider writes it (Keycloak and Entra variants). */
export const TokenFile = z.looseObject({
  agent_name: z.string().optional(),
  identity_name: z.string().optional(),
  access_token: z.string(),
  token_type: z.string(),
  expires_in: z.number(),
  generated_at: z.string(),
  expires_at: z.string(),
  provider: z.enum(IDENTITY_PROVIDERS),
  client_id: z.string(),
  scope: z.string(),
});
export type TokenFile = z.infer<typeof TokenFile>;

/**
 * What `token --verify <file>` reads a token from: a registry token file, or the registry's other token JSON
 * shapes that hold it under `tokens` or `token_data`. Parses to the token itself.
 */
const AccessToken = z.looseObject({ access_token: z.string().min(1) });
export const TokenHolder = z.union([
  AccessToken.transform((h) => h.access_token),
  z.looseObject({ tokens: AccessToken }).transform((h) => h.tokens.access_token),
  z.looseObject({ token_data: AccessToken }).transform((h) => h.token_data.access_token),
]);
