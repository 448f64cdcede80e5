#!/usr/bin/env node
// The compiled build when there is one (`pnpm build`) and no source file is newer than it; in a
// checkout without a build, or with a stale one, the TypeScript source, which Node runs directly
// (type stripping, Node >= 22.18). The source imports nothing but Node's own modules at run
// time, so it needs no build step of its dependencies either.
const { existsSync, readdirSync, statSync } = await import('node:fs');
const compiled = new URL('../dist/main.js', import.meta.url);
const source = new URL('../src/', import.meta.url);
const newestSource = () =>
  readdirSync(source, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((newest, entry) => Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs), 0);
const useCompiled = existsSync(compiled) && (!existsSync(source) || newestSource() <= statSync(compiled).mtimeMs);
await import(useCompiled ? compiled.href : new URL('main.ts', source).href);
