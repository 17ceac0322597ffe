/**
 * The registry's own auth server (`auth_server/server.py` of agentic-community/mcp-gateway-registry at the
 * revision scripts/registry.sh pins), started for one test's realm and database, and asked `/validate` the way
 * the registry's nginx asks it. It is the judge of what the registry decides: a test compares its answers with
 * `explain`'s. A test that needs it starts it here, or fails loudly.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./paths";

export interface AuthServerOptions {
  port: number;
  keycloakUrl: string;
  realm: string;
  webClientSecret: string;
  m2mClientSecret: string;
  mongodbUri: string;
  database: string;
  namespace?: string;
  /** More of the auth server's own settings (e.g. RATE_LIMITING_ENABLED). */
  env?: Record<string, string>;
}

/** scripts/init-mongodb-ce.py's seed step (`_load_default_scopes`; its TTL indexes are not FerretDB's). */
const INIT_SEEDS = `
import asyncio, importlib.util, logging, os, sys
from motor.motor_asyncio import AsyncIOMotorClient
logging.basicConfig(stream=sys.stdout, level=logging.INFO)
spec = importlib.util.spec_from_file_location("init_mongodb_ce", "scripts/init-mongodb-ce.py")
init = importlib.util.module_from_spec(spec)
spec.loader.exec_module(init)
async def main():
    client = AsyncIOMotorClient(os.environ["MONGODB_CONNECTION_STRING"])
    await init._load_default_scopes(client[os.environ["DOCUMENTDB_DATABASE"]], os.environ["DOCUMENTDB_NAMESPACE"])
asyncio.run(main())
`;

export interface AuthServer {
  url: string;
  env: NodeJS.ProcessEnv;
  /** Asks /validate as nginx does; the token goes in X-Authorization on /agent/... paths, else Authorization. */
  validate(req: ValidateRequest): Promise<ValidateAnswer>;
  /** Runs one of the registry's own Python files (from its source root) with the auth server's settings. */
  python(args: string[]): Promise<string>;
  /** scripts/init-mongodb-ce.py's seed step (`_load_default_scopes`) on the auth server's database: its output. */
  seedStep(): Promise<string>;
  stop(): void;
}

export interface ValidateRequest {
  token: string;
  /** The request path the gateway forwards (X-Original-URL). */
  path: string;
  /** The client's HTTP verb (X-Original-Method). */
  verb?: string;
  /** The request body nginx captured (X-Body); undefined: none. */
  body?: string;
  /** nginx could not buffer the body (X-Body-Uninspectable). */
  spilled?: boolean;
}

export interface ValidateAnswer {
  status: number;
  /** The auth server's `detail`, when it refused. */
  detail: string;
  /** The scopes it resolved (X-Scopes), when it allowed. */
  scopes: string[];
}

/**
 * One GET on a connection of its own: the auth server answers refusals with `Connection: close`, and a pooled
 * keep-alive socket it has just closed would fail the next request.
 */
function getOnce(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "GET", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function registryScript(verb: string, env: NodeJS.ProcessEnv): string {
  try {
    return execFileSync("bash", [join(REPO_ROOT, "scripts", "registry.sh"), verb], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env,
    }).trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`scripts/registry.sh ${verb} failed: ${err.stderr?.trim() || err.message}`, { cause: e });
  }
}

export function startAuthServer(o: AuthServerOptions): AuthServer {
  const stateDir = mkdtempSync(join(tmpdir(), "mcp-access-auth-server-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MCP_ACCESS_STATE_DIR: stateDir,
    REGISTRY_AUTH_PORT: String(o.port),
    KEYCLOAK_URL: o.keycloakUrl,
    KEYCLOAK_EXTERNAL_URL: o.keycloakUrl,
    KEYCLOAK_REALM: o.realm,
    KEYCLOAK_CLIENT_ID: "mcp-gateway-web",
    KEYCLOAK_CLIENT_SECRET: o.webClientSecret,
    KEYCLOAK_M2M_CLIENT_ID: "mcp-gateway-m2m",
    KEYCLOAK_M2M_CLIENT_SECRET: o.m2mClientSecret,
    MONGODB_CONNECTION_STRING: o.mongodbUri,
    DOCUMENTDB_DATABASE: o.database,
    DOCUMENTDB_NAMESPACE: o.namespace ?? "default",
    ...o.env,
  };
  const url = registryScript("start", env);
  const validate = async (req: ValidateRequest): Promise<ValidateAnswer> => {
    const agentPath = /^\/*agent\//.test(req.path);
    const headers: Record<string, string> = {
      "X-Original-URL": `http://gateway.test${req.path}`,
      "X-Original-URI": req.path,
      "X-Original-Method": req.verb ?? "POST",
      "X-Real-IP": "127.0.0.1",
      [agentPath ? "X-Authorization" : "Authorization"]: `Bearer ${req.token}`,
    };
    if (req.body !== undefined) headers["X-Body"] = req.body;
    if (req.spilled) headers["X-Body-Uninspectable"] = "1";
    const res = await getOnce(`${url}/validate`, headers);
    const text = res.text;
    let detail: string;
    try {
      const parsed = JSON.parse(text) as { detail?: unknown };
      detail = typeof parsed.detail === "string" ? parsed.detail : JSON.stringify(parsed.detail ?? "");
    } catch {
      detail = text.slice(0, 200);
    }
    const scopes = String(res.headers["x-scopes"] ?? "")
      .split(/\s+/)
      .filter((s) => s !== "");
    return { status: res.status, detail, scopes };
  };
  const python = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(
        "bash",
        [join(REPO_ROOT, "scripts", "registry.sh"), "python", ...args],
        { env, encoding: "utf8" },
        (err, out, errText) =>
          err
            ? reject(new Error(`registry python ${args.join(" ")} failed: ${errText || err.message}`))
            : resolve(`${out}${errText}`),
      );
    });
  return {
    url,
    env,
    validate,
    python,
    seedStep: () => python(["-c", INIT_SEEDS]),
    stop() {
      try {
        registryScript("stop", env);
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
      }
    },
  };
}
