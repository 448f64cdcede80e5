import { normalizeDataScope, type DataScope } from '@reportrun/core';

/**
 * What every one of these scopes may see: per field, the values all of them allow. A field no
 * scope restricts stays absent (every value); a field whose lists share no value becomes `[]`
 * (no value), never absent — an empty intersection must show nothing, not everything.
 * With no scopes at all there is nothing to restrict, so the result is unscoped (`{}`).
 */
export function commonScope(scopes: readonly DataScope[]): DataScope {
  const common: DataScope = {};
  for (const scope of scopes) {
    for (const [field, values] of Object.entries(scope)) {
      const allowed = common[field];
      common[field] = allowed === undefined ? [...values] : allowed.filter((value) => values.includes(value));
    }
  }
  return normalizeDataScope(common);
}

/** True when the scope restricts nothing, so a run under it sees what an unscoped run sees. */
export function isUnrestricted(scope: DataScope): boolean {
  return Object.keys(scope).length === 0;
}
