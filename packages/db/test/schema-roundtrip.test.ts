import { describe, expect, it } from 'vitest';
import { createDatabase } from '@reportrun/db';
import { Prisma, ReportRunStatus, ScheduleRunMode, ScheduleSlotState, WebhookDeliveryStatus } from '../src/generated/prisma/client.ts';
import { useTestFixture } from '@reportrun/testing';

const fixture = useTestFixture({ database: { createDatabase } });

/**
 * The generated client's view of the schema: which tables and columns its queries will name.
 * Prisma 7's generator no longer exports `Prisma.dmmf`, so this reads the model the client
 * instance itself runs on, and checks its shape so a Prisma upgrade fails loudly here.
 */
interface RuntimeField {
  name: string;
  kind: string;
  type: string;
  dbName?: string | null;
}
interface RuntimeModel {
  fields: RuntimeField[];
  dbName: string | null;
  schema: string | null;
}

function runtimeModels(): Record<string, RuntimeModel> {
  const dataModel: unknown = Reflect.get(fixture.db.prisma, '_runtimeDataModel');
  const models: unknown =
    typeof dataModel === 'object' && dataModel !== null ? Reflect.get(dataModel, 'models') : null;
  if (typeof models !== 'object' || models === null) {
    throw new Error('the generated client no longer exposes its runtime data model');
  }
  for (const model of Object.values(models)) {
    const fields: unknown = typeof model === 'object' && model !== null ? Reflect.get(model, 'fields') : null;
    const named = (field: unknown) =>
      typeof field === 'object' && field !== null && typeof Reflect.get(field, 'name') === 'string';
    if (!Array.isArray(fields) || !(fields as unknown[]).every(named)) {
      throw new Error('the runtime data model changed shape');
    }
  }
  return models as Record<string, RuntimeModel>;
}

/** Fields that are columns (not relation fields), each with the column name it maps to. */
/**
 * The schema's list fields (Postgres arrays). The client's runtime model does not say which
 * fields are lists, so they are named here; a new one fails the type check below until it is.
 */
const listFields = new Set(['WebhookEndpoint.enabledEvents']);

/** Pairs of nullable columns of which a row holds exactly one (a CHECK in the migration). */
const oneOfTwoColumns: Partial<Record<string, string[]>> = { Event: ['run_id', 'slot_id'] };

function columnFields(modelName: string, model: RuntimeModel): { field: string; column: string; type: string; kind: string; isList: boolean }[] {
  return model.fields
    .filter((field) => field.kind === 'scalar' || field.kind === 'enum')
    .map((field) => ({
      field: field.name,
      column: field.dbName ?? field.name,
      type: field.type,
      kind: field.kind,
      isList: listFields.has(`${modelName}.${field.name}`),
    }));
}

/**
 * Every scalar field of a model, all required: a field added to schema.prisma (and generated)
 * but not given a value below is a type error, so no column escapes the round trip.
 */
type AllScalars<Input, Fields> = Required<Pick<Input, keyof Fields & keyof Input>>;

// Values differ from every schema default, use full millisecond precision, exceed 2^53 for
// BigInt, and give Json each of its shapes, so a lossy column type cannot pass unnoticed.
const team: AllScalars<Prisma.TeamUncheckedCreateInput, typeof Prisma.TeamScalarFieldEnum> = {
  id: 'team_roundtrip',
  name: 'Ünïcode "team", with\nnewline',
  createdAt: new Date('2021-02-03T04:05:06.789Z'),
  // A zone is a row of its own that names the team (foreign keys both ways); the storage-zone
  // tests cover a team pointing at one.
  storageZoneId: null,
};

const storageZone: AllScalars<Prisma.StorageZoneUncheckedCreateInput, typeof Prisma.StorageZoneScalarFieldEnum> = {
  id: 'zone_roundtrip',
  teamId: team.id,
  name: 'EU "primary" — Ω',
  endpoint: 'https://s3.eu-central-1.example.com:8443/path?x=1',
  publicEndpoint: 'https://downloads.example.eu',
  bucket: 'reports-eu.bucket',
  region: 'eu-central-1',
  credentialsRef: 'EU_PRIMARY_2',
  createdAt: new Date('2021-02-03T04:05:06.790Z'),
};

const apiKey: AllScalars<Prisma.ApiKeyUncheckedCreateInput, typeof Prisma.ApiKeyScalarFieldEnum> = {
  id: 'key_roundtrip',
  teamId: team.id,
  name: 'ci key',
  livemode: true,
  secretHash: 'a'.repeat(64),
  redacted: 'rr_live_abcd…wxyz',
  createdAt: new Date('2021-03-04T05:06:07.891Z'),
  lastUsedAt: new Date('2022-04-05T06:07:08.912Z'),
  revokedAt: new Date('2023-05-06T07:08:09.123Z'),
};

const report: AllScalars<Prisma.ReportUncheckedCreateInput, typeof Prisma.ReportScalarFieldEnum> = {
  id: 'report_roundtrip',
  teamId: team.id,
  livemode: true,
  name: 'Weekly balance',
  definition: {
    dataset: 'balance_transactions',
    columns: ['id', 'amount', { expr: 'net', alias: 'Net €' }],
    filters: { currency: null, nested: { deep: [1, -2.5, true, false, ''] } },
    note: 'quote " backslash \\ emoji 🚀',
  },
  createdAt: new Date('2021-06-07T08:09:10.234Z'),
  updatedAt: new Date('2021-06-08T08:09:10.345Z'),
};

const reportRun: AllScalars<Prisma.ReportRunUncheckedCreateInput, typeof Prisma.ReportRunScalarFieldEnum> = {
  id: 'reprun_roundtrip',
  teamId: team.id,
  livemode: true,
  reportId: 'balance.summary.1',
  reportName: 'Balance summary',
  reportParameters: { interval_start: '2025-01-01T00:00:00Z', columns: ['a', 'b'], timezone: 'Asia/Tokyo' },
  resultOptions: ['compress_file', { compress_file: true }],
  status: ReportRunStatus.failed,
  statusDetails: { code: 'query_timeout', message: 'took "too" long', retryable: true },
  createdAt: new Date('2024-01-02T03:04:05.678Z'),
  createdBy: 'key_roundtrip',
  activeAt: new Date('2024-01-02T03:04:06.001Z'),
  succeededAt: new Date('2024-01-02T03:04:07.002Z'),
  failedAt: new Date('2024-01-02T03:04:08.003Z'),
  canceledAt: new Date('2024-01-02T03:04:09.004Z'),
  canceledBy: 'user_someone',
  timeoutSeconds: 2_147_483_647,
  attempts: 7,
  scheduleId: 'sched_roundtrip',
  sourceRunId: 'reprun_source',
  isRead: true,
  readAt: new Date('2024-01-03T00:00:00.005Z'),
  idempotencyKey: 'idem-Ω-1',
  fileContentType: 'zip',
  fileSize: 9_007_199_254_740_993n,
  fileRows: 9_223_372_036_854_775_807n,
  fileObjectKey: 'team_roundtrip/reprun_roundtrip/report.zip',
  fileExpiresAt: new Date('2024-01-10T00:00:00.006Z'),
  requeueCount: 2,
  requeuedAt: new Date('2024-01-02T00:00:00.008Z'),
  leaseOwner: 'worker-host:4242:0a1b2c3d',
  leaseAttempt: 2,
  leaseExpiresAt: new Date('2024-01-03T00:00:30.007Z'),
  crashCount: 1,
  // A slot is a row of its own (foreign key); the schedule tests cover runs made by one.
  slotId: null,
  threadId: '0b7e5d3c-1f2a-4b6c-8d9e-0a1b2c3d4e5f',
  isSourceRun: true,
  // A member is a row of its own (foreign key); the member tests cover runs made for one.
  userId: null,
  dataScope: { currency: ['eur', 'usd'], customer: [] },
  summary: '3 rows, 1.2 kB; net eur 10.00',
  storageZoneId: storageZone.id,
};

const idempotencyKey: AllScalars<
  Prisma.IdempotencyKeyUncheckedCreateInput,
  typeof Prisma.IdempotencyKeyScalarFieldEnum
> = {
  teamId: team.id,
  livemode: true,
  key: 'idem-Ω-1',
  requestMethod: 'POST',
  requestPath: '/v2/reporting/report_runs',
  requestHash: 'c'.repeat(64),
  lockedBy: 'req_roundtrip',
  lockedAt: new Date('2024-01-02T03:04:05.111Z'),
  responseStatus: 409,
  responseBody: '{"error":{"message":"quote \\" and\\nnewline"}}\n',
  createdAt: new Date('2024-01-02T03:04:05.222Z'),
  completedAt: new Date('2024-01-02T03:04:05.333Z'),
};

const balanceTransaction: AllScalars<
  Prisma.BalanceTransactionUncheckedCreateInput,
  typeof Prisma.BalanceTransactionScalarFieldEnum
> = {
  id: 'txn_roundtrip',
  created: new Date('2025-05-06T07:08:09.010Z'),
  availableOn: new Date('2025-05-08T07:08:09.010Z'),
  currency: 'eur',
  amount: -9_007_199_254_740_993n,
  fee: 9_007_199_254_740_993n,
  net: -18_014_398_509_481_986n,
  type: 'refund',
  reportingCategory: 'refund',
  customer: 'cus_000042',
  description: '=SUM(A1), "quoted"\r\nCrème 日本語',
  status: 'pending',
};

const payout: AllScalars<Prisma.PayoutUncheckedCreateInput, typeof Prisma.PayoutScalarFieldEnum> = {
  id: 'po_roundtrip',
  balanceTransactionId: 'txn_roundtrip',
  amount: 9_007_199_254_740_993n,
  currency: 'jpy',
  arrivalDate: new Date('2025-05-08T00:00:00.000Z'),
  status: 'in_transit',
  method: 'instant',
  destination: 'ba_Ω_"quoted"',
};

const datasetFreshness: AllScalars<
  Prisma.DatasetFreshnessUncheckedCreateInput,
  typeof Prisma.DatasetFreshnessScalarFieldEnum
> = {
  dataset: 'roundtrip_dataset',
  materializedAt: new Date('2025-12-31T23:59:59.999Z'),
};

const member: AllScalars<Prisma.MemberUncheckedCreateInput, typeof Prisma.MemberScalarFieldEnum> = {
  id: '6f1c2a3b-4d5e-4f60-8172-839405a6b7c8',
  teamId: team.id,
  email: 'Ada.O\'Neil+reports@example.com',
  dataScope: { currency: ['eur'], customer: ['cus_1', 'cus_2'] },
  createdAt: new Date('2024-01-02T00:00:00.001Z'),
  updatedAt: new Date('2024-01-02T00:00:00.002Z'),
};

const schedule: AllScalars<Prisma.ScheduleUncheckedCreateInput, typeof Prisma.ScheduleScalarFieldEnum> = {
  id: '7a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
  organizationId: team.id,
  livemode: true,
  commandId: '8b3c4d5e-6f7a-4b9c-8d1e-2f3a4b5c6d7e',
  cronExpression: '30 1 * * 1-5',
  timezone: 'Australia/Lord_Howe',
  nextRunTime: new Date('2024-01-03T14:00:00.003Z'),
  lastRunTime: new Date('2024-01-02T14:00:00.004Z'),
  createdAt: new Date('2024-01-01T00:00:00.005Z'),
  updatedAt: new Date('2024-01-01T00:00:00.006Z'),
  enabled: false,
  name: 'Weekday ledger — "quoted"',
  runMode: ScheduleRunMode.once_and_distribute,
  createdByUserId: member.id,
  misfireGraceSeconds: 86_400,
  deletedAt: new Date('2024-01-04T00:00:00.007Z'),
};

const scheduleSubscriber: AllScalars<
  Prisma.ScheduleSubscriberUncheckedCreateInput,
  typeof Prisma.ScheduleSubscriberScalarFieldEnum
> = { scheduleId: schedule.id, userId: member.id };

const scheduleSlot: AllScalars<Prisma.ScheduleSlotUncheckedCreateInput, typeof Prisma.ScheduleSlotScalarFieldEnum> = {
  id: '9c4d5e6f-7a8b-4c0d-9e2f-3a4b5c6d7e8f',
  scheduleId: schedule.id,
  scheduledAt: new Date('2024-01-02T14:00:00.008Z'),
  state: ScheduleSlotState.missed,
  kind: 'catch_up',
  threadId: '0d5e6f7a-8b9c-4d1e-8f3a-4b5c6d7e8f90',
  recordedAt: new Date('2024-01-02T14:00:01.009Z'),
};

const runReadReceipt: AllScalars<Prisma.RunReadReceiptUncheckedCreateInput, typeof Prisma.RunReadReceiptScalarFieldEnum> = {
  runId: reportRun.id,
  userId: member.id,
  readAt: new Date('2024-01-05T00:00:00.010Z'),
};

const event: AllScalars<Prisma.EventUncheckedCreateInput, typeof Prisma.EventScalarFieldEnum> = {
  id: 'evt_roundtrip',
  teamId: team.id,
  livemode: true,
  type: 'report_run.failed',
  runId: reportRun.id,
  // An event is about a run or a schedule slot, never both (a CHECK); the update swaps them.
  slotId: null,
  createdAt: new Date('2024-01-06T00:00:00.011Z'),
};

const webhookEndpoint: AllScalars<Prisma.WebhookEndpointUncheckedCreateInput, typeof Prisma.WebhookEndpointScalarFieldEnum> = {
  id: 'we_roundtrip',
  teamId: team.id,
  livemode: true,
  url: 'https://hooks.example.com/ünï?q="1"&r=2',
  description: 'Quote " and\nnewline',
  enabledEvents: ['report_run.succeeded', '*', 'Ω "odd"'],
  secret: `whsec_${'s'.repeat(32)}`,
  createdAt: new Date('2024-01-06T00:00:00.012Z'),
  updatedAt: new Date('2024-01-06T00:00:00.013Z'),
};

const webhookDelivery: AllScalars<Prisma.WebhookDeliveryUncheckedCreateInput, typeof Prisma.WebhookDeliveryScalarFieldEnum> = {
  id: '1f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c',
  eventId: event.id,
  endpointId: webhookEndpoint.id,
  status: WebhookDeliveryStatus.failed,
  attempts: 2_147_483_647,
  nextAttemptAt: new Date('2024-01-06T00:00:00.014Z'),
  claimedBy: 'scheduler-host:4242:0a1b',
  startedAt: new Date('2024-01-06T00:00:00.015Z'),
  createdAt: new Date('2024-01-06T00:00:00.016Z'),
  updatedAt: new Date('2024-01-06T00:00:00.017Z'),
};

const webhookDeliveryAttempt: AllScalars<
  Prisma.WebhookDeliveryAttemptUncheckedCreateInput,
  typeof Prisma.WebhookDeliveryAttemptScalarFieldEnum
> = {
  id: 9_007_199_254_740_993n,
  deliveryId: webhookDelivery.id,
  attempt: 3,
  statusCode: 503,
  error: 'timeout after "10 s"\r\n',
  attemptedAt: new Date('2024-01-06T00:00:00.018Z'),
  durationMs: 2_147_483_647,
  nextRetryAt: new Date('2024-01-06T00:00:00.019Z'),
};

interface RoundTrip {
  model: Prisma.ModelName;
  data: Record<string, unknown>;
  /** Every field but the key and owning team changed; nullable ones set to null, proving they are. */
  changes: Record<string, unknown>;
  create(): Promise<unknown>;
  read(): Promise<unknown>;
  update(): Promise<unknown>;
}

const later = new Date('2030-01-01T00:00:00.001Z');

const roundTrips: RoundTrip[] = [
  (() => {
    const changes = { name: 'Renamed', createdAt: later, storageZoneId: null } satisfies Prisma.TeamUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.Team,
      data: team,
      changes,
      create: () => fixture.db.prisma.team.create({ data: team }),
      read: () => fixture.db.prisma.team.findUnique({ where: { id: team.id } }),
      update: () => fixture.db.prisma.team.update({ where: { id: team.id }, data: changes }),
    };
  })(),
  (() => {
    const changes = {
      name: 'Renamed zone',
      endpoint: 'http://127.0.0.1:9000',
      publicEndpoint: null,
      bucket: 'other',
      region: 'us-east-1',
      credentialsRef: 'US',
      createdAt: later,
    } satisfies Prisma.StorageZoneUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.StorageZone,
      data: storageZone,
      changes,
      create: () => fixture.db.prisma.storageZone.create({ data: storageZone }),
      read: () => fixture.db.prisma.storageZone.findUnique({ where: { id: storageZone.id } }),
      update: () => fixture.db.prisma.storageZone.update({ where: { id: storageZone.id }, data: changes }),
    };
  })(),
  (() => {
    const changes = {
      name: 'renamed key',
      livemode: false,
      secretHash: 'b'.repeat(64),
      redacted: 'rr_test_efgh…stuv',
      createdAt: later,
      lastUsedAt: null,
      revokedAt: null,
    } satisfies Prisma.ApiKeyUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.ApiKey,
      data: apiKey,
      changes,
      create: () => fixture.db.prisma.apiKey.create({ data: apiKey }),
      read: () => fixture.db.prisma.apiKey.findUnique({ where: { id: apiKey.id } }),
      update: () => fixture.db.prisma.apiKey.update({ where: { id: apiKey.id }, data: changes }),
    };
  })(),
  (() => {
    // updatedAt is left out: Prisma stamps it on every update, checked separately below.
    const changes = {
      livemode: false,
      name: 'Monthly balance',
      definition: 'a bare JSON string',
      createdAt: later,
    } satisfies Prisma.ReportUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.Report,
      data: report,
      changes,
      create: () => fixture.db.prisma.report.create({ data: report }),
      read: () => fixture.db.prisma.report.findUnique({ where: { id: report.id } }),
      update: () => fixture.db.prisma.report.update({ where: { id: report.id }, data: changes }),
    };
  })(),
  (() => {
    const changes = {
      requeuedAt: null,
      userId: null,
      dataScope: Prisma.DbNull,
      summary: null,
      storageZoneId: null,
      slotId: null,
      threadId: null,
      livemode: false,
      reportId: 'balance.summary.2',
      reportName: 'Balance summary v2',
      reportParameters: 42,
      resultOptions: {},
      status: ReportRunStatus.canceled,
      statusDetails: [],
      createdAt: later,
      createdBy: null,
      activeAt: null,
      succeededAt: null,
      failedAt: null,
      canceledAt: null,
      canceledBy: null,
      timeoutSeconds: -1,
      attempts: 8,
      scheduleId: null,
      sourceRunId: null,
      isRead: false,
      readAt: null,
      idempotencyKey: null,
      fileContentType: null,
      fileSize: null,
      fileRows: null,
      fileObjectKey: null,
      fileExpiresAt: null,
      requeueCount: 3,
      leaseOwner: null,
      leaseAttempt: null,
      leaseExpiresAt: null,
      crashCount: 4,
    } satisfies Prisma.ReportRunUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.ReportRun,
      data: reportRun,
      changes,
      create: () => fixture.db.prisma.reportRun.create({ data: reportRun }),
      read: () => fixture.db.prisma.reportRun.findUnique({ where: { id: reportRun.id } }),
      update: () => fixture.db.prisma.reportRun.update({ where: { id: reportRun.id }, data: changes }),
    };
  })(),
  (() => {
    const where = {
      teamId_livemode_key: {
        teamId: idempotencyKey.teamId,
        livemode: idempotencyKey.livemode,
        key: idempotencyKey.key,
      },
    };
    const changes = {
      requestMethod: 'DELETE',
      requestPath: '/v2/reporting/report_runs/reprun_roundtrip',
      requestHash: 'd'.repeat(64),
      lockedBy: null,
      lockedAt: null,
      responseStatus: null,
      responseBody: null,
      createdAt: later,
      completedAt: null,
    } satisfies Prisma.IdempotencyKeyUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.IdempotencyKey,
      data: idempotencyKey,
      changes,
      create: () => fixture.db.prisma.idempotencyKey.create({ data: idempotencyKey }),
      read: () => fixture.db.prisma.idempotencyKey.findUnique({ where }),
      update: () => fixture.db.prisma.idempotencyKey.update({ where, data: changes }),
    };
  })(),
  (() => {
    const changes = {
      created: later,
      availableOn: later,
      currency: 'jpy',
      amount: 9_223_372_036_854_775_807n,
      fee: 0n,
      net: 9_223_372_036_854_775_807n,
      type: 'charge',
      reportingCategory: 'charge',
      customer: null,
      description: null,
      status: 'available',
    } satisfies Prisma.BalanceTransactionUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.BalanceTransaction,
      data: balanceTransaction,
      changes,
      create: () => fixture.db.prisma.balanceTransaction.create({ data: balanceTransaction }),
      read: () => fixture.db.prisma.balanceTransaction.findUnique({ where: { id: balanceTransaction.id } }),
      update: () =>
        fixture.db.prisma.balanceTransaction.update({ where: { id: balanceTransaction.id }, data: changes }),
    };
  })(),
  (() => {
    const changes = {
      balanceTransactionId: 'txn_other',
      amount: -1n,
      currency: 'usd',
      arrivalDate: later,
      status: 'paid',
      method: 'standard',
      destination: 'ba_other',
    } satisfies Prisma.PayoutUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.Payout,
      data: payout,
      changes,
      create: () => fixture.db.prisma.payout.create({ data: payout }),
      read: () => fixture.db.prisma.payout.findUnique({ where: { id: payout.id } }),
      update: () => fixture.db.prisma.payout.update({ where: { id: payout.id }, data: changes }),
    };
  })(),
  (() => {
    const changes = { materializedAt: later } satisfies Prisma.DatasetFreshnessUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.DatasetFreshness,
      data: datasetFreshness,
      changes,
      create: () => fixture.db.prisma.datasetFreshness.create({ data: datasetFreshness }),
      read: () => fixture.db.prisma.datasetFreshness.findUnique({ where: { dataset: datasetFreshness.dataset } }),
      update: () =>
        fixture.db.prisma.datasetFreshness.update({
          where: { dataset: datasetFreshness.dataset },
          data: changes,
        }),
    };
  })(),
  (() => {
    // updatedAt given explicitly, so Prisma stores it rather than stamping the time of the update.
    const changes = { email: 'renamed@example.com', dataScope: {}, createdAt: later, updatedAt: later } satisfies Prisma.MemberUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.Member,
      data: member,
      changes,
      create: () => fixture.db.prisma.member.create({ data: member }),
      read: () => fixture.db.prisma.member.findUnique({ where: { id: member.id } }),
      update: () => fixture.db.prisma.member.update({ where: { id: member.id }, data: changes }),
    };
  })(),
  (() => {
    const changes = {
      livemode: false,
      commandId: '1e6f7a8b-9c0d-4e2f-9a4b-5c6d7e8f9a01',
      cronExpression: '0 * * * *',
      timezone: 'UTC',
      nextRunTime: null,
      lastRunTime: null,
      createdAt: later,
      updatedAt: later,
      enabled: true,
      name: 'Hourly',
      runMode: ScheduleRunMode.per_subscriber,
      createdByUserId: null,
      misfireGraceSeconds: 0,
      deletedAt: null,
    } satisfies Prisma.ScheduleUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.Schedule,
      data: schedule,
      changes,
      create: () => fixture.db.prisma.schedule.create({ data: schedule }),
      read: () => fixture.db.prisma.schedule.findUnique({ where: { id: schedule.id } }),
      update: () => fixture.db.prisma.schedule.update({ where: { id: schedule.id }, data: changes }),
    };
  })(),
  (() => {
    // Both columns are the key: nothing else to change.
    const changes = {} satisfies Prisma.ScheduleSubscriberUncheckedUpdateInput;
    const key = { scheduleId_userId: { scheduleId: scheduleSubscriber.scheduleId, userId: scheduleSubscriber.userId } };
    return {
      model: Prisma.ModelName.ScheduleSubscriber,
      data: scheduleSubscriber,
      changes,
      create: () => fixture.db.prisma.scheduleSubscriber.create({ data: scheduleSubscriber }),
      read: () => fixture.db.prisma.scheduleSubscriber.findUnique({ where: key }),
      update: () => fixture.db.prisma.scheduleSubscriber.update({ where: key, data: changes }),
    };
  })(),
  (() => {
    const changes = {
      scheduledAt: later,
      state: ScheduleSlotState.fired,
      kind: 'manual',
      threadId: null,
      recordedAt: later,
    } satisfies Prisma.ScheduleSlotUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.ScheduleSlot,
      data: scheduleSlot,
      changes,
      create: () => fixture.db.prisma.scheduleSlot.create({ data: scheduleSlot }),
      read: () => fixture.db.prisma.scheduleSlot.findUnique({ where: { id: scheduleSlot.id } }),
      update: () => fixture.db.prisma.scheduleSlot.update({ where: { id: scheduleSlot.id }, data: changes }),
    };
  })(),
  (() => {
    const changes = { readAt: null } satisfies Prisma.RunReadReceiptUncheckedUpdateInput;
    const key = { runId_userId: { runId: runReadReceipt.runId, userId: runReadReceipt.userId } };
    return {
      model: Prisma.ModelName.RunReadReceipt,
      data: runReadReceipt,
      changes,
      create: () => fixture.db.prisma.runReadReceipt.create({ data: runReadReceipt }),
      read: () => fixture.db.prisma.runReadReceipt.findUnique({ where: key }),
      update: () => fixture.db.prisma.runReadReceipt.update({ where: key, data: changes }),
    };
  })(),
  (() => {
    const changes = {
      livemode: false,
      type: 'schedule.missed',
      runId: null,
      slotId: scheduleSlot.id,
      createdAt: later,
    } satisfies Prisma.EventUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.Event,
      data: event,
      changes,
      create: () => fixture.db.prisma.event.create({ data: event }),
      read: () => fixture.db.prisma.event.findUnique({ where: { id: event.id } }),
      update: () => fixture.db.prisma.event.update({ where: { id: event.id }, data: changes }),
    };
  })(),
  (() => {
    // updatedAt given explicitly, so Prisma stores it rather than stamping the time of the update.
    const changes = {
      livemode: false,
      url: 'http://127.0.0.1:9/hook',
      description: null,
      enabledEvents: [],
      secret: 'whsec_other',
      createdAt: later,
      updatedAt: later,
    } satisfies Prisma.WebhookEndpointUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.WebhookEndpoint,
      data: webhookEndpoint,
      changes,
      create: () => fixture.db.prisma.webhookEndpoint.create({ data: webhookEndpoint }),
      read: () => fixture.db.prisma.webhookEndpoint.findUnique({ where: { id: webhookEndpoint.id } }),
      update: () => fixture.db.prisma.webhookEndpoint.update({ where: { id: webhookEndpoint.id }, data: changes }),
    };
  })(),
  (() => {
    const changes = {
      status: WebhookDeliveryStatus.pending,
      attempts: 0,
      nextAttemptAt: null,
      claimedBy: null,
      startedAt: later,
      createdAt: later,
      updatedAt: later,
    } satisfies Prisma.WebhookDeliveryUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.WebhookDelivery,
      data: webhookDelivery,
      changes,
      create: () => fixture.db.prisma.webhookDelivery.create({ data: webhookDelivery }),
      read: () => fixture.db.prisma.webhookDelivery.findUnique({ where: { id: webhookDelivery.id } }),
      update: () => fixture.db.prisma.webhookDelivery.update({ where: { id: webhookDelivery.id }, data: changes }),
    };
  })(),
  (() => {
    const changes = {
      attempt: 4,
      statusCode: null,
      error: null,
      attemptedAt: later,
      durationMs: 0,
      nextRetryAt: null,
    } satisfies Prisma.WebhookDeliveryAttemptUncheckedUpdateInput;
    return {
      model: Prisma.ModelName.WebhookDeliveryAttempt,
      data: webhookDeliveryAttempt,
      changes,
      create: () => fixture.db.prisma.webhookDeliveryAttempt.create({ data: webhookDeliveryAttempt }),
      read: () => fixture.db.prisma.webhookDeliveryAttempt.findUnique({ where: { id: webhookDeliveryAttempt.id } }),
      update: () =>
        fixture.db.prisma.webhookDeliveryAttempt.update({ where: { id: webhookDeliveryAttempt.id }, data: changes }),
    };
  })(),
];

/** Postgres types (udt_name) each Prisma scalar type may be stored as in this schema. */
const storageTypes: Record<string, string[]> = {
  String: ['text', 'bpchar', 'uuid'],
  Boolean: ['bool'],
  Int: ['int4'],
  BigInt: ['int8'],
  Json: ['jsonb'],
  // Every timestamp in schema.prisma is declared @fixture.db.Timestamptz(3).
  DateTime: ['timestamptz'],
};

interface ColumnInfo {
  column_name: string;
  udt_name: string;
  data_type: string;
  is_nullable: 'YES' | 'NO';
  datetime_precision: number | null;
}

async function columnsOf(schema: string, table: string): Promise<ColumnInfo[]> {
  const { rows } = await fixture.db.pool.query<ColumnInfo>(
    `SELECT column_name, udt_name, data_type, is_nullable, datetime_precision
     FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`,
    [schema, table],
  );
  return rows;
}

describe('the migrated database matches prisma/schema.prisma', () => {
  it('has a round trip below for every model in the generated client', () => {
    expect(roundTrips.map((trip) => trip.model).toSorted()).toEqual(
      Object.values(Prisma.ModelName).toSorted(),
    );
    expect(Object.keys(runtimeModels()).toSorted()).toEqual(Object.values(Prisma.ModelName).toSorted());
  });

  it('holds exactly the tables of the models, in the schemas the models name', async () => {
    const { rows } = await fixture.db.pool.query<{ table: string }>(
      `SELECT table_schema || '.' || table_name AS table FROM information_schema.tables
       WHERE table_schema IN ('public', 'dataset') AND table_type = 'BASE TABLE'
         AND table_name <> '_prisma_migrations'`,
    );
    const expectedTables = Object.values(runtimeModels()).map(
      (model) => `${model.schema ?? 'public'}.${model.dbName}`,
    );
    expect(rows.map((row) => row.table).toSorted()).toEqual(expectedTables.toSorted());
  });

  it.each(Object.values(Prisma.ModelName))(
    'gives %s a column, of a matching type, for every field and no other',
    async (modelName) => {
      const model = runtimeModels()[modelName]!;
      const columns = await columnsOf(model.schema ?? 'public', model.dbName ?? modelName);
      const fields = columnFields(modelName, model);
      expect(columns.map((column) => column.column_name).toSorted()).toEqual(
        fields.map((field) => field.column).toSorted(),
      );
      for (const field of fields) {
        const column = columns.find((candidate) => candidate.column_name === field.column)!;
        if (field.kind === 'enum') {
          expect(column.data_type, field.column).toBe('USER-DEFINED');
          continue;
        }
        // A list is a Postgres array, whose type name is its element's with a leading underscore.
        const allowed = storageTypes[field.type]!.map((type) => (field.isList ? `_${type}` : type));
        expect(allowed, `${field.column} (${field.type}${field.isList ? '[]' : ''})`).toContain(column.udt_name);
        if (field.type === 'DateTime') expect(column.datetime_precision, field.column).toBe(3);
      }
    },
  );

  it('stores ReportRun.status as a Postgres enum with exactly the generated values, in order', async () => {
    const { rows } = await fixture.db.pool.query<{ label: string }>(
      `SELECT e.enumlabel AS label FROM information_schema.columns c
       JOIN pg_type t ON t.typname = c.udt_name
       JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = c.udt_schema
       JOIN pg_enum e ON e.enumtypid = t.oid
       WHERE c.table_schema = 'public' AND c.table_name = 'report_runs' AND c.column_name = 'status'
       ORDER BY e.enumsortorder`,
    );
    expect(rows.map((row) => row.label)).toEqual(Object.values(ReportRunStatus));
  });

  it('applies the schema defaults in the database itself, for writers that bypass Prisma', async () => {
    await fixture.db.pool.query(`INSERT INTO public.teams (id, name) VALUES ('team_defaults', 'Defaults')`);
    const { rows } = await fixture.db.pool.query<{
      status: string;
      status_details: unknown;
      attempts: number;
      is_read: boolean;
      fresh: boolean;
    }>(
      `INSERT INTO public.report_runs
         (id, team_id, livemode, report_id, report_name, report_parameters, result_options, timeout_seconds)
       VALUES ('reprun_defaults', 'team_defaults', false, 'r', 'R', '{}', '{}', 60)
       RETURNING status, status_details, attempts, is_read,
                 -- created_at holds now() rounded to the column's milliseconds, maybe upwards.
                 abs(extract(epoch FROM created_at - now())) <= 0.0005 AS fresh`,
    );
    expect(rows[0]).toEqual({
      status: ReportRunStatus.running,
      status_details: {},
      attempts: 0,
      is_read: false,
      fresh: true,
    });
  });
});

describe.each(roundTrips)('a $model row written and read through Prisma', (trip) => {
  it('sets every field of the model', () => {
    const model = runtimeModels()[trip.model]!;
    expect(Object.keys(trip.data).toSorted()).toEqual(
      columnFields(trip.model, model)
        .map((field) => field.field)
        .toSorted(),
    );
  });

  it('reads back exactly what was created', async () => {
    expect(await trip.create()).toEqual(trip.data);
    expect(await trip.read()).toEqual(trip.data);
  });

  it('reads back exactly what was updated, nullable fields cleared', async () => {
    // @updatedAt: Prisma stamps the write time over the value the row was created with.
    const stamped =
      trip.model === Prisma.ModelName.Report
        ? { updatedAt: expect.toSatisfy((value: Date) => value.getTime() > Date.now() - 60_000) }
        : {};
    // A JSON column is cleared with Prisma.DbNull and reads back as a plain null.
    const cleared = Object.fromEntries(
      Object.entries(trip.changes).map(([field, value]) => [field, value === Prisma.DbNull ? null : value]),
    );
    const expected = { ...trip.data, ...cleared, ...stamped };
    expect(await trip.update()).toEqual(expected);
    expect(await trip.read()).toEqual(expected);
    // Any column left holding a value was not nullable in the schema, so it must be NOT NULL.
    const model = runtimeModels()[trip.model]!;
    const nulled = new Set(
      Object.entries(cleared)
        .filter(([, value]) => value === null)
        .map(([field]) => columnFields(trip.model, model).find((candidate) => candidate.field === field)!.column),
    );
    const columns = await columnsOf(model.schema ?? 'public', model.dbName ?? trip.model);
    for (const column of columns) {
      // Either column of a one-of-two pair is nullable, though the row always holds one of them.
      const eitherOf = oneOfTwoColumns[trip.model]?.includes(column.column_name) ?? false;
      expect(column.is_nullable, column.column_name).toBe(nulled.has(column.column_name) || eitherOf ? 'YES' : 'NO');
    }
  });
});
