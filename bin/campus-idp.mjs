#!/usr/bin/env node
// The operator CLI (users, admin, clients, keys): runs the TypeScript sources through tsx's loader, no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
