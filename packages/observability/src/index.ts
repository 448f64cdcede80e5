export {
  createMetrics,
  metricsContentType,
  queueStates,
  type MetricsOptions,
  type QueueCounts,
  type QueueState,
  type ReportRunMetrics,
  type RunOutcome,
} from './metrics.ts';
export { createReadiness, type Readiness, type ReadinessChecks, type ReadinessReport } from './readiness.ts';
export {
  startProbeListener,
  sendMetrics,
  metricsPath,
  type ProbeListener,
  type ProbeListenerOptions,
} from './probe-listener.ts';
