// Lint rules: typescript-eslint's recommended set, plus the habits from ../shared/STYLE.md that a
// linter can check (no floating promises would need type info; kept fast instead).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'peerlink-data/**', '.tmp/**', '.node/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The KVS sample page's script runs in the browser, next to the SDK's bundle.
    files: ['packages/server/kvs-sample/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, KVSWebRTC: 'readonly' } },
  },
  {
    // The IM call page's script: an ES module next to @peerlink/im-client's bundle.
    files: ['packages/server/im-call/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.browser } },
  },
);
