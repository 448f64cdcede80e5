import { expect } from 'vitest';
import type { ReportRunResource } from '@reportrun/core';
import { appDirectory } from '@reportrun/testing';

/** Where each service's entry point lives; tests start them as real processes. */
export const serviceDirectory = {
  api: appDirectory('api'),
  worker: appDirectory('worker'),
  scheduler: appDirectory('scheduler'),
};

export const itemizedReport = 'balance_change_from_activity.itemized.1';
/** The whole seeded ledger, as the API receives it and as it stores it. */
export const wholeLedger = { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' };
export const wholeLedgerNormalized = {
  interval_start: '2025-01-01T00:00:00.000Z',
  interval_end: '2026-01-01T00:00:00.000Z',
};

export interface ApiClient {
  createRun(): Promise<ReportRunResource>;
  getRun(id: string): Promise<ReportRunResource>;
}

export function apiClient(baseUrl: string, apiKey: string): ApiClient {
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  return {
    async createRun() {
      const response = await fetch(`${baseUrl}/v2/reporting/report_runs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ report: itemizedReport, report_parameters: wholeLedger }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as ReportRunResource;
    },
    async getRun(id) {
      const response = await fetch(`${baseUrl}/v2/reporting/report_runs/${id}`, { headers });
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as ReportRunResource;
    },
  };
}

export const ended = (run: { status: string }) => run.status !== 'running';

export { lockLedger } from '@reportrun/testing';
