/**
 * The registry's feature switches that change an authorisation decision, as settings of this tool: one zod schema,
 * used by the `registry:` section of `mcp-access.yaml` (the registry the repository is written for) and by the stack
 * setting `mcp-gateway-access:registry` (the registry one stack applies to), the stack's keys overriding the file's.
 * Each defaults as upstream does.
 */
import { z } from "zod";

export const RegistrySettings = z.strictObject({
  gatewayGenericProxy: z
    .boolean()
    .optional()
    .describe(
      "the registry's generic gateway proxy (GATEWAY_GENERIC_PROXY_ENABLED, PR #1628; default false, and absent at " +
        "main@8c5b834b): on, a plain HTTP request to a proxied entity is decided by its verb on the kind/path key",
    ),
  a2aReverseProxy: z
    .boolean()
    .optional()
    .describe(
      "the registry's A2A reverse proxy (A2A_REVERSE_PROXY_ENABLED, default false; effective with the gateway): on, " +
        "/agent/<path>/... is routed through the gateway and its auth server decides invoke_agent; off, agents are " +
        "reached directly and the registry's agent rules gate no invocation",
    ),
  gatewayProxyPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "one path segment: letters, digits, _ and -")
    .optional()
    .describe(
      "the first path segment of the generic proxy's client URLs (GATEWAY_PROXY_PREFIX, release 1.30.0; default " +
        "gateway): /{prefix}/{type}/{name}/ is decided by its verb on the {type}/{registered path} key",
    ),
});
export type RegistrySettings = z.infer<typeof RegistrySettings>;

/**
 * GATEWAY_PROXY_PREFIX's default, as release 1.30.0 documents it (docs/gateway-proxy-operational-guide.md @
 * 093ef9d1: "the prefix comes from GATEWAY_PROXY_PREFIX"; its examples and the test guide use `gateway`). Not read
 * in code: the registry's config.py of that release is not reachable.
 */
export const DEFAULT_GATEWAY_PROXY_PREFIX = "gateway";

/** The switches, resolved: what the registry the definitions are applied to does. */
export interface RegistryFlags {
  gatewayGenericProxy: boolean;
  a2aReverseProxy: boolean;
  /** Optional so flags written before it existed still type-check; absent is the default, `gateway`. */
  gatewayProxyPrefix?: string;
}

/** The on/off switches (an answer names the ones it depends on). */
export type RegistrySwitch = "gatewayGenericProxy" | "a2aReverseProxy";

/** The generic proxy's prefix the flags say, or upstream's default. */
export function proxyPrefixOf(flags: Pick<RegistryFlags, "gatewayProxyPrefix">): string {
  return flags.gatewayProxyPrefix ?? DEFAULT_GATEWAY_PROXY_PREFIX;
}

/**
 * Upstream's defaults (registry/core/config.py `a2a_reverse_proxy_enabled`, default False; the generic proxy's flag
 * comes with PR #1628, default off).
 */
export const REGISTRY_DEFAULTS: Readonly<RegistryFlags> = {
  gatewayGenericProxy: false,
  a2aReverseProxy: false,
  gatewayProxyPrefix: DEFAULT_GATEWAY_PROXY_PREFIX,
};

/** What each switch is upstream, and where it is set here, for messages. */
export const REGISTRY_SWITCHES: Readonly<Record<RegistrySwitch, { upstream: string; setting: string }>> = {
  gatewayGenericProxy: {
    upstream: "settings.gateway_generic_proxy_enabled (GATEWAY_GENERIC_PROXY_ENABLED, PR #1628; default off)",
    setting: "registry.gatewayGenericProxy in mcp-access.yaml, or the stack's mcp-gateway-access:registry",
  },
  a2aReverseProxy: {
    upstream:
      "settings.a2a_reverse_proxy_enabled (A2A_REVERSE_PROXY_ENABLED; default off; nginx_service.py " +
      "emits the /agent/ locations only with it)",
    setting: "registry.a2aReverseProxy in mcp-access.yaml, or the stack's mcp-gateway-access:registry",
  },
};

/** The flags: upstream's defaults, then each layer in order (the repository's file, then the stack). */
export function registryFlags(...layers: ReadonlyArray<RegistrySettings | undefined>): RegistryFlags {
  const out: RegistryFlags = { ...REGISTRY_DEFAULTS };
  for (const layer of layers) {
    if (layer?.gatewayGenericProxy !== undefined) out.gatewayGenericProxy = layer.gatewayGenericProxy;
    if (layer?.a2aReverseProxy !== undefined) out.a2aReverseProxy = layer.a2aReverseProxy;
    if (layer?.gatewayProxyPrefix !== undefined) out.gatewayProxyPrefix = layer.gatewayProxyPrefix;
  }
  return out;
}

/** A switch and its value, as `explain` and the access tests name what an answer depends on. */
export interface SwitchDependency {
  name: RegistrySwitch;
  value: boolean;
}

export function switchText(d: SwitchDependency): string {
  const s = REGISTRY_SWITCHES[d.name];
  return `${d.name} is ${d.value ? "on" : "off"} (${s.setting}; upstream ${s.upstream})`;
}
