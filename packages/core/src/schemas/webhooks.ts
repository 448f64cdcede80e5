import { z } from 'zod';
import { openApiRegistry } from '../openapi-registry.ts';
import { prefixedId, safeText } from './input-text.ts';
import { reportRunSchema } from './report-run.ts';

/**
 * Events and webhook endpoints, in Stripe's shapes (`event`, `webhook_endpoint`) so code written
 * for Stripe's webhooks reads them unchanged: times are Unix seconds, as Stripe writes them.
 */

export const eventTypes = [
  'report_run.succeeded',
  'report_run.failed',
  'report_run.canceled',
  'schedule.fired',
  'schedule.missed',
] as const;
export type EventType = (typeof eventTypes)[number];
export const eventTypeSchema = z.enum(eventTypes, { error: `must be one of ${eventTypes.join(', ')}` });

/** The version of the event shape, sent as `api_version` on every event. */
export const eventApiVersion = '2026-11-26';

const unixSeconds = z.number().int().openapi({ description: 'Unix seconds' });

/** What a schedule event is about: one slot of a schedule, fired (with its runs) or missed. */
export const scheduleSlotEventObjectSchema = openApiRegistry.register(
  'ScheduleSlotEventObject',
  z.object({
    object: z.literal('schedule_slot'),
    id: z.string().openapi({ description: 'The slot id (a UUID).' }),
    schedule_id: z.string(),
    schedule_name: z.string(),
    command_id: z.string().openapi({ description: 'The saved report the schedule runs.' }),
    organization_id: z.string(),
    scheduled_at: z.string().openapi({ description: 'The instant the slot stands for (RFC 3339).' }),
    state: z.enum(['fired', 'missed']),
    kind: z.enum(['cron', 'catch_up', 'manual']),
    thread_id: z.string().nullable().openapi({ description: 'Shared by the runs of the firing; null for a missed slot.' }),
    run_ids: z.array(z.string()).openapi({ description: 'The runs the slot made (none when missed).' }),
  }),
);
export type ScheduleSlotEventObject = z.infer<typeof scheduleSlotEventObjectSchema>;

export const eventSchema = openApiRegistry.register(
  'Event',
  z.object({
    id: z.string().openapi({ description: 'evt_…' }),
    object: z.literal('event'),
    api_version: z.string(),
    created: unixSeconds,
    livemode: z.boolean(),
    type: eventTypeSchema,
    data: z.object({
      object: z
        .union([reportRunSchema, scheduleSlotEventObjectSchema])
        .openapi({ description: 'A `report_run.*` event: the run as `GET /v2/reporting/report_runs/{id}` shows it now. A `schedule.*` event: the slot.' }),
    }),
    pending_webhooks: z.number().int().openapi({ description: 'Deliveries of this event not yet succeeded or given up.' }),
  }),
);
export type EventResource = z.infer<typeof eventSchema>;

export const eventListLimit = { min: 1, max: 100, default: 10 } as const;
const limitMessage = `must be a whole number from ${eventListLimit.min} to ${eventListLimit.max}`;
const listLimit = z.coerce
  .number({ error: limitMessage })
  .int({ error: limitMessage })
  .min(eventListLimit.min, { error: limitMessage })
  .max(eventListLimit.max, { error: limitMessage })
  .default(eventListLimit.default)
  .openapi({ type: 'integer', minimum: eventListLimit.min, maximum: eventListLimit.max });

export const eventIdSchema = prefixedId('evt', 'An event id');
export const webhookEndpointIdSchema = prefixedId('we', 'A webhook endpoint id');

export const listEventsQuerySchema = openApiRegistry.register(
  'ListEventsQuery',
  z
    .object({
      limit: listLimit,
      starting_after: eventIdSchema.optional(),
      type: eventTypeSchema.optional(),
    })
    .strict(),
);
export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;

export const eventListSchema = openApiRegistry.register(
  'EventList',
  z.object({ object: z.literal('list'), data: z.array(eventSchema).openapi({ description: 'Newest first.' }), has_more: z.boolean() }),
);

const webhookUrlSchema = safeText(2048)
  .refine((value) => URL.canParse(value), { error: 'must be an absolute URL' })
  .refine((value) => !URL.canParse(value) || ['http:', 'https:'].includes(new URL(value).protocol), {
    error: 'must be an http or https URL',
  })
  .openapi({ format: 'uri', description: 'Where events are POSTed. Hosts that resolve to private addresses are refused.' });

const enabledEventsSchema = z
  .array(z.union([eventTypeSchema, z.literal('*')]), { error: `must be a list of event types, or ['*']` })
  .min(1, { error: 'must name at least one event type' })
  .max(eventTypes.length + 1, { error: 'lists an event type twice' })
  .refine((types) => new Set(types).size === types.length, { error: 'lists an event type twice' })
  .openapi({ description: "Event types to send, or `['*']` for all." });

export const createWebhookEndpointRequestSchema = openApiRegistry.register(
  'CreateWebhookEndpointRequest',
  z
    .object({
      url: webhookUrlSchema,
      enabled_events: enabledEventsSchema,
      description: safeText(500).optional(),
    })
    .strict(),
);
export type CreateWebhookEndpointRequest = z.infer<typeof createWebhookEndpointRequestSchema>;

export const updateWebhookEndpointRequestSchema = openApiRegistry.register(
  'UpdateWebhookEndpointRequest',
  z
    .object({
      url: webhookUrlSchema.optional(),
      enabled_events: enabledEventsSchema.optional(),
      description: safeText(500).nullable().optional(),
    })
    .strict(),
);
export type UpdateWebhookEndpointRequest = z.infer<typeof updateWebhookEndpointRequestSchema>;

const webhookEndpointFields = {
  id: z.string(),
  object: z.literal('webhook_endpoint'),
  url: z.string(),
  description: z.string().nullable(),
  enabled_events: z.array(z.string()),
  livemode: z.boolean(),
  status: z.literal('enabled'),
  created: unixSeconds,
};

export const webhookEndpointSchema = openApiRegistry.register('WebhookEndpoint', z.object(webhookEndpointFields));
export type WebhookEndpointResource = z.infer<typeof webhookEndpointSchema>;

export const createdWebhookEndpointSchema = openApiRegistry.register(
  'CreatedWebhookEndpoint',
  z.object({
    ...webhookEndpointFields,
    secret: z.string().openapi({ description: 'whsec_…: verifies the `Stripe-Signature` of deliveries. Shown only here.' }),
  }),
);

export const listWebhookEndpointsQuerySchema = openApiRegistry.register(
  'ListWebhookEndpointsQuery',
  z.object({ limit: listLimit, starting_after: webhookEndpointIdSchema.optional() }).strict(),
);

export const webhookEndpointListSchema = openApiRegistry.register(
  'WebhookEndpointList',
  z.object({ object: z.literal('list'), data: z.array(webhookEndpointSchema), has_more: z.boolean() }),
);

export const deletedWebhookEndpointSchema = openApiRegistry.register(
  'DeletedWebhookEndpoint',
  z.object({ id: z.string(), object: z.literal('webhook_endpoint'), deleted: z.literal(true) }),
);

export const webhookDeliveryAttemptSchema = z.object({
  attempt: z.number().int(),
  status_code: z.number().int().nullable().openapi({ description: "The receiver's HTTP status; null when no answer came." }),
  error: z.string().nullable(),
  attempted_at: unixSeconds,
  duration_ms: z.number().int(),
  next_retry_at: unixSeconds.nullable(),
});

export const webhookDeliverySchema = openApiRegistry.register(
  'WebhookDelivery',
  z.object({
    id: z.string(),
    object: z.literal('webhook_delivery'),
    event: z.string(),
    event_type: eventTypeSchema,
    webhook_endpoint: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int(),
    next_retry_at: unixSeconds.nullable(),
    created: unixSeconds,
    attempt_history: z.array(webhookDeliveryAttemptSchema).openapi({ description: 'Oldest first.' }),
  }),
);
export type WebhookDeliveryResource = z.infer<typeof webhookDeliverySchema>;

export const listWebhookDeliveriesQuerySchema = openApiRegistry.register(
  'ListWebhookDeliveriesQuery',
  z
    .object({
      limit: listLimit,
      starting_after: z.uuid({ error: 'must be a delivery id (a UUID)' }).optional(),
    })
    .strict(),
);

export const webhookDeliveryListSchema = openApiRegistry.register(
  'WebhookDeliveryList',
  z.object({ object: z.literal('list'), data: z.array(webhookDeliverySchema).openapi({ description: 'Newest first.' }), has_more: z.boolean() }),
);

export const resendEventRequestSchema = openApiRegistry.register(
  'ResendEventRequest',
  z
    .object({
      webhook_endpoint: webhookEndpointIdSchema
        .optional()
        .openapi({ description: 'Only to this endpoint; by default to every endpoint that wants the event type.' }),
    })
    .strict(),
);
