/** Database connection settings: the registry's rules, DocumentDB's needs, and no credentials in messages. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dbConnection, DB_SETTINGS_ERROR, redactUri, type DbSettingKey } from "../../components/scopes/connection";

const from = (s: Partial<Record<DbSettingKey, string>>) => dbConnection((k) => s[k]);

describe("database connection settings", () => {
  it("defaults to the registry's database and namespace, TLS on, retryWrites off", () => {
    const c = from({});
    assert.equal(c.uri, "mongodb://localhost:27017/mcp_registry");
    assert.equal(c.database, "mcp_registry");
    assert.equal(c.namespace, "default");
    assert.equal(c.options.tls, true);
    assert.equal(c.options.retryWrites, false);
  });

  it("builds a DocumentDB connection: SCRAM-SHA-1, authSource admin, CA file, replica set, direct connection", () => {
    const c = from({
      mongodbHost: "docdb.cluster.example",
      mongodbPort: "27017",
      mongodbUsername: "admin user",
      mongodbPassword: "p@ss/word",
      mongodbTlsCaFile: "/certs/global-bundle.pem",
      mongodbReplicaSet: "rs0",
      mongodbDirectConnection: "true",
    });
    assert.equal(c.uri, "mongodb://admin%20user:p%40ss%2Fword@docdb.cluster.example:27017/mcp_registry?authMechanism=SCRAM-SHA-1&authSource=admin");
    assert.equal(c.options.tlsCAFile, "/certs/global-bundle.pem");
    assert.equal(c.options.replicaSet, "rs0");
    assert.equal(c.options.directConnection, true);
    assert.doesNotMatch(c.target, /p@ss|admin user/);
  });

  it("uses SCRAM-SHA-256 when asked (MongoDB CE)", () => {
    assert.match(from({ mongodbUsername: "u", mongodbPassword: "p", mongodbAuthMechanism: "SCRAM-SHA-256" }).uri, /authMechanism=SCRAM-SHA-256/);
  });

  it("takes a full URI as is, and never shows its credentials", () => {
    const c = from({ mongodbUri: "mongodb+srv://u:secret@cluster0.example.net/?appName=x", mongodbTlsCaFile: "/ca.pem" });
    assert.equal(c.uri, "mongodb+srv://u:secret@cluster0.example.net/?appName=x");
    assert.equal(c.options.retryWrites, false);
    assert.equal(c.options.tlsCAFile, "/ca.pem");
    assert.doesNotMatch(c.target, /secret/);
    assert.equal(redactUri("mongodb://u:secret@h:1/db"), "mongodb://***@h:1/db");
  });

  it("refuses settings that cannot work, saying which", () => {
    assert.throws(() => from({ mongodbUsername: "u" }), (e: Error) => e.name === DB_SETTINGS_ERROR && /mongodbPassword is not/.test(e.message));
    assert.throws(() => from({ mongodbPort: "x" }), /mongodbPort must be a TCP port/);
    assert.throws(() => from({ mongodbTls: "maybe" }), /mongodbTls must be true or false/);
    assert.throws(() => from({ mongodbUri: "http://x" }), /must start with mongodb:\/\//);
    assert.throws(() => from({ namespace: "a b" }), /namespace must be/);
  });
});
