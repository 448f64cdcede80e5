import type { ReportParameterValues } from '../types.ts';

/**
 * Typed reads of validated values. Validation already enforced presence and type for every
 * declared parameter, so a mismatch here is a catalog bug, not bad input.
 */
export function timestampValue(values: ReportParameterValues, name: string): Date {
  const value = values[name];
  if (!(value instanceof Date)) throw new Error(`parameter ${name} is not a validated timestamp`);
  return value;
}

export function textValue(values: ReportParameterValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Error(`parameter ${name} is not a validated string`);
  return value;
}

export function requiredTextValue(values: ReportParameterValues, name: string): string {
  const value = textValue(values, name);
  if (value === undefined) throw new Error(`parameter ${name} has no value (nor a default)`);
  return value;
}
