/**
 * DocumentDB requires TLS with its CA bundle: the provider connects with `mongodbTls` and `mongodbTlsCaFile` to a
 * real TLS listener (FerretDB's), and refuses a server whose certificate it cannot verify.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { liveFields, recordProvider, type RecordInputs } from "../../components/scopes/provider";
import { privateDatabase } from "../support/services";

const dir = mkdtempSync(join(tmpdir(), "mcp-access-tls-"));
const port = 26000 + (process.pid % 1000);
const tlsPort = port + 1;
let server: ReturnType<typeof privateDatabase>;

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

function configure(settings: Record<string, string>) {
  return recordProvider.configure!({
    config: { get: (k: string) => settings[k.replace(/^mcp-gateway-access:/, "")], require: () => "" },
  });
}

const inputs = (key: string): RecordInputs => ({
  kind: "scope",
  key,
  database: "mcp_registry_tls",
  collection: "mcp_scopes_default",
  desired: {
    scope_type: "group",
    description: "tls",
    server_access: [],
    group_mappings: [key],
    ui_permissions: { list_service: [] },
    agent_access: [],
    is_idp_managed: true,
  },
  timestamps: true,
  onConflict: "overwrite",
  source: "groups/tls.yaml",
});

before(() => {
  // A private CA and a server certificate for 127.0.0.1, like a DocumentDB cluster and its global-bundle.pem.
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=test-ca",
  );
  writeFileSync(join(dir, "san.cnf"), "subjectAltName=IP:127.0.0.1\n");
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  );
  openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "san.cnf",
  );
  server = privateDatabase(port, join(dir, "state"), {
    FERRETDB_TLS_PORT: String(tlsPort),
    FERRETDB_TLS_CERT: join(dir, "server.pem"),
    FERRETDB_TLS_KEY: join(dir, "server.key"),
  });
  server.start();
});

after(async () => {
  await recordProvider.close();
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("TLS with a CA file", () => {
  it("writes through a TLS connection verified with the CA file", async () => {
    await recordProvider.close();
    await configure({
      mongodbHost: "127.0.0.1",
      mongodbPort: String(tlsPort),
      mongodbTls: "true",
      mongodbTlsCaFile: join(dir, "ca.pem"),
      database: "mcp_registry_tls",
      mongodbTimeoutMs: "5000",
    });
    const r = await recordProvider.create(inputs("over-tls"));
    assert.equal(r.id, "over-tls");
    const read = await recordProvider.read!("over-tls", r.outs);
    assert.deepEqual(liveFields(read.props).group_mappings, ["over-tls"]);
  });

  it("refuses a server whose certificate the CA file does not vouch for", async () => {
    await recordProvider.close();
    await configure({
      mongodbHost: "127.0.0.1",
      mongodbPort: String(tlsPort),
      mongodbTls: "true",
      database: "mcp_registry_tls",
      mongodbTimeoutMs: "2000",
    });
    await assert.rejects(recordProvider.create(inputs("untrusted")), (e: Error) => {
      assert.match(e.message, /cannot reach the registry database at 127\.0\.0\.1:\d+/);
      assert.match(e.message, /TLS certificate is not trusted: set mcp-gateway-access:mongodbTlsCaFile/);
      return true;
    });
  });
});
