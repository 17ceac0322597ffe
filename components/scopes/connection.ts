/**
 * Database connection settings, from stack config (or the environment), with what Amazon DocumentDB needs:
 * TLS with a CA bundle, `retryWrites=false`, SCRAM-SHA-1, direct connection and replica-set options.
 * Pure: no I/O here, so it can be unit-tested and safely captured by the dynamic provider.
 */
import type { MongoClientOptions } from "mongodb";

export const DB_SETTING_KEYS = [
  "mongodbUri",
  "mongodbHost",
  "mongodbPort",
  "mongodbUsername",
  "mongodbPassword",
  "mongodbAuthMechanism",
  "mongodbAuthSource",
  "mongodbTls",
  "mongodbTlsCaFile",
  "mongodbReplicaSet",
  "mongodbDirectConnection",
  "mongodbTimeoutMs",
  "database",
  "namespace",
] as const;

export type DbSettingKey = (typeof DB_SETTING_KEYS)[number];

export interface DbConnection {
  uri: string;
  options: MongoClientOptions;
  database: string;
  namespace: string;
  /** Where it connects, without credentials: safe for messages and logs. */
  target: string;
}

export const DB_SETTINGS_ERROR = "DbSettingsError";

/** A plain Error (see recordStoreError in provider.ts for why not a subclass). */
function settingsError(message: string): Error {
  const e = new Error(message);
  e.name = DB_SETTINGS_ERROR;
  return e;
}

/** Environment fallbacks, named like the registry's own settings where one exists. */
export const DB_ENV: Partial<Record<DbSettingKey, string>> = {
  mongodbUri: "MONGODB_CONNECTION_STRING",
  mongodbHost: "DOCUMENTDB_HOST",
  mongodbPort: "DOCUMENTDB_PORT",
  mongodbUsername: "DOCUMENTDB_USERNAME",
  mongodbPassword: "DOCUMENTDB_PASSWORD",
  mongodbTls: "DOCUMENTDB_USE_TLS",
  mongodbTlsCaFile: "DOCUMENTDB_TLS_CA_FILE",
  mongodbReplicaSet: "DOCUMENTDB_REPLICA_SET",
  mongodbDirectConnection: "DOCUMENTDB_DIRECT_CONNECTION",
  database: "DOCUMENTDB_DATABASE",
  namespace: "DOCUMENTDB_NAMESPACE",
};

function bool(key: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined || v === "") return dflt;
  if (/^(true|1|yes|on)$/i.test(v)) return true;
  if (/^(false|0|no|off)$/i.test(v)) return false;
  throw settingsError(`mcp-gateway-access:${key} must be true or false, not ${JSON.stringify(v)}`);
}

/** Removes credentials from a URI for messages. */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, "$1***@");
}

/**
 * Builds the connection from settings. `get` reads a setting by key (stack config first, then the registry's
 * environment variable names). Host/port settings follow the registry's own connection rules.
 */
export function dbConnection(get: (key: DbSettingKey) => string | undefined): DbConnection {
  const database = get("database") || "mcp_registry";
  const namespace = get("namespace") || "default";
  if (!/^[A-Za-z0-9_-]+$/.test(namespace)) throw settingsError(`mcp-gateway-access:namespace must be letters, digits, _ or -, not ${JSON.stringify(namespace)}`);
  const timeout = Number(get("mongodbTimeoutMs") || 10000);
  if (!Number.isFinite(timeout) || timeout <= 0) throw settingsError("mcp-gateway-access:mongodbTimeoutMs must be a positive number of milliseconds");
  const options: MongoClientOptions = {
    retryWrites: false,
    serverSelectionTimeoutMS: timeout,
    connectTimeoutMS: timeout,
    maxPoolSize: 10,
  };
  const uri = get("mongodbUri");
  let full: string;
  let target: string;
  if (uri) {
    if (!/^mongodb(\+srv)?:\/\//.test(uri)) throw settingsError("mcp-gateway-access:mongodbUri must start with mongodb:// or mongodb+srv://");
    full = uri;
    target = uri.replace(/^mongodb(\+srv)?:\/\/([^@/]*@)?/, "").replace(/[/?].*$/, "");
  } else {
    const host = get("mongodbHost") || "localhost";
    const port = Number(get("mongodbPort") || 27017);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw settingsError("mcp-gateway-access:mongodbPort must be a TCP port number");
    const user = get("mongodbUsername");
    const password = get("mongodbPassword");
    if (user && !password) throw settingsError("mcp-gateway-access:mongodbUsername is set but mongodbPassword is not (set it with pulumi config set --secret)");
    const creds = user ? `${encodeURIComponent(user)}:${encodeURIComponent(password ?? "")}@` : "";
    const query = new URLSearchParams();
    if (user) {
      // DocumentDB 5.0 supports only SCRAM-SHA-1; the registry uses SHA-256 for MongoDB CE.
      query.set("authMechanism", get("mongodbAuthMechanism") || "SCRAM-SHA-1");
      query.set("authSource", get("mongodbAuthSource") || "admin");
    }
    full = `mongodb://${creds}${host}:${port}/${encodeURIComponent(database)}${query.size ? `?${query}` : ""}`;
    target = `${host}:${port}`;
    if (bool("mongodbTls", get("mongodbTls"), true)) {
      options.tls = true;
      const ca = get("mongodbTlsCaFile");
      if (ca) options.tlsCAFile = ca;
    }
  }
  const rs = get("mongodbReplicaSet");
  if (rs) options.replicaSet = rs;
  if (bool("mongodbDirectConnection", get("mongodbDirectConnection"), false)) options.directConnection = true;
  if (uri && get("mongodbTlsCaFile")) {
    options.tls = true;
    options.tlsCAFile = get("mongodbTlsCaFile");
  }
  return { uri: full, options, database, namespace, target: `${target} (database ${database})` };
}
