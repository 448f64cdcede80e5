import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { spawnService } from '@reportrun/testing';

it('an error no listener took fails only the run it came from, and the process lives on', async () => {
  // A child process: the guard replaces the process-wide handlers, which the test runner owns here.
  const fixture = spawnService('test/fixtures/escaped-error.ts', {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {},
  });
  const [, line] = await fixture.waitForOutput(/^(\{.*\})$/m);
  await fixture.stop();
  expect(JSON.parse(line!)).toEqual({
    first: { kind: 'fault', message: 'Connection terminated' },
    second: { kind: 'fault', message: 'nobody awaited this' },
  });
  expect(fixture.child.exitCode ?? 0).toBe(0);
});
