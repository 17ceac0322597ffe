/**
 * A read-only view of an Entra ID tenant through Microsoft Graph (client credentials, as the azuread provider's
 * `ARM_*` settings give them): names, ids and memberships, for adoption by the program and for
 * `mcp-access import`. Secrets are never read (Graph does not return them anyway).
 */
import { ServiceError } from "../lib/errors/errors";
import { baseUrl } from "../lib";
export interface GraphSettings {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** https://login.microsoftonline.com unless a sovereign cloud. */
  loginBaseUrl?: string;
  /** https://graph.microsoft.com unless a sovereign cloud. */
  graphBaseUrl?: string;
}

export interface GraphGroup {
  id: string;
  displayName: string;
  description?: string | null;
}
export interface GraphUser {
  id: string;
  userPrincipalName: string;
  mail?: string | null;
  givenName?: string | null;
  surname?: string | null;
  accountEnabled?: boolean | null;
}
export interface GraphApplication {
  id: string;
  appId: string;
  displayName: string;
  description?: string | null;
}

export interface EntraDirectory {
  /** Security groups with this display name (several when names repeat). */
  groupsNamed(name: string): Promise<GraphGroup[]>;
  groupById(id: string): Promise<GraphGroup | undefined>;
  securityGroups(): Promise<GraphGroup[]>;
  userByUpn(upn: string): Promise<GraphUser | undefined>;
  users(): Promise<GraphUser[]>;
  applicationsNamed(name: string): Promise<GraphApplication[]>;
  applications(): Promise<GraphApplication[]>;
  /** The service principal of an application (by appId). */
  servicePrincipalOf(appId: string): Promise<{ id: string; accountEnabled?: boolean | null } | undefined>;
  /** Object IDs of a group's direct members. */
  memberIds(groupId: string): Promise<Set<string>>;
  /** Object IDs of the groups a user or service principal is a direct member of. */
  memberOf(objectId: string): Promise<string[]>;
}

/** The azuread provider's settings as it reads them: stack config `azuread:<key>`, then `ARM_*`. */
export function graphSettingsFrom(
  get: (key: string) => string | undefined,
  env: NodeJS.ProcessEnv,
): GraphSettings | undefined {
  const tenantId = get("tenantId") ?? env.ARM_TENANT_ID ?? env.AZURE_TENANT_ID;
  const clientId = get("clientId") ?? env.ARM_CLIENT_ID ?? env.AZURE_CLIENT_ID;
  const clientSecret = get("clientSecret") ?? env.ARM_CLIENT_SECRET ?? env.AZURE_CLIENT_SECRET;
  if (!tenantId || !clientId || !clientSecret) return undefined;
  return { tenantId, clientId, clientSecret };
}

type Fetch = typeof fetch;
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A token for Graph by the client-credentials grant. */
async function graphToken(s: GraphSettings, login: string, graph: string, fetchImpl: Fetch): Promise<string> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: s.clientId,
    client_secret: s.clientSecret,
    scope: `${graph.replace(/\/v1\.0$/, "")}/.default`,
  });
  const t = await fetchImpl(`${login}/${encodeURIComponent(s.tenantId)}/oauth2/v2.0/token`, {
    method: "POST",
    body: form,
  });
  const tokenBody = (await t.json().catch(() => ({}))) as {
    access_token?: string;
    error_description?: string;
    error?: string;
  };
  if (!t.ok || !tokenBody.access_token) {
    throw new ServiceError(
      `cannot sign in to Entra ID tenant ${s.tenantId} as ${s.clientId}: ` +
        `${tokenBody.error_description ?? tokenBody.error ?? `HTTP ${t.status}`}`,
    );
  }
  return tokenBody.access_token;
}

/** GET one object (undefined on 404) and every page of a listing. */
interface GraphReads {
  get<T>(path: string): Promise<T | undefined>;
  list<T>(path: string): Promise<T[]>;
}

function graphReads(graph: string, token: string, fetchImpl: Fetch): GraphReads {
  const headers = { authorization: `Bearer ${token}`, ConsistencyLevel: "eventual" };
  async function get<T>(path: string): Promise<T | undefined> {
    const r = await fetchImpl(path.startsWith("http") ? path : `${graph}${path}`, { headers });
    if (r.status === 404) return undefined;
    if (!r.ok)
      throw new ServiceError(
        `Microsoft Graph ${path.split("?")[0]}: HTTP ${r.status} ${(await r.text()).slice(0, 300)}`,
      );
    return (await r.json()) as T;
  }
  async function list<T>(path: string): Promise<T[]> {
    const all: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: { value?: T[]; "@odata.nextLink"?: string } | undefined = await get(next);
      all.push(...(page?.value ?? []));
      next = page?.["@odata.nextLink"];
    }
    return all;
  }
  return { get, list };
}

export async function connectGraph(s: GraphSettings, fetchImpl: Fetch = fetch): Promise<EntraDirectory> {
  const login = baseUrl(s.loginBaseUrl ?? "https://login.microsoftonline.com");
  const graph = `${baseUrl(s.graphBaseUrl ?? "https://graph.microsoft.com")}/v1.0`;
  return graphDirectory(graphReads(graph, await graphToken(s, login, graph, fetchImpl), fetchImpl));
}

function graphDirectory({ get, list }: GraphReads): EntraDirectory {
  const groupSelect = "$select=id,displayName,description";
  const userSelect = "$select=id,userPrincipalName,mail,givenName,surname,accountEnabled";
  const appSelect = "$select=id,appId,displayName,description";
  return {
    groupsNamed: (name) =>
      list<GraphGroup>(
        `/groups?$filter=${encodeURIComponent(
          `displayName eq ${quote(name)} and securityEnabled eq ` + `true`,
        )}&${groupSelect}`,
      ),
    groupById: (id) => get<GraphGroup>(`/groups/${encodeURIComponent(id)}?${groupSelect}`),
    securityGroups: () =>
      list<GraphGroup>(`/groups?$filter=${encodeURIComponent("securityEnabled eq true")}&${groupSelect}`),
    userByUpn: (upn) => get<GraphUser>(`/users/${encodeURIComponent(upn)}?${userSelect}`),
    users: () => list<GraphUser>(`/users?${userSelect}`),
    applicationsNamed: (name) =>
      list<GraphApplication>(
        `/applications?$filter=${encodeURIComponent(`displayName eq ${quote(name)}`)}&${appSelect}`,
      ),
    applications: () => list<GraphApplication>(`/applications?${appSelect}`),
    servicePrincipalOf: async (appId) =>
      (
        await list<{ id: string; accountEnabled?: boolean }>(
          `/servicePrincipals?$filter=${encodeURIComponent(`appId eq ${quote(appId)}`)}&$select=id,accountEnabled`,
        )
      )[0],
    memberIds: async (groupId) =>
      new Set(
        (await list<{ id: string }>(`/groups/${encodeURIComponent(groupId)}/members?$select=id`)).map((m) => m.id),
      ),
    memberOf: async (id) =>
      (
        await list<{ id: string; "@odata.type"?: string }>(
          `/directoryObjects/${encodeURIComponent(id)}/memberOf?$select=id`,
        )
      )
        .filter((g) => !g["@odata.type"] || g["@odata.type"] === "#microsoft.graph.group")
        .map((g) => g.id),
  };
}
