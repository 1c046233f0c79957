// @ts-check
// ESLint flat config, as the VS Code extension samples ship it: typescript-eslint's recommended rules on the
// TypeScript sources and the type-checked .mjs scripts. Formatting is Prettier's job (`npm run lint` runs both).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // built or generated files, and what the runs write; src/lab/wasm/asm is AssemblyScript, not TypeScript
    ignores: [
      'dist/**',
      'out/**',
      'src/lab/wasm/asm/**',
      'src/lab/wasm/build/**',
      'test-output/**',
      '.precond-lab/**',
      'sample-workspace/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // off as typescript-eslint advises: tsc checks every file (the .mjs ones through // @ts-check) and knows
      // Node's and the DOM's globals, which this rule would need listed by hand
      'no-undef': 'off',
      // `_name` marks a parameter a signature needs but the body does not use
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      eqeqeq: ['error', 'smart'],
      // `for (;;)` polling loops end by return or throw
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // the numeric backends load lazily and only when chosen (tfjs-node is optional, and loading one registers it)
    files: ['src/lab/backend.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
