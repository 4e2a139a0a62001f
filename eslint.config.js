// @ts-check
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    ignores: [
      "dist/",
      "coverage/",
      "node_modules/",
      "kernels/webgpu/",
      "test/golden/*.json",
      "bench/results/",
    ],
  },
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: "error",
    },
    rules: {
      // GPU readback is asynchronous: a forgotten `await t.data()` must not pass review.
      "@typescript-eslint/no-floating-promises": "error",
      // Switches over string-literal unions (dtype, device, prim) must name every member.
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      // OFF: numeric code asserts lookups it knows succeed (`shape[i]!`, `data[j]!`,
      // `map.get(k)!`), so that it stays correct under noUncheckedIndexedAccess.
      "@typescript-eslint/no-non-null-assertion": "off",
      // OFF: without noUncheckedIndexedAccess, `shape[i]` is already `number`, and this rule would
      // strip every `shape[i]!` above (it cannot exempt `!` alone). `as` casts stay reviewed.
      "@typescript-eslint/no-unnecessary-type-assertion": "off",
      // OFF: backend interfaces are async (`read()`, `data()`) but the CPU backend implements them
      // synchronously; an `async` function without `await` is intended there.
      "@typescript-eslint/require-await": "off",
      // Unused parameters are allowed (kernel and backward signatures are fixed by their table,
      // and the tsconfig sets noUnusedParameters: false); unused locals and imports are errors.
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          args: "none",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: {
      // OFF in tests: `expect(obj.method).toHaveBeenCalled()` and `vi.spyOn` pass methods unbound
      // by design.
      "@typescript-eslint/unbound-method": "off",
    },
  },
  {
    // Plain JS config files are not in tsconfig.json: lint them without type information.
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
