/**
 * The Pulumi program: stack config → core (checked access model) → components → stack outputs.
 * Definitions that do not validate stop the run before anything is applied.
 */
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import { checkRepository, renderRegistryDocuments, settingsFromConfig, CONFIG_NAMESPACE } from "./lib";
import { textLine } from "./cli/report";

const config = new pulumi.Config(CONFIG_NAMESPACE);
const definitionsDir = resolve(config.get("definitionsDir") ?? ".");
const settings = settingsFromConfig(
  {
    [`${CONFIG_NAMESPACE}:bootstrap`]: config.getBoolean("bootstrap"),
    [`${CONFIG_NAMESPACE}:existingGroups`]: config.getObject<string[]>("existingGroups"),
    [`${CONFIG_NAMESPACE}:identityProvider`]: config.get("identityProvider"),
  },
  "stack config",
);

const checked = checkRepository(definitionsDir, settings);
for (const w of checked.warnings) void pulumi.log.warn(textLine(w));
if (!checked.ok) {
  throw new pulumi.RunError(
    `the definitions in ${definitionsDir} have ${checked.errors.length} error(s); nothing was applied:\n` +
      checked.errors.map(textLine).join("\n"),
  );
}

const documents = renderRegistryDocuments(checked.model, { idp: settings.idp ?? "keycloak" });
export const scopes = documents.scopes.map((s) => s._id);
