import { describe, expect, it } from 'vitest';
import { DomainError, InvalidParameter, MissingParameter, UnknownParameter } from '@reportrun/core';
import { getCatalogReport, listCatalogReports, validateReportParameters } from '@reportrun/reports';

const interval = { interval_start: '2025-03-01T00:00:00Z', interval_end: '2025-04-01T00:00:00Z' };
const itemized = getCatalogReport('balance_change_from_activity.itemized.1');
const daily = getCatalogReport('activity.daily.1');

/** Runs validation expecting a typed 400; returns it for checks on its param and detail. */
function rejection(reportId: string, input: Record<string, unknown>): DomainError {
  try {
    validateReportParameters(getCatalogReport(reportId), input);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).status).toBe(400);
    return error as DomainError;
  }
  throw new Error('the parameters were accepted');
}

describe('the catalog', () => {
  it('holds the five reports, each with distinct column and parameter names', () => {
    expect(listCatalogReports().map((report) => report.id).toSorted()).toEqual([
      'activity.daily.1',
      'balance.summary.1',
      'balance_change_from_activity.itemized.1',
      'balance_change_from_activity.summary.1',
      'payouts.itemized.1',
    ]);
    for (const report of listCatalogReports()) {
      const columns = report.columns.map((column) => column.name);
      const parameters = report.parameters.map((parameter) => parameter.name);
      expect(new Set(columns).size, report.id).toBe(columns.length);
      expect(new Set(parameters).size, report.id).toBe(parameters.length);
      // Every report takes an interval and lets the caller choose columns.
      expect(parameters, report.id).toEqual(expect.arrayContaining(['interval_start', 'interval_end', 'columns']));
    }
  });
});

describe('validateReportParameters', () => {
  it('applies the default time zone without echoing it, and resolves links to canonical names', () => {
    const plain = validateReportParameters(daily, interval);
    expect(plain.values.timezone).toBe('Etc/UTC');
    expect(plain.normalized).toEqual({
      interval_start: '2025-03-01T00:00:00.000Z',
      interval_end: '2025-04-01T00:00:00.000Z',
    });

    const linked = validateReportParameters(daily, { ...interval, timezone: 'US/Eastern' });
    expect(linked.values.timezone).toBe('America/New_York');
    expect(linked.normalized.timezone).toBe('US/Eastern');
  });

  it('keeps the chosen columns in the order asked for', () => {
    const { values, normalized } = validateReportParameters(itemized, {
      ...interval,
      columns: ['net', 'balance_transaction_id', 'created'],
    });
    expect(values.columns).toEqual(['net', 'balance_transaction_id', 'created']);
    expect(normalized.columns).toEqual(['net', 'balance_transaction_id', 'created']);
  });

  it('lowercases a currency and accepts an allowed reporting category', () => {
    const { values } = validateReportParameters(itemized, { ...interval, currency: 'EUR', reporting_category: 'refund' });
    expect(values).toMatchObject({ currency: 'eur', reporting_category: 'refund' });
  });

  it('refuses an undeclared parameter by name', () => {
    const error = rejection('balance.summary.1', { ...interval, timezone: 'Etc/UTC' });
    expect(error).toBeInstanceOf(UnknownParameter);
    expect(error.extensions.param).toBe('report_parameters.timezone');
  });

  it('refuses a missing required parameter by name', () => {
    const error = rejection('payouts.itemized.1', { interval_start: interval.interval_start });
    expect(error).toBeInstanceOf(MissingParameter);
    expect(error.extensions.param).toBe('report_parameters.interval_end');
  });

  it.each([
    ['a number for a currency', { currency: 840 }, 'currency'],
    ['an array for a time zone', { timezone: ['Etc/UTC'] }, 'timezone'],
    ['a string for columns', { columns: 'net' }, 'columns'],
    ['an empty column list', { columns: [] }, 'columns'],
    ['a number among the columns', { columns: ['net', 7] }, 'columns'],
    ['a column asked for twice', { columns: ['net', 'net'] }, 'columns'],
    ['a reporting category outside the allowed values', { reporting_category: 'charges' }, 'reporting_category'],
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    ['a UTC offset instead of a zone name', { timezone: '+05:30' }, 'timezone'],
    ['a zone name with a space', { timezone: 'America/New York' }, 'timezone'],
    ['an interval start before the supported range', { interval_start: '1999-12-31T23:59:59Z' }, 'interval_start'],
    ['an interval end after the supported range', { interval_end: '2100-01-01T00:00:01Z' }, 'interval_end'],
  ])('refuses %s, naming the parameter', (_name, override, param) => {
    const error = rejection('activity.daily.1', { ...interval, ...override });
    expect(error).toBeInstanceOf(InvalidParameter);
    expect(error.extensions.param).toBe(`report_parameters.${param}`);
  });

  it('names the column that is not in the report, and lists the ones that are', () => {
    const error = rejection('balance_change_from_activity.summary.1', { ...interval, columns: ['currency', 'customer'] });
    expect(error.extensions.param).toBe('report_parameters.columns');
    expect(error.detail).toContain("no column 'customer'");
    expect(error.detail).toContain('reporting_category, currency, count, gross, fee, net');
  });
});
