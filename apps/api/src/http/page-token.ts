import { z } from 'zod';
import { idPrefix, InvalidParameter, listLimit, prefixedId, storableTimestamp } from '@reportrun/core';

/**
 * List page tokens: base64url JSON that carries the list's filters and the position to continue
 * from, so `next_page_url` alone reproduces the list. Opaque to clients, but not secret and not
 * signed: a hand-made token can only move around the caller's own team's and mode's runs,
 * because those always come from the API key, never from the token.
 */

export const pageDirection = z.enum(['older', 'newer']);
export type PageDirection = z.infer<typeof pageDirection>;

export function pageTokenSchema<F extends z.ZodType>(filters: F) {
  return z.object({
    v: z.literal(1),
    filters,
    limit: z.number().int().min(listLimit.min).max(listLimit.max),
    direction: pageDirection,
    /**
     * The run the page continues from (exclusive). It need not exist any more: like a Stripe
     * cursor, a deleted run still marks a position in the list.
     */
    after: z.object({ created: storableTimestamp(), id: prefixedId(idPrefix.reportRun, 'A run id.') }),
  });
}

export type PageToken<Filters> = {
  v: 1;
  filters: Filters;
  limit: number;
  direction: PageDirection;
  after: { created: string; id: string };
};

export function encodePageToken<Filters>(token: PageToken<Filters>): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export function decodePageToken<F extends z.ZodType>(raw: string, filters: F): PageToken<z.infer<F>> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const parsed = pageTokenSchema(filters).safeParse(decoded);
  if (!parsed.success) {
    throw new InvalidParameter(
      'page',
      'The page token is not one this API issued; use next_page_url or previous_page_url as given.',
    );
  }
  return parsed.data as PageToken<z.infer<F>>;
}
