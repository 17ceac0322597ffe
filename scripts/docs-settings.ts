/** `npm run docs:settings`: rewrites the settings tables of docs/configuration.md from the StackConfig schema. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { settingsTable, type SettingSection } from "../lib";

const FILE = join(__dirname, "..", "..", "docs", "configuration.md");
const text = readFileSync(FILE, "utf8");
const next = text.replace(
  /<!-- settings: ([a-z ]+) -->\n([\s\S]*?)\n?<!-- \/settings -->/g,
  (_all, sections: string) =>
    `<!-- settings: ${sections} -->\n${settingsTable(sections.split(" ") as SettingSection[])}\n<!-- /settings -->`,
);
writeFileSync(FILE, next);
process.stderr.write(next === text ? "settings tables already current\n" : "settings tables regenerated\n");
