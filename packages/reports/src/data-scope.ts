import { dataScopeSchema, InvalidParameter, type DataScope } from '@reportrun/core';

/**
 * Scoping fields: the columns a member's data scope can restrict. Each dataset (catalog report
 * or saved-query dataset) says which of these its rows carry; this list is the union, so a scope
 * naming anything else is refused before it is stored.
 */
export interface ScopingField {
  name: string;
  description: string;
  /** What one value must look like, so a typo is a 400 rather than a scope that matches nothing. */
  pattern: RegExp;
  expected: string;
}

export const scopingFields: readonly ScopingField[] = [
  {
    name: 'currency',
    description: 'Three-letter ISO currency code, lowercase (the ledger and payouts).',
    pattern: /^[a-z]{3}$/,
    expected: 'a three-letter lowercase currency code such as eur',
  },
  {
    name: 'customer',
    description: 'Customer id of a balance transaction (the ledger; rows without a customer are outside any customer scope).',
    pattern: /^[A-Za-z0-9_-]{1,255}$/,
    expected: 'a customer id such as cus_123',
  },
  {
    name: 'destination',
    description: 'The bank account a payout is sent to (payouts).',
    pattern: /^[A-Za-z0-9_-]{1,255}$/,
    expected: 'a payout destination such as ba_123',
  },
];

const byName = new Map(scopingFields.map((field) => [field.name, field]));

/**
 * A data scope as a client sent it, checked field by field: only declared scoping fields, each a
 * list of well-formed values. Errors name the exact place (`data_scope.currency[1]`).
 */
export function validateDataScope(input: unknown, param = 'data_scope'): DataScope {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new InvalidParameter(param, `'${param}' must be an object mapping scoping fields to lists of values.`);
  for (const [field, values] of Object.entries(input)) {
    const declared = byName.get(field);
    if (!declared)
      throw new InvalidParameter(
        `${param}.${field}`,
        `'${field}' is not a scoping field; use one of ${scopingFields.map((known) => known.name).join(', ')}.`,
      );
    if (!Array.isArray(values))
      throw new InvalidParameter(`${param}.${field}`, `'${param}.${field}' must be a list of values.`);
    values.forEach((value: unknown, index) => {
      if (typeof value !== 'string' || !declared.pattern.test(value))
        throw new InvalidParameter(`${param}.${field}[${index}]`, `'${param}.${field}[${index}]' must be ${declared.expected}.`);
    });
  }
  return dataScopeSchema.parse(input);
}

/** Registers a value and returns the SQL that reads it back (see compile.ts). */
type BindJson = (value: string, pgType: 'jsonb') => string;

/**
 * WHERE conditions that keep only the rows a scope allows. `columns` gives, for each scoping
 * field these rows carry, its SQL expression (written in code, never taken from a request).
 *
 * - A field the scope does not name restricts nothing.
 * - A field the scope names is matched against its list, bound as one JSON value: a NULL in
 *   the column never matches, and an empty list matches no row (an empty intersection of
 *   scopes shows nothing).
 * - A field the scope names but these rows do not carry makes the result empty: nothing here can
 *   be shown to be inside the scope, and failing closed is the only safe answer.
 */
export function scopeConditions(bind: BindJson, scope: DataScope, columns: Readonly<Record<string, string>>): string[] {
  return Object.keys(scope)
    .sort()
    .map((field) => {
      const column = columns[field];
      if (column === undefined) return 'FALSE';
      const allowed = bind(JSON.stringify(scope[field]), 'jsonb');
      return `${column} IN (SELECT jsonb_array_elements_text(${allowed}))`;
    });
}
