// Lint: TypeScript-aware recommended rules, plus the import boundaries of the architecture:
// app/ and lib/ never import sandbox/ (the HubSpot/Stripe stand-ins); lib/ never imports app/ or components/.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["node_modules/**", ".next/**", "lib/generated/**", "next-env.d.ts", "data/**", "test-results/**", "playwright-report/**", "artifacts/**", ".*", "zz-*"] },
  { files: ["**/*.mjs", "**/*.js"], languageOptions: { globals: { ...globals.node } } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    files: ["app/**", "lib/**", "components/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@/sandbox/*", "**/sandbox/*"], message: "app/ and lib/ never import the sandbox." }] }],
    },
  },
  {
    files: ["lib/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["@/sandbox/*", "**/sandbox/*"], message: "lib/ never imports the sandbox." },
        { group: ["@/app/*", "@/components/*"], message: "lib/ never imports app/ or components/." },
      ] }],
    },
  },
);
