import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/node_modules', '**/.nx', '**/*.timestamp*', 'migrations/**', '**/.leakproof', '**/eslint.config.mjs'] },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:app', 'type:tool'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:ingest', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:audit', onlyDependOnLibsWithTags: ['scope:ingest'] },
            { sourceTag: 'scope:registry', onlyDependOnLibsWithTags: ['scope:audit', 'scope:ingest'] },
            { sourceTag: 'scope:wasm-training', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:evaluator', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:trainer', onlyDependOnLibsWithTags: ['scope:ingest', 'scope:wasm-training', 'scope:evaluator'] }
          ]
        }
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  }
];
