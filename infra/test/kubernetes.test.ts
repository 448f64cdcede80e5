import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigMap, Secret, Service, type IContainer, type IPodSpec } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { configSchema, loadConfig } from '@reportrun/config';

const directory = fileURLToPath(new URL('../kubernetes/', import.meta.url));

// Each kind the manifests use, with the model that validates it against the Kubernetes (and
// KEDA CRD) OpenAPI schema.
const models = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
} as const;

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

const kustomization = readYaml('kustomization.yaml')[0] as unknown as { resources: string[]; images: { name: string; newTag: string }[] };
const manifests = kustomization.resources.flatMap((file) => readYaml(file));
const find = (kind: string, name: string) => {
  const manifest = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!manifest) throw new Error(`no ${kind} ${name}`);
  return manifest;
};
const podSpec = (name: string): IPodSpec => {
  const owner = find(name.endsWith('migrate') ? 'Job' : 'Deployment', name) as unknown as { spec: { template: { spec: IPodSpec } } };
  return owner.spec.template.spec;
};
const container = (name: string): IContainer => podSpec(name).containers[0]!;
const configMap = find('ConfigMap', 'reportrun-config') as unknown as { data: Record<string, string> };
const secret = find('Secret', 'reportrun-secrets') as unknown as { stringData: Record<string, string> };
const deployments = ['reportrun-api', 'reportrun-worker', 'reportrun-scheduler'];
const workloads = [...deployments, 'reportrun-migrate'];

function readYaml(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(join(directory, file), 'utf8')).map((document) => document.toJS() as Manifest);
}

function validate(manifest: Manifest): void {
  const Model = models[`${manifest.apiVersion}/${manifest.kind}` as keyof typeof models];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new (Model as new (data: unknown) => { validate(): void })(manifest).validate();
}

/** A quantity such as 512Mi in bytes (only the binary suffixes the manifests use). */
function bytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected quantity ${quantity}`);
  return Number(match[1]) * 1024 ** { Ki: 1, Mi: 2, Gi: 3 }[match[2] as 'Ki' | 'Mi' | 'Gi'];
}

describe('Kubernetes manifests (infra/kubernetes)', () => {
  it('every resource is valid under the Kubernetes and KEDA schemas', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'Deployment', 'Deployment', 'Job', 'PodDisruptionBudget', 'PodDisruptionBudget', 'ScaledObject', 'Secret', 'Service'],
    );
    for (const manifest of manifests) expect(() => validate(manifest), `${manifest.kind} ${manifest.metadata.name}`).not.toThrow();
  });

  it('the schema check catches a broken resource', () => {
    const broken = structuredClone(find('Deployment', 'reportrun-worker')) as Manifest & { spec: Record<string, unknown> };
    broken.spec.replicas = 'two';
    expect(() => validate(broken)).toThrow(/replicas/);
    const scaledObject = structuredClone(find('ScaledObject', 'reportrun-worker')) as Manifest & { spec: Record<string, unknown> };
    delete scaledObject.spec.triggers;
    expect(() => validate(scaledObject)).toThrow(/triggers/);
  });

  it('settings are a valid configuration, with credentials only in the Secret', () => {
    const config = loadConfig({ ...configMap.data, ...secret.stringData });
    expect(config.HOST).toBe('0.0.0.0');
    // Variables the processes read beside the shared schema: the worker's drain tuning.
    const readElsewhere = ['WORKER_SHUTDOWN_GRACE_MS'];
    for (const name of Object.keys({ ...configMap.data, ...secret.stringData })) {
      expect([...Object.keys(configSchema.shape), ...readElsewhere], name).toContain(name);
    }
    for (const name of Object.keys(configMap.data)) expect(name).not.toMatch(/SECRET|PASSWORD|DATABASE_URL|REDIS_URL|KEY_ID/);
    expect(Object.keys(secret.stringData).sort()).toEqual(['DATABASE_URL', 'REDIS_URL', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']);
    for (const workload of workloads) {
      expect(container(workload).envFrom).toEqual([{ configMapRef: { name: 'reportrun-config' } }, { secretRef: { name: 'reportrun-secrets' } }]);
    }
  });

  it('each workload runs its process from the one image, as a non-root user that cannot escalate', () => {
    const process = { 'reportrun-api': 'api', 'reportrun-worker': 'worker', 'reportrun-scheduler': 'scheduler', 'reportrun-migrate': 'migrate' };
    for (const workload of workloads) {
      expect(container(workload).image).toBe(kustomization.images[0]!.name);
      expect(container(workload).args).toEqual([process[workload as keyof typeof process]]);
      expect(podSpec(workload).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container(workload).securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
    expect(kustomization.images[0]!.newTag).not.toBe('latest');
  });

  it('the API, workers and scheduler have liveness and readiness probes on their listeners', () => {
    const api = container('reportrun-api');
    expect(api.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(api.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(api.ports).toEqual([{ name: 'http', containerPort: Number(configMap.data.PORT) }]);
    const worker = container('reportrun-worker');
    expect(worker.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'metrics' });
    expect(worker.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(worker.ports).toEqual([{ name: 'metrics', containerPort: Number(configMap.data.METRICS_PORT) }]);
    const scheduler = container('reportrun-scheduler');
    expect(scheduler.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'metrics' });
    expect(scheduler.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(scheduler.ports).toEqual([{ name: 'metrics', containerPort: Number(configMap.data.METRICS_PORT) }]);
    const service = find('Service', 'reportrun-api') as unknown as { spec: { selector: Record<string, string> } };
    expect(service.spec.selector).toEqual((find('Deployment', 'reportrun-api') as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels);
  });

  it('a worker gets longer to stop than its drain takes', () => {
    const drainSeconds = Number(configMap.data.WORKER_SHUTDOWN_GRACE_MS) / 1000;
    expect(podSpec('reportrun-worker').terminationGracePeriodSeconds).toBeGreaterThanOrEqual(drainSeconds + 15);
  });

  it('the API keeps serving through a drain delay on SIGTERM, and gets longer to stop than that', () => {
    const drainSeconds = Number(configMap.data.SHUTDOWN_DRAIN_DELAY_MS) / 1000;
    expect(drainSeconds).toBeGreaterThan(0);
    // The rest of the grace period is for requests in flight when the server closes.
    expect(podSpec('reportrun-api').terminationGracePeriodSeconds).toBeGreaterThanOrEqual(drainSeconds + 15);
  });

  it('memory is sized from the measured worker RSS, with margin', () => {
    // Compiled worker, measured by `pnpm bench:memory` (10,000,000 rows per run): ~94 MiB idle,
    // up to 186 MiB at the peak of one export, 294 MiB for WORKER_CONCURRENCY's four at once.
    const singlePeak = 186 * 1024 ** 2;
    const fourAtOncePeak = 294 * 1024 ** 2;
    const resources = container('reportrun-worker').resources!;
    expect(bytes(resources.requests!.memory as string)).toBeGreaterThan(singlePeak * 1.2);
    expect(bytes(resources.limits!.memory as string)).toBeGreaterThan(fourAtOncePeak * 1.5);
    expect(configMap.data.WORKER_CONCURRENCY).toBe('4');
    for (const workload of workloads) {
      const { requests, limits } = container(workload).resources!;
      expect(bytes(limits!.memory as string)).toBeGreaterThanOrEqual(bytes(requests!.memory as string));
      // No CPU limit: throttling would delay lease and lock renewals.
      expect(limits!.cpu).toBeUndefined();
    }
  });

  it('disruption budgets cover the API and workers; the scheduler runs once', () => {
    const budgets = manifests.filter((m) => m.kind === 'PodDisruptionBudget') as unknown as { spec: { selector: { matchLabels: Record<string, string> } } }[];
    const selected = budgets.map((budget) => budget.spec.selector.matchLabels['app.kubernetes.io/component']).sort();
    expect(selected).toEqual(['api', 'worker']);
    expect((find('Deployment', 'reportrun-scheduler') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(1);
  });

  it('KEDA scales workers on queue depth, one worker per WORKER_CONCURRENCY runs, within Postgres connections', () => {
    const scaledObject = find('ScaledObject', 'reportrun-worker') as unknown as {
      spec: { scaleTargetRef: { name: string }; maxReplicaCount: number; triggers: { type: string; metadata: Record<string, string> }[] };
    };
    expect(scaledObject.spec.scaleTargetRef.name).toBe('reportrun-worker');
    const [trigger] = scaledObject.spec.triggers;
    expect(trigger!.type).toBe('prometheus');
    expect(trigger!.metadata.query).toContain('reportrun_queue_jobs{state=~"waiting|active"}');
    expect(trigger!.metadata.threshold).toBe(configMap.data.WORKER_CONCURRENCY);
    // The sizing rule of docs/operations.md: each worker pod holds WORKER_CONCURRENCY + 5
    // connections (4 for run state, one per concurrent export, one to cancel statements).
    const perWorker = Number(configMap.data.WORKER_CONCURRENCY) + 5;
    expect(scaledObject.spec.maxReplicaCount * perWorker).toBeLessThanOrEqual(150);
  });
});
