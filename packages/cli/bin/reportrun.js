#!/usr/bin/env node
// The compiled build when there is one (`pnpm build`); in a checkout without it, the TypeScript
// source, which Node runs directly (type stripping, Node >= 22.18). The source imports nothing
// but Node's own modules at run time, so it needs no build step of its dependencies either.
const { existsSync } = await import('node:fs');
const compiled = new URL('../dist/main.js', import.meta.url);
await import(existsSync(compiled) ? compiled.href : new URL('../src/main.ts', import.meta.url).href);
