// typescript-eslint's recommended rules over the whole project; prettier owns the layout (eslint-config-prettier
// turns eslint's layout rules off), and max-len holds every line, comments and strings included, to 120 characters.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".local/", "test/fixtures/", "schemas/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  prettier,
  {
    rules: {
      "max-len": ["error", { code: 120, tabWidth: 2 }],
      // The tool finds and escapes control and invisible characters on purpose; tests match aligned output.
      "no-control-regex": "off",
      "no-misleading-character-class": "off",
      "no-regex-spaces": "off",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
