/**
 * The one place that says which face a request speaks, from its path alone: how it
 * authenticates, how it names parameters and in which envelope its errors go. Every other piece
 * (auth, validation, the error handler, the OpenAPI document) asks here instead of deciding.
 */
export type Face = 'stripe_v1' | 'airplane' | 'reportrun';

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

export function faceOf(path: string): Face {
  // Only the reporting and file routes are Stripe's v1; /v1/reports/saved is our own face.
  if (under(path, '/v1/reporting') || under(path, '/v1/files')) return 'stripe_v1';
  if (under(path, '/v0')) return 'airplane';
  return 'reportrun';
}

/** Stripe's SDKs raise typed errors only from Stripe's envelope; every other face keeps RFC 9457. */
export type ErrorEnvelope = 'stripe_v1' | 'problem';

export function errorEnvelopeOf(path: string): ErrorEnvelope {
  return faceOf(path) === 'stripe_v1' ? 'stripe_v1' : 'problem';
}

/**
 * How a face spells the path of a nested parameter: Stripe writes `parameters[columns][0]`, the
 * other faces `report_parameters.columns[0]`.
 */
export type ParamStyle = 'brackets' | 'dotted';

export function paramStyleOf(path: string): ParamStyle {
  return faceOf(path) === 'stripe_v1' ? 'brackets' : 'dotted';
}

/** The path of a request without its query string; `originalUrl` survives routers. */
export function requestPathOf(originalUrl: string): string {
  const queryStart = originalUrl.indexOf('?');
  return queryStart === -1 ? originalUrl : originalUrl.slice(0, queryStart);
}
