export { EventNotFound, WebhookEndpointNotFound, WebhookUrlRefused } from './errors.ts';
export { recordEvent, recordRunEvent, runEventType, type EndedRun, type EventSubject, type NewEvent } from './record-event.ts';
export {
  listEvents,
  getEvent,
  toEventResource,
  deleteEventsBefore,
  type RenderRun,
  type StoredEvent,
} from './events.ts';
export {
  createWebhookEndpoint,
  listWebhookEndpoints,
  getWebhookEndpoint,
  updateWebhookEndpoint,
  deleteWebhookEndpoint,
  toWebhookEndpointResource,
  type WebhookEndpoint,
} from './endpoints.ts';
export { listEndpointDeliveries, resendEvent, toWebhookDeliveryResource } from './deliveries.ts';
export { sendDueWebhooks, type SenderDependencies, type SenderSettings, type SendSummary } from './sender.ts';
export { nextRetryAt, type RetrySettings } from './backoff.ts';
export { stripeSignatureHeader } from './signing.ts';
export { assertWebhookUrlAllowed, refusedAddressReason, type UrlPolicy } from './url-safety.ts';
export type { TeamScope } from './scope.ts';
