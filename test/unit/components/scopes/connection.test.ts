/** Database connection settings: the registry's rules, DocumentDB's needs, and no credentials in messages. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dbConnection, redactUri } from "../../../../components/scopes/connection";
import {
  parseConnectionSettings,
  parseStackConfig,
  StackSettingsError,
  type ConnectionSettingKey,
} from "../../../../lib";

/** Settings as stack config strings, with no environment. */
const from = (s: Partial<Record<ConnectionSettingKey, string>>) =>
  dbConnection(parseConnectionSettings((k) => s[k as ConnectionSettingKey], {}));

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
    assert.equal(
      c.uri,
      "mongodb://admin%20user:p%40ss%2Fword@docdb.cluster.example:27017/mcp_registry?authMechanism=SC" +
        "RAM-SHA-1&authSource=admin",
    );
    assert.equal(c.options.tlsCAFile, "/certs/global-bundle.pem");
    assert.equal(c.options.replicaSet, "rs0");
    assert.equal(c.options.directConnection, true);
    assert.doesNotMatch(c.target, /p@ss|admin user/);
  });

  it("uses SCRAM-SHA-256 when asked (MongoDB CE)", () => {
    assert.match(
      from({ mongodbUsername: "u", mongodbPassword: "p", mongodbAuthMechanism: "SCRAM-SHA-256" }).uri,
      /authMechanism=SCRAM-SHA-256/,
    );
  });

  it("takes a full URI as is, and never shows its credentials", () => {
    const c = from({
      mongodbUri: "mongodb+srv://u:secret@cluster0.example.net/?appName=x",
      mongodbTlsCaFile: "/ca.pem",
    });
    assert.equal(c.uri, "mongodb+srv://u:secret@cluster0.example.net/?appName=x");
    assert.equal(c.options.retryWrites, false);
    assert.equal(c.options.tlsCAFile, "/ca.pem");
    assert.doesNotMatch(c.target, /secret/);
    assert.equal(redactUri("mongodb://u:secret@h:1/db"), "mongodb://***@h:1/db");
  });

  it("refuses settings that cannot work, saying which", () => {
    assert.throws(
      () => from({ mongodbUsername: "u" }),
      (e: Error) =>
        e instanceof StackSettingsError &&
        e.code === "ERR_STACK_SETTINGS" &&
        /mongodbPassword is not set but mongodbUsername is/.test(e.message),
    );
    assert.throws(() => from({ mongodbPort: "x" }), /mongodbPort must be a TCP port/);
    assert.throws(() => from({ mongodbTls: "maybe" }), /mongodbTls must be true or false/);
    assert.throws(() => from({ mongodbUri: "http://x" }), /must start with mongodb:\/\//);
    assert.throws(() => from({ namespace: "a b" }), /namespace must be/);
  });

  it(
    "connects to the database the documents are declared for, whether config or the registry's " +
      "environment names it",
    () => {
      const cases: Array<{
        config: Record<string, string>;
        env: NodeJS.ProcessEnv;
        database: string;
        namespace: string;
      }> = [
        {
          config: {},
          env: { DOCUMENTDB_DATABASE: "otherdb", DOCUMENTDB_NAMESPACE: "team1" },
          database: "otherdb",
          namespace: "team1",
        },
        {
          config: { database: "cfgdb" },
          env: { DOCUMENTDB_DATABASE: "otherdb", DOCUMENTDB_NAMESPACE: "team1" },
          database: "cfgdb",
          namespace: "team1",
        },
        { config: { namespace: "n2" }, env: {}, database: "mcp_registry", namespace: "n2" },
      ];
      for (const c of cases) {
        const read = (k: string) => c.config[k];
        const program = parseStackConfig(read, "stack config", c.env);
        const provider = dbConnection(parseConnectionSettings(read, c.env));
        assert.deepEqual(
          [program.database, program.namespace],
          [c.database, c.namespace],
          "where the program declares the documents",
        );
        assert.deepEqual(
          [provider.database, provider.namespace],
          [c.database, c.namespace],
          "where the provider writes them",
        );
        assert.match(provider.uri, new RegExp(`/${c.database}$`), "the database it connects to");
      }
    },
  );
});
