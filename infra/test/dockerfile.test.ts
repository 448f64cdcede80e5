import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@reportrun/config';
import { declaredVariables, parseDockerfile, type Stage } from './dockerfile.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const stages = parseDockerfile(join(repo, 'infra/Dockerfile'));
const runtime = stages.at(-1)!;
const entrypointScript = readFileSync(join(repo, 'infra/docker-entrypoint.sh'), 'utf8');

const argsOf = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const stageNames = new Set(stages.map((stage) => stage.name));

describe('the image (infra/Dockerfile)', () => {
  it('builds on an exact Node 24 slim release, never a moving tag', () => {
    const external = stages.filter((stage) => !stageNames.has(stage.image));
    expect(external.length).toBeGreaterThan(0);
    for (const stage of external) {
      expect(stage.image).toMatch(/^node:24\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/);
    }
    // Build and runtime share one base, so what compiled is what runs.
    expect(new Set(external.map((stage) => stage.image)).size).toBe(1);
  });

  it('runs as a non-root user, given by number so Kubernetes can verify runAsNonRoot', () => {
    const users = argsOf(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const [user, group] = users.at(-1)!.split(':');
    expect(user).toMatch(/^[1-9]\d*$/);
    if (group !== undefined) expect(group).toMatch(/^[1-9]\d*$/);
    // Nothing after USER runs as root again.
    const lastUser = runtime.instructions.findLastIndex((i) => i.keyword === 'USER');
    expect(runtime.instructions.slice(lastUser + 1).filter((i) => i.keyword === 'RUN')).toEqual([]);
  });

  it('ships production dependencies and compiled output only', () => {
    const build = stages.find((stage) => stage.name === 'build')!;
    const installs = argsOf(build, 'RUN').flatMap((run) => run.split('&&')).map((step) => step.trim()).filter((step) => /^pnpm install\b/.test(step));
    // The full install (with dev tools) compiles; the tree the image gets is installed --prod.
    const prodInstall = installs.find((step) => step.includes('--prod'));
    expect(prodInstall).toBeDefined();
    expect(prodInstall).toContain('--frozen-lockfile');
    // The runtime stage installs nothing and takes the build context from nowhere: only the
    // laid-out tree and the entry-point script.
    expect(argsOf(runtime, 'RUN')).toEqual([]);
    const copies = argsOf(runtime, 'COPY');
    expect(copies).toEqual(['--from=build /out /app', 'infra/docker-entrypoint.sh /usr/local/bin/reportrun']);
    // What goes into /out: manifests, dist/, the lockfile and the SQL migrations; no src/.
    const layout = argsOf(build, 'RUN').find((run) => run.includes('mkdir /out'))!;
    const copied = [...layout.matchAll(/cp (?:-r )?(.+?) (?:"?\/out)/g)].map((match) => match[1]);
    expect(copied).toEqual(['package.json pnpm-lock.yaml pnpm-workspace.yaml', 'prisma', '"$dir/package.json"', '"$dir/dist"']);
    expect(runtime.instructions.find((i) => i.keyword === 'ENV')?.args).toMatch(/NODE_ENV=production/);
    const ignored = readFileSync(join(repo, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git', '.env']));
  });

  it('bakes in no secret: no secret-like ENV or ARG, no credentials in any value', () => {
    const declared = stages.flatMap((stage) => stage.instructions.flatMap(declaredVariables));
    expect(declared).toEqual(expect.arrayContaining(['NODE_ENV', 'HOST']));
    for (const name of declared) expect(name).not.toMatch(/SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|ACCESS_KEY|PRIVATE|CREDENTIAL|DATABASE_URL|REDIS_URL/i);
    const text = stages.flatMap((stage) => stage.instructions.map((i) => i.args)).join('\n');
    expect(text).not.toMatch(/\w+:\/\/[^\s/:@]+:[^\s/@]+@/); // user:password@host
  });

  it('uses the pnpm that package.json declares', () => {
    const packageManager = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { packageManager: string }).packageManager;
    expect(argsOf(stages[0]!, 'RUN')[0]).toBe(`npm install --global ${packageManager}`);
  });

  it('listens on every interface in a container while a workstation keeps loopback', () => {
    expect(runtime.instructions.find((i) => i.keyword === 'ENV')?.args).toMatch(/\bHOST=0\.0\.0\.0\b/);
    expect(loadConfig({}).HOST).toBe('127.0.0.1');
  });

  it('starts api, worker, scheduler or migrate from compiled JavaScript that exists', () => {
    expect(argsOf(runtime, 'ENTRYPOINT')).toEqual(['["/usr/local/bin/reportrun"]']);
    expect(argsOf(runtime, 'CMD')).toEqual(['["api"]']);
    // Environment settings and Node's own options may come before the file (the worker's memory settings).
    const arms = [...entrypointScript.matchAll(/^\s+(\w+)\) cd \/app\/(\S+) && exec (?:env (?:[A-Z_]+=\S+ )+)?node (?:--\S+ )*(\S+) ;;$/gm)].map((match) => ({
      name: match[1]!,
      directory: match[2]!,
      file: match[3]!,
    }));
    expect(arms.map((arm) => arm.name)).toEqual(['api', 'worker', 'scheduler', 'migrate']);
    for (const arm of arms) {
      // The source the entry point is compiled from, and (turbo builds these packages before
      // this test) the compiled file itself.
      const source = arm.file.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
      expect(existsSync(join(repo, arm.directory, source)), `${arm.directory}/${source}`).toBe(true);
      expect(existsSync(join(repo, arm.directory, arm.file)), `${arm.directory}/${arm.file} (run pnpm build)`).toBe(true);
      // Each lands in the image: /out keeps every workspace package's dist/.
      expect(arm.directory).toMatch(/^(apps|packages)\//);
    }
  });

  it('starts the worker with the same memory settings in the image, the fleet unit and pnpm start', () => {
    const image = /^\s+worker\) cd \S+ && exec env ((?:[A-Z_]+=\S+ )+)node ((?:--\S+ )*)dist\/main\.js ;;$/m.exec(entrypointScript);
    expect(image, 'the entry point starts the worker as `exec env … node … dist/main.js`').not.toBeNull();
    const settings = image![1]!.trim().split(' ');
    const nodeFlags = image![2]!.trim();
    expect(settings).toEqual(expect.arrayContaining([expect.stringMatching(/^MALLOC_ARENA_MAX=\d+$/)]));

    const unit = readFileSync(join(repo, 'infra/fleet/reportrun-worker@.service'), 'utf8');
    const unitSettings = [...unit.matchAll(/^Environment=(.*)$/gm)].flatMap((match) => match[1]!.split(' '));
    expect(unitSettings).toEqual(expect.arrayContaining(settings));
    expect(unit).toMatch(new RegExp(`^ExecStart=/usr/bin/env node ${nodeFlags} dist/main\\.js$`, 'm'));

    const { scripts } = JSON.parse(readFileSync(join(repo, 'apps/worker/package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(`env ${settings.join(' ')} node ${nodeFlags} dist/main.js`);
  });
});
