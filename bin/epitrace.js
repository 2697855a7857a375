#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx epitrace ...` needs no build step. src/cli/index.ts checks the Node.js
// version (package.json engines) before loading anything else.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
