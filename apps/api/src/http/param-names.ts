import { DomainError } from '@reportrun/core';

/**
 * The core names parameters as the v2 face does (`report`, `report_parameters.currency`). Another
 * face wraps its work in `renamingParams` so a 400 names the parameter as its own clients sent
 * it (`parameters[currency]`, `paramValues.currency`); status, code and everything else stay.
 */
export async function renamingParams<T>(work: () => Promise<T>, rename: (param: string) => string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw renamedError(error, rename);
  }
}

function renamedError(error: unknown, rename: (param: string) => string): unknown {
  if (!(error instanceof DomainError)) return error;
  const param = error.extensions.param;
  if (typeof param !== 'string') return error;
  const renamed = rename(param);
  if (renamed === param) return error;
  return new DomainError(error.code, error.status, error.title, {
    ...(error.detail !== undefined ? { detail: error.detail.replaceAll(param, renamed) } : {}),
    ...(error.allowedActions ? { allowedActions: error.allowedActions } : {}),
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    extensions: { ...error.extensions, param: renamed },
    cause: error,
  });
}

const reportParametersPrefix = 'report_parameters.';

/** `report` → `report_type`; `report_parameters.columns` → `parameters[columns]`. */
export function stripeV1ParamName(param: string): string {
  if (param === 'report') return 'report_type';
  if (!param.startsWith(reportParametersPrefix)) return param;
  const rest = param.slice(reportParametersPrefix.length).replace(/\[(\d+)\]/g, '.$1');
  return `parameters${rest
    .split('.')
    .map((segment) => `[${segment}]`)
    .join('')}`;
}

/** `report` → `slug`; `report_parameters.columns` → `paramValues.columns`. */
export function airplaneParamName(param: string): string {
  if (param === 'report') return 'slug';
  return param.startsWith(reportParametersPrefix)
    ? `paramValues.${param.slice(reportParametersPrefix.length)}`
    : param;
}
