// ESLint for the web UI (ui/): the recommended JavaScript and type-checked TypeScript rules, and no HTML into the DOM.

import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

// Mail text (senders, subjects, folder names, server errors) must never reach the DOM as HTML:
// the UI makes DOM only through ui/src/dom.ts, as elements and text nodes.
const NO_HTML = "Mail text must never reach the DOM as HTML: build elements with h() (ui/src/dom.ts) and set text with textContent.";

export default defineConfig(
  // Built output, and the types ts-rs generates from the Rust code (rewritten by every build).
  { ignores: ["ui/dist/", "ui/src/bindings/"] },
  {
    files: ["ui/**/*.{ts,js,mjs}"],
    rules: {
      "no-restricted-properties": [
        "error",
        { property: "innerHTML", message: NO_HTML },
        { property: "outerHTML", message: NO_HTML },
        { property: "insertAdjacentHTML", message: NO_HTML },
        { property: "setHTMLUnsafe", message: NO_HTML },
        { property: "createContextualFragment", message: NO_HTML },
        { object: "document", property: "write", message: NO_HTML },
        { object: "document", property: "writeln", message: NO_HTML },
      ],
    },
  },
  {
    files: ["ui/**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // As tsc's noUnusedParameters: a leading underscore marks a parameter a signature needs.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Commands reject with the Rust side's AppError (`{kind, message, field}`), not an Error:
      // the bridge passes it on as it is, and the views read its field.
      "@typescript-eslint/only-throw-error": ["error", { allow: [{ from: "file", name: "AppError", path: "ui/src/bindings/AppError.ts" }] }],
    },
  },
  {
    files: ["ui/tests/**/*.ts"],
    rules: {
      // The fakes stand in for async commands: `async` turns a fake's throw into a rejection,
      // as the real command's refusal would be, whether or not the fake awaits anything.
      "@typescript-eslint/require-await": "off",
    },
  },
);
