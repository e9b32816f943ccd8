#!/usr/bin/env node
// Runs the TypeScript server directly (tsx's loader, one process), so `npm start` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
