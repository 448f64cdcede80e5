import { DomainError } from '@reportrun/core';

/**
 * The schedule package's errors. Each names the request field at fault (`param`), so the API's
 * one error handler turns it into a problem+json 400 the caller can act on.
 */

export class InvalidCronExpression extends DomainError {
  constructor(expression: string, why: string) {
    super('cron_expression_invalid', 400, 'Invalid cron expression', {
      detail: `The cron expression '${expression}' is not valid: ${why}.`,
      extensions: { param: 'cron_expression' },
    });
  }
}
