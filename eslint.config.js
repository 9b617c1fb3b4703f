// Lint gate: correctness rules only. Formatting belongs to prettier and clang-format, so no stylistic
// rule is enabled here. TypeScript files are linted with type information (tsconfig.json covers
// src/, test/, examples/ and bench/).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/', 'build/', 'node_modules/', 'coverage/', '.bench-out/', 'small_data_output/', 'tmp/'],
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // node:test's test/describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after'] },
          ],
        },
      ],
      // Type-only imports are erased at run time, so they may point back up the stack.
      'import-x/no-cycle': 'error',
      // KerasConfig is `any` on purpose (untyped JSON that fromConfig narrows key by key), so reading,
      // assigning or passing its values is expected; no-explicit-any keeps `any` from spreading, and
      // calling or returning an `any` (no-unsafe-call, no-unsafe-return) stays an error.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // Async functions without await keep Keras's promise-returning API and async generators.
      '@typescript-eslint/require-await': 'off',
      // Async generators cannot be arrow functions, so they reach the instance through `self`.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      // Shapes in messages print as 1,2,3, which is what the messages want.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowArray: true }],
      // Overrides keep the base signature; a leading underscore marks the parameter as unused on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Tests read configs and files as untyped JSON (KerasConfig) and call its arrays' methods to
    // check them; in src/ such a call is an error, since src/ narrows what it reads.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
