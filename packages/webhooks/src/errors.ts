import { DomainError, ResourceNotFound } from '@reportrun/core';

export class EventNotFound extends ResourceNotFound {
  constructor(id: string) {
    super('event', id);
  }
}

export class WebhookEndpointNotFound extends ResourceNotFound {
  constructor(id: string) {
    super('webhook_endpoint', id);
  }
}

/** A URL the service will not call: it would reach the service's own network (SSRF). */
export class WebhookUrlRefused extends DomainError {
  constructor(reason: string) {
    super('webhook_url_refused', 400, 'Webhook URL refused', {
      detail: `The webhook URL is refused: ${reason}.`,
      extensions: { param: 'url' },
    });
  }
}
