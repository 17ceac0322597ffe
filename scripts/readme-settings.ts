/** `npm run readme:settings`: rewrites the README's settings tables from the StackConfig schema. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { settingsTable, type SettingSection } from "../lib";

const README = join(__dirname, "..", "..", "README.md");
const text = readFileSync(README, "utf8");
const next = text.replace(/<!-- settings: ([a-z ]+) -->\n([\s\S]*?)\n?<!-- \/settings -->/g, (_all, sections: string) =>
  `<!-- settings: ${sections} -->\n${settingsTable(sections.split(" ") as SettingSection[])}\n<!-- /settings -->`,
);
writeFileSync(README, next);
process.stderr.write(next === text ? "README settings tables already current\n" : "README settings tables regenerated\n");
