/**
 * The database connection, from the connection part of the stack config, with what Amazon DocumentDB needs:
 * TLS with a CA bundle, `retryWrites=false`, SCRAM-SHA-1, direct connection and replica-set options.
 * Pure: no I/O here, so it is unit-tested without a database.
 */
import type { MongoClientOptions } from "mongodb";
import type { ConnectionSettings } from "../../lib";

export interface DbConnection {
  uri: string;
  options: MongoClientOptions;
  database: string;
  namespace: string;
  /** Where it connects, without credentials: safe for messages and logs. */
  target: string;
}

/** Removes credentials from a URI for messages. */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, "$1***@");
}

/** Builds the connection from the parsed settings. Host/port settings follow the registry's own connection rules. */
export function dbConnection(s: ConnectionSettings): DbConnection {
  const { database, namespace } = s;
  const timeout = s.mongodbTimeoutMs;
  const options: MongoClientOptions = {
    retryWrites: false,
    serverSelectionTimeoutMS: timeout,
    connectTimeoutMS: timeout,
    maxPoolSize: 10,
  };
  const uri = s.mongodbUri;
  let full: string;
  let target: string;
  if (uri) {
    full = uri;
    target = uri.replace(/^mongodb(\+srv)?:\/\/([^@/]*@)?/, "").replace(/[/?].*$/, "");
  } else {
    const host = s.mongodbHost;
    const port = s.mongodbPort;
    const user = s.mongodbUsername;
    const password = s.mongodbPassword;
    const creds = user ? `${encodeURIComponent(user)}:${encodeURIComponent(password ?? "")}@` : "";
    const query = new URLSearchParams();
    if (user) {
      // DocumentDB 5.0 supports only SCRAM-SHA-1; the registry uses SHA-256 for MongoDB CE.
      query.set("authMechanism", s.mongodbAuthMechanism);
      query.set("authSource", s.mongodbAuthSource);
    }
    full = `mongodb://${creds}${host}:${port}/${encodeURIComponent(database)}${query.size ? `?${query}` : ""}`;
    target = `${host}:${port}`;
    if (s.mongodbTls) {
      options.tls = true;
      if (s.mongodbTlsCaFile) options.tlsCAFile = s.mongodbTlsCaFile;
    }
  }
  if (s.mongodbReplicaSet) options.replicaSet = s.mongodbReplicaSet;
  if (s.mongodbDirectConnection) options.directConnection = true;
  if (uri && s.mongodbTlsCaFile) {
    options.tls = true;
    options.tlsCAFile = s.mongodbTlsCaFile;
  }
  return { uri: full, options, database, namespace, target: `${target} (database ${database})` };
}
