import { describe, expect, it } from 'vitest';
import { problemCatalog } from '@reportrun/core';
import * as database from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import { inProcessApi } from './api-fixtures.ts';

const fixture = useTestFixture({ database, team: 'Docs team', api: inProcessApi });
const get = (path: string, headers: Record<string, string> = {}) => fetch(new URL(path, fixture.api.url), { headers });

describe('documentation served by the API', () => {
  it('/docs renders /openapi.json with a Redoc bundle served from the API itself, without a key', async () => {
    const response = await get('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('spec-url="/openapi.json"');
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]!);
    // Only same-origin scripts: the page works on a machine without internet access.
    expect(scripts).toEqual(['/docs/redoc.standalone.js']);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);

    const bundle = await get(scripts[0]!);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    const code = await bundle.text();
    expect(code.length).toBeGreaterThan(1_000_000);
    expect(code).toContain('Redoc');
  });

  it('every error code has a page saying what happened and what to do, and the index links them all', async () => {
    const index = await (await get('/docs/errors')).text();
    for (const [code, entry] of Object.entries(problemCatalog)) {
      expect(index, code).toContain(`href="/docs/errors/${code}"`);
      const page = await get(`/docs/errors/${code}`);
      expect(page.status, code).toBe(200);
      const html = await page.text();
      expect(html).toContain(`<code>${code}</code>`);
      expect(html).toContain('What to do');
      expect(html).toContain(entry.title.replaceAll("'", '&#39;'));
    }
  });

  it('a problem’s type resolves, against the address the client used, to the page of its code', async () => {
    const unauthenticated = await get('/v2/reporting/report_runs');
    expect(unauthenticated.status).toBe(401);
    const problem = (await unauthenticated.json()) as { type: string; code: string };
    expect(problem.type).toBe(`/docs/errors/${problem.code}`);
    const page = await get(problem.type);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<code>${problem.code}</code>`);

    const missing = await get('/v2/reporting/report_runs/reprun_00000000000000000000000000', {
      authorization: `Bearer ${fixture.apiKey}`,
    });
    const notFound = (await missing.json()) as { type: string; code: string };
    expect(notFound.code).toBe('report_run_not_found');
    expect((await get(notFound.type)).status).toBe(200);
  });

  it('an unknown code has no page: a problem+json 404, not an empty page', async () => {
    const response = await get('/docs/errors/not_a_code');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
