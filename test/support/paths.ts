import { join } from "node:path";

/** The repository root (tests run from dist/test/...). */
export const REPO_ROOT = join(__dirname, "..", "..", "..");
export const FIXTURES = join(REPO_ROOT, "test", "fixtures");
