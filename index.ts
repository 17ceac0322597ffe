/** The Pulumi program: stack config → core → components → stack outputs. See program.ts. */
import { accessProgram } from "./program";

export = async () => {
  const program = await accessProgram();
  return {
    /** M2M name → {clientId, clientSecret (secret), tokenUrl, realm, keycloakUrl, authProvider}. */
    m2m: program.access?.m2m ?? {},
    /** Group name → IdP group id. */
    groups: program.access?.groups ?? {},
    /** Username → {id, initialPassword (secret, when generated)}. */
    users: program.access?.users ?? {},
    /** Scope name → when its document was created and last written. */
    scopes: program.store.written.scopes,
    /** Secret; the bootstrap admin's generated initial password (temporary), when bootstrap generated it. */
    bootstrapAdminPassword: program.bootstrapAdminPassword,
  };
};
