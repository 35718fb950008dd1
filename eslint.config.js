// ESLint for the front end (`./dev lint` runs it after ruff): the recommended rules, plus a few
// that catch real mistakes in this code base. The faces run in browsers (through esbuild), the
// service worker in its own scope, the build and the tests in Node.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: ["node_modules/", ".venv/", "var/", "frontend/static/frontend/build/"],
  },
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
    },
    linterOptions: {
      reportUnusedDisableDirectives: "error",
    },
    rules: {
      eqeqeq: ["error", "smart"],
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { args: "after-used", ignoreRestSiblings: true }],
      "no-constructor-return": "error",
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-unmodified-loop-condition": "error",
      "no-unreachable-loop": "error",
    },
  },
  {
    // The faces: browser globals, and Leaflet's `L` from django-leaflet's own script.
    files: ["frontend/assets/**/*.js"],
    ignores: ["frontend/assets/phone/sw.js"],
    languageOptions: {
      globals: { ...globals.browser, L: "readonly" },
    },
  },
  {
    // Plain scripts served as they are (django-leaflet plugins), not bundled.
    files: ["frontend/static/frontend/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: { ...globals.browser, L: "readonly" },
    },
  },
  {
    files: ["frontend/assets/phone/sw.js"],
    languageOptions: {
      globals: { ...globals.serviceworker },
    },
  },
  {
    files: ["frontend/build.mjs", "frontend/tests/**/*.mjs", "eslint.config.js"],
    languageOptions: {
      globals: { ...globals.node },
    },
  },
];
