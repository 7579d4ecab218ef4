// Lint: recommended JS + typescript-eslint rules; type checking itself is tsc's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist*/**', 'node_modules/**', '.bench-out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // One writer for every answer pe-edge produces (proxy/http/traefik-responses.ts, which applies the
    // middlewares' header hooks); the forwarder relays upstream heads through the same contract.
    files: ['proxy/**/*.ts'],
    ignores: ['proxy/http/traefik-responses.ts', 'proxy/forward/forwarder.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(writeHead|sendHead)$/][callee.object.type!='ThisExpression']",
        message: 'Answers go through proxy/http/traefik-responses.ts (answer and its send* helpers), which applies the header hooks.',
      }, {
        // node:http's other way to write a head: a status set, then end().
        selector: "AssignmentExpression[left.type='MemberExpression'][left.property.name='statusCode'][left.object.type!='ThisExpression']",
        message: 'Answers go through proxy/http/traefik-responses.ts (answer and its send* helpers), which applies the header hooks.',
      }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
