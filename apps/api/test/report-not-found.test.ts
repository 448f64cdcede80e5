import { describe, expect, it } from 'vitest';
import { ReportNotFound } from '@reportrun/core';
import { toProblem } from '../src/http/problem.ts';

/** One error for a missing report; how the request met it decides what the caller is told. */
describe('a report that does not exist', () => {
  it('named in a create body is a 400 on `report`, pointing to the list it can be chosen from', () => {
    const catalog = toProblem(
      new ReportNotFound('nope.1', 'catalog', 'parameter'),
      '/v2/reporting/report_runs',
    );
    expect(catalog).toMatchObject({ status: 400, code: 'report_not_found', param: 'report' });
    expect(catalog.detail).toContain('GET /v2/reporting/reports');
    const saved = toProblem(
      new ReportNotFound('report_x', 'saved', 'parameter'),
      '/v2/reporting/report_runs',
    );
    expect(saved.detail).toContain('GET /v1/reports/saved');
  });

  it('read as a resource is a 404 without a parameter', () => {
    const problem = toProblem(
      new ReportNotFound('nope.1', 'catalog', 'resource'),
      '/v2/reporting/reports/nope.1',
    );
    expect(problem).toMatchObject({ status: 404, code: 'report_not_found' });
    expect(problem).not.toHaveProperty('param');
  });

  it("that a run runs says it is gone, and becomes the body's parameter error when a request named it", () => {
    const gone = new ReportNotFound('report_x', 'saved', 'run');
    expect(gone).toMatchObject({
      status: 404,
      code: 'report_not_found',
      detail: "The saved report 'report_x' was deleted.",
    });
    expect(gone.asParameter()).toMatchObject({
      status: 400,
      code: 'report_not_found',
      extensions: { param: 'report' },
    });
  });
});
