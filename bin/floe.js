#!/usr/bin/env node
// The `floe` command. Floe runs its TypeScript sources directly through tsx: no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
