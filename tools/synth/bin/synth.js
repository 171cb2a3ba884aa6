#!/usr/bin/env node
// Runs from TypeScript sources through tsx, like the leakproof CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
