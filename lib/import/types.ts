/** What `import` writes and reports, shared by the importers of each kind of definition. */
import type { Kind } from "../schema";

export interface ImportFile {
  kind: Kind | "rate-limits" | "identity-providers";
  /** Relative to the output directory, e.g. `groups/team-a.yaml`. */
  path: string;
  /** The object the file holds (scope name, username, client id). */
  name: string;
  text: string;
}

/** Something the definitions cannot express: what it is and what the user may do. */
export interface ImportFinding {
  object: string;
  problem: string;
  action: string;
}
