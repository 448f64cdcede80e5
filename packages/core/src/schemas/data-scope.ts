import { z } from 'zod';
import { safeText } from './input-text.ts';

/**
 * A data scope: for each scoping field a dataset declares (the demo ledger's `currency` and
 * `customer`), the values someone may see. An absent field means every value. A field present
 * with an empty list means *no* value: that is what the intersection of two disjoint scopes is,
 * and failing closed is the only safe reading of it. Clients that send an empty list for a member
 * mean "no restriction"; `memberDataScopeInputSchema` turns that into an absent field before
 * anything is stored, so a stored `[]` is only ever an empty intersection.
 */
export const scopingFieldNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, { error: 'must be a scoping field name (lowercase letters, digits, _)' });

const scopeValue = safeText(500);

export const dataScopeSchema = z
  .record(scopingFieldNameSchema, z.array(scopeValue).max(1000, { error: 'must list at most 1000 values' }))
  .openapi('DataScope', {
    description:
      'Per scoping field, the values that may be seen; an absent field means every value. ' +
      'Example: {"currency": ["eur", "gbp"]}.',
  });
export type DataScope = z.infer<typeof dataScopeSchema>;

/** A member's scope as a client writes it: an empty list means every value (dropped). */
export const memberDataScopeInputSchema = dataScopeSchema.transform((scope) => normalizeDataScope(scope, { emptyMeansAll: true }));

/**
 * One spelling per scope: values deduplicated and sorted, so equal scopes compare and store equal.
 * With `emptyMeansAll`, an empty list is a client's "no restriction" and is dropped.
 */
export function normalizeDataScope(scope: DataScope, options: { emptyMeansAll?: boolean } = {}): DataScope {
  const normalized: DataScope = {};
  for (const field of Object.keys(scope).sort()) {
    const values = [...new Set(scope[field])].sort();
    if (values.length === 0 && options.emptyMeansAll) continue;
    normalized[field] = values;
  }
  return normalized;
}
