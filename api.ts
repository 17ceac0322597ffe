/**
 * The package's library entry (`require("mcp-gateway-access")`): the pure core and the token helper for agents.
 * The Pulumi program itself is index.ts.
 */
export * from "./lib";
export { getToken, getTokens, readStackOutputs, trustedIssuers, verifyAnyToken, TokenError, type AccountResult, type AccountToken, type TokenOptions } from "./tokens";
