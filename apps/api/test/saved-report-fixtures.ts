import { expect } from 'vitest';
import type { SavedReportResource } from '@reportrun/core';

/** A tiny HTTP client for one API key. */
export function savedReportsClient(baseUrl: string, apiKey: string) {
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return {
    request,
    create: (body: unknown, headers?: Record<string, string>) =>
      request('POST', '/v1/reports/saved', body, headers),
    list: (query = '') => request('GET', `/v1/reports/saved${query}`),
    get: (id: string) => request('GET', `/v1/reports/saved/${encodeURIComponent(id)}`),
    update: (id: string, body: unknown) =>
      request('PATCH', `/v1/reports/saved/${encodeURIComponent(id)}`, body),
    remove: (id: string) => request('DELETE', `/v1/reports/saved/${encodeURIComponent(id)}`),
    run: (id: string) => request('POST', `/v1/reports/saved/${encodeURIComponent(id)}/run`),
    export: (id: string, body?: unknown) =>
      request('POST', `/v1/reports/saved/${encodeURIComponent(id)}/export`, body),
    /** Creates a saved report and returns it, failing the test on anything but 201. */
    async save(name: string, query: unknown): Promise<SavedReportResource> {
      const response = await request('POST', '/v1/reports/saved', { name, query });
      const text = await response.text();
      expect(response.status, text).toBe(201);
      return JSON.parse(text) as SavedReportResource;
    },
  };
}

export async function json<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/**
 * An RFC 4180 parser written for the tests (CRLF or LF line ends, quoted fields with doubled
 * quotes and embedded line breaks). Unquoted empty fields come back as null, quoted `""` as
 * the empty string, so NULL and '' stay apart as `COPY` writes them.
 */
export function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  let i = 0;
  const endField = () => {
    row.push(field === '' && !wasQuoted ? null : field);
    field = '';
    wasQuoted = false;
  };
  while (i < text.length) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (char === '"') {
        quoted = false;
        i += 1;
        continue;
      }
      field += char;
      i += 1;
      continue;
    }
    if (char === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (char === ',') {
      endField();
    } else if (char === '\r' && text[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i += 1;
    } else if (char === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else {
      field += char;
    }
    i += 1;
  }
  if (field !== '' || wasQuoted || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

/** The OWASP rule, restated independently of the code under test. */
export function expectedCsvText(value: string): string {
  return ['=', '+', '-', '@', '\t', '\r'].includes(value.charAt(0)) ? `'${value}` : value;
}

/** A query over the whole ledger year unless overridden. */
export function ledgerQuery(overrides: Record<string, unknown> = {}) {
  return {
    dataset: 'balance_transactions',
    time_range: { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    ...overrides,
  };
}
