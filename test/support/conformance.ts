/**
 * The conformance harness: a definitions repository applied by `pulumi up` (real engine, Keycloak, FerretDB),
 * the registry's own auth server started on it, real tokens for every identity, and a request matrix asked of
 * `/validate` and of `explain` side by side. Used by registry-conformance.e2e.test.ts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { run } from "../../cli/main";
import { apiRead, authScopes, DEFAULT_GATEWAY_PROXY_PREFIX, proxyRoute, type AccessModel } from "../../lib";
import type { AuthServer, ValidateAnswer } from "./auth-server";
import type { KeycloakAdminClient } from "./keycloak-admin";

export interface Identity {
  kind: "user" | "m2m";
  name: string;
  /** A real access token, or why Keycloak refused one. */
  token: string | null;
  refused: string | null;
}

export interface MatrixRequest {
  /** What the client sent, in words. */
  label: string;
  path: string;
  verb: string;
  body?: string;
  spilled?: boolean;
  /** The same request as explain's flags: --url, and the body as sent (--body / --spilled-body). */
  explain: string[];
  /** The same request as an access test writes it, when it can (a known server or agent, a method). */
  accessTest?: Record<string, string>;
}

export interface Verdict {
  allowed: boolean;
  /** The HTTP status the registry answers (200, 400, 401, 403, 413). */
  status: number;
  scopes: string[];
  detail: string;
}

/** A token from the realm's token endpoint, or Keycloak's reason for refusing it. */
export async function requestToken(
  tokenUrl: string,
  form: Record<string, string>,
): Promise<{ token: string | null; refused: string | null }> {
  const res = await fetch(tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (res.ok && body.access_token) return { token: body.access_token, refused: null };
  return { token: null, refused: `${res.status} ${body.error ?? ""} ${body.error_description ?? ""}`.trim() };
}

/** The secret of a confidential client of the realm (the auth server's own settings need the web and M2M ones). */
export async function clientSecret(kc: KeycloakAdminClient, clientId: string): Promise<string> {
  const [c] = await kc.clients.find({ clientId });
  if (!c?.id) throw new Error(`client ${clientId} is missing from the realm`);
  const secret = await kc.clients.getClientSecret({ id: c.id });
  if (!secret.value) throw new Error(`client ${clientId} has no secret`);
  return secret.value;
}

/**
 * A person's first login, done for the test: the stack gives each user a temporary initial password
 * (UPDATE_PASSWORD); here the admin API sets a permanent one, as the person would at the first login, so the
 * web client's password grant returns the token a signed-in person's session carries.
 */
export async function userToken(
  kc: KeycloakAdminClient,
  tokenUrl: string,
  webSecret: string,
  username: string,
): Promise<{ token: string | null; refused: string | null }> {
  const [u] = await kc.users.find({ username, exact: true });
  if (!u?.id) throw new Error(`user ${username} is missing from the realm`);
  const password = `Conformance-${Math.random().toString(36).slice(2)}-9aA!`;
  await kc.users.resetPassword({ id: u.id, credential: { type: "password", value: password, temporary: false } });
  await kc.users.update({ id: u.id }, { requiredActions: [] });
  return requestToken(tokenUrl, {
    grant_type: "password",
    client_id: "mcp-gateway-web",
    client_secret: webSecret,
    username,
    password,
    scope: "openid",
  });
}

/** explain's answer, through the CLI itself (in process): what a person running `mcp-access explain` reads. */
export async function explainVerdict(
  repo: string,
  who: Identity,
  req: MatrixRequest,
): Promise<Verdict & { branch: string; reason: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const body = req.spilled ? ["--spilled-body"] : req.body !== undefined ? ["--body", req.body] : [];
  const args = [
    "explain",
    "--dir",
    repo,
    "--bootstrap",
    `--${who.kind}`,
    who.name,
    ...req.explain,
    ...body,
    "--format",
    "json",
  ];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  if (code !== 0) throw new Error(`mcp-access ${args.join(" ")} exited ${code}: ${err.join("\n")}`);
  const j = JSON.parse(out.join("\n")) as {
    allowed: boolean;
    branch: string;
    reason: string;
    scopes: string[];
    status?: number;
  };
  const status = j.allowed ? 200 : (j.status ?? (j.branch === "disabled" ? 401 : 403));
  return { allowed: j.allowed, status, scopes: j.scopes, detail: j.reason, branch: j.branch, reason: j.reason };
}

/** The registry's answer: no token is a refusal before any scope is read. */
export async function registryVerdict(auth: AuthServer, who: Identity, req: MatrixRequest): Promise<Verdict> {
  if (!who.token)
    return { allowed: false, status: 401, scopes: [], detail: `no token: Keycloak refused it (${who.refused})` };
  const a: ValidateAnswer = await auth.validate({
    token: who.token,
    path: req.path,
    verb: req.verb,
    body: req.body,
    spilled: req.spilled,
  });
  return { allowed: a.status === 200, status: a.status, scopes: a.scopes, detail: a.detail };
}

const rpc = (method: string, params?: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: "2.0", id: 1, method, ...(params ? { params } : {}) });

/** The request matrix for a model: every server and tool it names (and ones it does not), every transport form. */
export function requestMatrix(model: AccessModel): MatrixRequest[] {
  const docs = authScopes(model);
  const servers = new Set<string>();
  const tools = new Set<string>(["no_such_tool"]);
  const agents = new Set<string>(["/no-such-agent"]);
  for (const d of docs) {
    for (const e of d.server_access) {
      const rules = "access_rules" in e ? e.access_rules : [e];
      for (const r of rules) {
        if ("server" in r && typeof r.server === "string") {
          const key = r.server.replace(/^\/+|\/+$/g, "");
          if (key && key !== "*" && key !== "all" && key !== "api") servers.add(key);
          if (Array.isArray(r.tools))
            for (const t of r.tools) if (t !== "*" && t !== "all" && !t.includes("/")) tools.add(t);
        }
        if ("agent" in r && typeof r.agent === "string" && r.agent !== "*" && r.agent !== "all")
          agents.add(`/${r.agent.replace(/^\/+/, "")}`);
      }
    }
  }
  const known = [...servers].sort();
  const out: MatrixRequest[] = [];
  const methods = [
    "initialize",
    "notifications/initialized",
    "ping",
    "tools/list",
    "resources/list",
    "prompts/list",
    "Tools/List",
  ];
  for (const key of [...known, "no-such-server", "peer-z/no-such-server"]) {
    const isKnown = known.includes(key);
    const mcp = `/${key}/mcp`;
    for (const m of methods) {
      out.push({
        label: `POST ${mcp} ${m}`,
        path: mcp,
        verb: "POST",
        body: rpc(m),
        explain: ["--url", mcp],
        accessTest: isKnown ? { url: mcp, method: m } : undefined,
      });
    }
    for (const t of [...tools].sort()) {
      out.push({
        label: `POST ${mcp} tools/call ${t}`,
        path: mcp,
        verb: "POST",
        body: rpc("tools/call", { name: t, arguments: {} }),
        explain: ["--url", mcp],
        accessTest: isKnown ? { url: mcp, method: "tools/call", tool: t } : undefined,
      });
    }
    out.push({
      label: `POST ${mcp} tools/call without a name`,
      path: mcp,
      verb: "POST",
      body: rpc("tools/call", { arguments: {} }),
      explain: ["--url", mcp],
    });
    // Other transport forms: the same key, the method from the body, else the transport segment, else initialize.
    out.push({
      label: `POST /${key}/sse tools/list`,
      path: `/${key}/sse`,
      verb: "POST",
      body: rpc("tools/list"),
      explain: ["--url", `/${key}/sse`],
    });
    out.push({
      label: `POST /${key}/messages ping`,
      path: `/${key}/messages`,
      verb: "POST",
      body: rpc("ping"),
      explain: ["--url", `/${key}/messages`],
    });
    out.push({
      label: `POST /${key} initialize`,
      path: `/${key}`,
      verb: "POST",
      body: rpc("initialize"),
      explain: ["--url", `/${key}`],
    });
    for (const verb of ["GET", "DELETE"]) {
      out.push({ label: `${verb} /${key}/mcp (no body)`, path: mcp, verb, explain: ["--url", mcp] });
      out.push({ label: `${verb} /${key} (no body)`, path: `/${key}`, verb, explain: ["--url", `/${key}`] });
    }
    out.push({
      label: `GET /${key}/sse (no body)`,
      path: `/${key}/sse`,
      verb: "GET",
      explain: ["--url", `/${key}/sse`],
    });
    // A JSON-RPC batch (a list) names no method: the transport segment, else initialize, is decided.
    const batch = JSON.stringify([
      JSON.parse(rpc("tools/call", { name: "no_such_tool" })),
      JSON.parse(rpc("tools/list")),
    ]);
    out.push({ label: `POST ${mcp} batch`, path: mcp, verb: "POST", body: batch, explain: ["--url", mcp] });
    out.push({
      label: `POST /${key} batch`,
      path: `/${key}`,
      verb: "POST",
      body: batch,
      explain: ["--url", `/${key}`],
    });
    // Bodies the auth server cannot read: refused before any scope (400, 413).
    out.push({
      label: `POST ${mcp} body that is not JSON`,
      path: mcp,
      verb: "POST",
      body: "method=tools/list",
      explain: ["--url", mcp],
    });
    out.push({ label: `POST ${mcp} spilled body`, path: mcp, verb: "POST", spilled: true, explain: ["--url", mcp] });
  }
  for (const a of [...agents].sort()) {
    const path = `/agent${a}`;
    out.push({
      label: `POST ${path} (A2A)`,
      path,
      verb: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "message/send", params: {} }),
      explain: ["--url", path],
      accessTest: a === "/no-such-agent" ? undefined : { agent: a, action: "invoke_agent" },
    });
  }
  for (const p of ["/api/servers", "/api/agents/register"])
    out.push({ label: `GET ${p}`, path: p, verb: "GET", explain: ["--url", p] });
  return out.map(judgeable);
}

/**
 * A request the vendored auth server (8c5b834b) can judge. Generic-proxy client URLs (release 1.30.0) and the
 * registry API reads of 1.31.0 (#1759, #1762) are decided by rules that came after it: the harness refuses them
 * loudly rather than comparing them with a judge that predates them (none is in the matrix today).
 */
function judgeable(r: MatrixRequest): MatrixRequest {
  if (proxyRoute(r.path, DEFAULT_GATEWAY_PROXY_PREFIX) || apiRead(r.path))
    throw new Error(`${r.label}: decided by a rule of release 1.30.0/1.31.0, which the vendored auth server predates`);
  return r;
}

/** A definitions folder the stack reads, in a temporary folder of its own. */
export function writeRepo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "mcp-access-conformance-"));
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}
