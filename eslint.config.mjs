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
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:ingest', onlyDependOnLibsWithTags: ['scope:core'] },
            { sourceTag: 'scope:audit', onlyDependOnLibsWithTags: ['scope:core', 'scope:ingest'] },
            { sourceTag: 'scope:registry', onlyDependOnLibsWithTags: ['scope:core', 'scope:audit', 'scope:ingest'] },
            { sourceTag: 'scope:wasm-training', onlyDependOnLibsWithTags: ['scope:core'] },
            { sourceTag: 'scope:evaluator', onlyDependOnLibsWithTags: ['scope:core'] },
            { sourceTag: 'scope:trainer', onlyDependOnLibsWithTags: ['scope:core', 'scope:ingest', 'scope:wasm-training', 'scope:evaluator'] },
            { sourceTag: 'scope:experiment', onlyDependOnLibsWithTags: ['scope:core', 'scope:ingest', 'scope:audit', 'scope:registry', 'scope:trainer', 'scope:evaluator', 'scope:wasm-training'] },
            { sourceTag: 'scope:server', onlyDependOnLibsWithTags: ['scope:core', 'scope:ingest', 'scope:audit', 'scope:registry', 'scope:evaluator', 'scope:experiment'] },
            { sourceTag: 'scope:queue', onlyDependOnLibsWithTags: ['scope:core', 'scope:ingest', 'scope:audit', 'scope:registry', 'scope:trainer', 'scope:evaluator', 'scope:experiment'] },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:core'] }
          ]
        }
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  }
];
