/** The Pulumi program: stack config → core → components → stack outputs. See components/program.ts. */
import { accessProgram } from "./components/program";

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
    scopes: Object.fromEntries(
      Object.entries(program.store.scopes).map(([name, doc]) => [name, { createdAt: doc.createdAt, updatedAt: doc.updatedAt }]),
    ),
    /** Secret; the bootstrap admin's generated initial password (temporary), when bootstrap generated it. */
    bootstrapAdminPassword: program.bootstrapAdminPassword,
  };
};
