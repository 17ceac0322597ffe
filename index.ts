/** The Pulumi program: stack config → core → components → stack outputs. See components/program.ts. */
import { accessProgram } from "./components/program";

const program = accessProgram();

/** M2M name → {clientId, clientSecret (secret), tokenUrl, realm, keycloakUrl, authProvider}. */
export const m2m = program.access?.m2m ?? {};
/** Group name → IdP group id. */
export const groups = program.access?.groups ?? {};
/** Username → {id, initialPassword (secret, when generated)}. */
export const users = program.access?.users ?? {};
/** Scope name → when its document was created and last written. */
export const scopes = Object.fromEntries(
  Object.entries(program.store.scopes).map(([name, doc]) => [name, { createdAt: doc.createdAt, updatedAt: doc.updatedAt }]),
);
/** Secret; the bootstrap admin's generated initial password (temporary), when bootstrap generated it. */
export const bootstrapAdminPassword = program.bootstrapAdminPassword;
