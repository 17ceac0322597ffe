/**
 * The Node.js the product runs on, checked first by the CLI (bin/mcp-access.js) and the Pulumi program
 * (program-runtime.ts): on an older Node they fail later with a cryptic error (`enableCompileCache is not a
 * function`), so they stop at start with one line instead. Plain code only: it must run on any Node.
 */
/** package.json's `engines.node` (`>=22`): test/unit/program/node-support.test.ts holds the two equal. */
export const MIN_NODE_MAJOR = 22;

/** The one line that says what is needed, or null when `version` (process.versions.node) is new enough. */
export function unsupportedNode(what: string, version: string = process.versions.node): string | null {
  const major = Number(version.split(".")[0]);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return null;
  return (
    `${what} needs Node.js ${MIN_NODE_MAJOR} or newer, and this is Node.js ${version}: install Node.js ` +
    `${MIN_NODE_MAJOR} (https://nodejs.org/en/download, or \`nvm install ${MIN_NODE_MAJOR}\`) and run it again`
  );
}

/** Stops the process with that line (exit 1) on an older Node. */
export function refuseUnsupportedNode(what: string): void {
  const problem = unsupportedNode(what);
  if (problem === null) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
