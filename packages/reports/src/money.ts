/** ISO 4217 currencies whose minor unit is the major unit (no decimals). */
export const zeroDecimalCurrencies = [
  'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv',
  'xaf', 'xof', 'xpf',
] as const;

/**
 * SQL rendering an integer amount in minor units as a decimal in major units, exact to the
 * cent (numeric arithmetic, never floating point).
 */
export function majorUnitsSql(amountColumn: string, currencyColumn: string): string {
  const zeroDecimal = zeroDecimalCurrencies.map((code) => `'${code}'`).join(', ');
  return `CASE WHEN ${currencyColumn} IN (${zeroDecimal}) THEN ${amountColumn}::numeric ELSE round(${amountColumn}::numeric / 100, 2) END`;
}
