/** The Pulumi program: stack config → core → components → stack outputs. See components/program.ts. */
import { accessProgram } from "./components/program";

const { store } = accessProgram();

/** Scope name → when its document was created and last written. */
export const scopes = Object.fromEntries(
  Object.entries(store.scopes).map(([name, doc]) => [name, { createdAt: doc.createdAt, updatedAt: doc.updatedAt }]),
);
