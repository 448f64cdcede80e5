import { createHash } from 'node:crypto';
import { apiPaths, reportRunSchema, type ReportRunResource } from '@reportrun/core';
import type { ReportRun } from '@reportrun/db';
import { z } from 'zod';
import type { ApiDependencies } from '../dependencies.ts';
import { principalOf } from '../http/auth.ts';
import { openEventStream } from '../http/event-stream.ts';
import { defineEventStreamRoute } from '../http/route.ts';
import { renderReportRun } from '@reportrun/status';
import { reportingProblems } from './problem-tables.ts';
import { findRunOrThrow } from './run-actions.ts';

/**
 * An event's id names the state it carries, not its place in a sequence: the stream is the
 * run's latest state, not a log. A client reconnecting with `Last-Event-ID` is sent the current
 * state only when it differs from the one it already has. The download URL is left out: it is
 * signed afresh each time and says nothing about the run's state.
 */
function stateIdOf(resource: ReportRunResource): string {
  const file = resource.result?.file;
  const stable = file ? { ...resource, result: { ...resource.result, file: { ...file, download_url: null } } } : resource;
  return createHash('sha256').update(JSON.stringify(stable)).digest('base64url').slice(0, 22);
}

function resourceOf(deps: ApiDependencies, run: ReportRun): Promise<ReportRunResource> {
  return renderReportRun(deps.storageZones, run, deps.config.DOWNLOAD_URL_TTL_SECONDS);
}

export const reportRunEventsRoute = defineEventStreamRoute({
  method: 'get',
  path: apiPaths.reportRunEvents,
  operationId: 'streamReportRunEvents',
  summary: 'Stream a report run as server-sent events until it ends',
  params: z.object({ id: z.string() }),
  headers: z.object({
    'last-event-id': z.string().optional().openapi({
      description: 'The id of the last event received; its state is not sent again on reconnect.',
    }),
  }),
  events: {
    description:
      'A `text/event-stream`. Each `report_run` event carries the run (as GET returns it) whenever it changes: ' +
      'status, `status_details.stage`, `rows` and `bytes` while it runs. The first event is the run as it is now. ' +
      'After the event that shows the run ended (succeeded, failed or canceled) the server closes the stream. ' +
      'A `: heartbeat` comment comes every 15 s by default.',
    schema: reportRunSchema,
  },
  problems: reportingProblems,
  async handler({ params: { id }, request, reply, deps }) {
    // Before the stream opens, so another team's run is a plain 404 problem.
    const run = await findRunOrThrow(deps, principalOf(request), id);
    const stream = openEventStream(reply, {
      heartbeatMs: deps.config.EVENTS_HEARTBEAT_SECONDS * 1000,
      retryMs: deps.config.EVENTS_POLL_INTERVAL_MS,
    });
    let lastSent = request.get('last-event-id');
    // Renders run by run in order: signing is quick, but a later poll must not overtake it.
    let sending = Promise.resolve();
    const publish = (current: ReportRun | null) => {
      sending = sending.then(async () => {
        if (stream.closed) return;
        if (!current) return stream.end();
        const resource = await resourceOf(deps, current);
        const stateId = stateIdOf(resource);
        if (stateId !== lastSent) {
          stream.send({ id: stateId, event: 'report_run', data: resource });
          lastSent = stateId;
        }
        if (resource.status !== 'running') stream.end();
      }).catch((error: unknown) => {
        deps.logger.warn({ err: error, runId: id }, 'event stream failed');
        stream.end();
      });
    };
    publish(run);
    if (run.status !== 'running') return;
    const unwatch = deps.runWatcher.watch(id, publish);
    stream.onClose(unwatch);
  },
});
