import { InvalidParameter, SavedReportInvalid, savedQuerySchema } from '@reportrun/core';
import {
  compileSavedQuery,
  type CompileSavedQueryOptions,
  type CompiledSavedQuery,
} from './compile-query.ts';
import { formatPath, resolveSavedQuery, type ResolvedQuery, type ResolveQueryOptions } from './resolve-query.ts';

/**
 * A stored saved-report definition, checked again on every use: a query saved under an older
 * dataset declaration may no longer fit, and that is the report's fault, not the caller's
 * request's (SavedReportInvalid, not a 400 on a parameter).
 */
export function resolveStoredQuery(
  reportId: string,
  definition: unknown,
  options: ResolveQueryOptions = {},
): ResolvedQuery {
  const parsed = savedQuerySchema.safeParse(definition);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SavedReportInvalid(
      reportId,
      `${formatPath(['query', ...issue.path.map(pathKey)])}: ${issue.message}`,
    );
  }
  try {
    return resolveSavedQuery(parsed.data, ['query'], options);
  } catch (error) {
    if (error instanceof InvalidParameter)
      throw new SavedReportInvalid(reportId, error.detail ?? error.message);
    throw error;
  }
}

function pathKey(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment);
}

/**
 * What the worker needs to run a saved report as a file: its stored definition compiled to SQL
 * for `COPY` in the run's format (CSV text cells neutralised against formula injection).
 */
export function compileSavedReportSql(
  reportId: string,
  definition: unknown,
  options: Pick<CompileSavedQueryOptions, 'format' | 'escapeFormulas' | 'dataScope'> & ResolveQueryOptions,
): CompiledSavedQuery {
  const resolveOptions: ResolveQueryOptions = {
    ...(options.at ? { at: options.at } : {}),
    ...(options.timeRange ? { timeRange: options.timeRange } : {}),
  };
  return compileSavedQuery(resolveStoredQuery(reportId, definition, resolveOptions), {
    format: options.format,
    // Formulas matter to spreadsheets opening CSV; JSON keeps every value as stored.
    escapeFormulas: options.escapeFormulas && options.format === 'csv',
    dataScope: options.dataScope ?? null,
  });
}
