import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { problemSchema, stripeV1ErrorSchema, type ApiPath } from '@reportrun/core';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { ApiDependencies } from '../dependencies.ts';
import { errorEnvelopeOf, paramStyleOf } from './faces.ts';
import { honorIdempotencyKey, idempotencyKeyHeader, sendIdempotentResponse } from './idempotency.ts';
import { formMediaType, parseJsonBody, parseParams, parseQuery } from './validate.ts';

/**
 * One declaration per route: method, path, request schemas, responses and handler. The router
 * and the OpenAPI document are both built from it, so what is validated, what is documented and
 * what is served cannot drift apart.
 */

/** A status and what it means for this route; each becomes a problem+json response in the document. */
export type ProblemTable = readonly (readonly [status: number, description: string])[];

type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Params and query are objects of named strings, as OpenAPI lists them one parameter each. */
type ParameterSchema = z.ZodObject | z.ZodPipe<z.ZodObject>;

/** What a handler receives: input already checked against the declaration's schemas. */
export interface RouteInput<Params, Query, Body> {
  params: Params;
  query: Query;
  body: Body;
  request: Request;
  deps: ApiDependencies;
}

export interface RouteDeclaration<
  ParamsSchema extends ParameterSchema | undefined,
  QuerySchema extends ParameterSchema | undefined,
  BodySchema extends z.ZodType,
  ResponseSchema extends z.ZodType,
> {
  method: HttpMethod;
  path: ApiPath;
  operationId: string;
  summary: string;
  /** Served without an API key (health, the document itself); everything else needs one. */
  public?: true;
  /** Honors `Idempotency-Key`: a retry with the same key and body gets the first response again. */
  idempotent?: true;
  params?: ParamsSchema;
  query?: QuerySchema;
  /**
   * `required: false` for a body that may be left out entirely; `form: true` also accepts
   * `application/x-www-form-urlencoded` in Stripe's bracket syntax.
   */
  body?: { schema: BodySchema; required?: false; form?: true };
  /** 302: the handler returns `{location}` and the client is sent there. */
  response: { status: 200 | 201 | 302; description: string; schema: ResponseSchema };
  problems?: ProblemTable;
  handler(
    input: RouteInput<Parsed<ParamsSchema>, Parsed<QuerySchema>, Parsed<BodySchema>>,
  ): Promise<z.input<ResponseSchema>> | z.input<ResponseSchema>;
}

type Parsed<Schema> = Schema extends z.ZodType ? z.infer<Schema> : undefined;

/** A declared route, its types settled: what the router and the document need of it. */
export interface Route {
  readonly public: boolean;
  readonly openApi: RouteConfig;
  handlers(deps: ApiDependencies): RequestHandler[];
  readonly method: HttpMethod;
  readonly expressPath: string;
}

/** Shared by every idempotent route, so the header reads the same wherever it is accepted. */
const idempotencyKeyHeaderSchema = z.object({
  [idempotencyKeyHeader]: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({
      description:
        'Makes the request safe to retry: the same key and body within 24 hours returns the first response ' +
        '(with `Idempotent-Replayed: true`) and does nothing again; the same key with another body is 422.',
    }),
});

/** What an idempotent route may answer because of its key, unless the route says more. */
const idempotencyProblems: ProblemTable = [
  [409, 'A request with the same Idempotency-Key is in progress'],
  [422, 'The Idempotency-Key was used for a different request'],
];

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

/** Each status in the envelope the route's face answers errors in (see `errorEnvelopeOf`). */
function problemResponses(table: ProblemTable, path: string): Record<string, ResponseConfig> {
  const content =
    errorEnvelopeOf(path) === 'stripe_v1'
      ? { 'application/json': { schema: stripeV1ErrorSchema } }
      : { 'application/problem+json': { schema: problemSchema } };
  return Object.fromEntries(table.map(([status, description]) => [status, { description, content }]));
}

/** What a 302 route's handler returns. */
export const redirectSchema = z.object({ location: z.string() });

function successResponse(response: { status: number; description: string; schema: z.ZodType }): ResponseConfig {
  if (response.status === 302) {
    return { description: response.description, headers: { Location: { schema: { type: 'string' } } } };
  }
  return { description: response.description, ...json(response.schema) };
}

export function defineRoute<
  ParamsSchema extends ParameterSchema | undefined = undefined,
  QuerySchema extends ParameterSchema | undefined = undefined,
  // No body declared: the handler's `body` is undefined.
  BodySchema extends z.ZodType = z.ZodUndefined,
  ResponseSchema extends z.ZodType = z.ZodType,
>(declaration: RouteDeclaration<ParamsSchema, QuerySchema, BodySchema, ResponseSchema>): Route {
  const { method, path, params, query, body, response, idempotent } = declaration;
  const problems = [...(idempotent ? idempotencyProblems : []), ...(declaration.problems ?? [])];
  const openApi: RouteConfig = {
    method,
    path,
    operationId: declaration.operationId,
    summary: declaration.summary,
    ...(declaration.public ? {} : { security: [{ apiKey: [] }] }),
    request: {
      ...(idempotent ? { headers: idempotencyKeyHeaderSchema } : {}),
      ...(params ? { params } : {}),
      ...(query ? { query } : {}),
      ...(body
        ? {
            body: {
              ...(body.required === false ? { required: false } : {}),
              content: {
                'application/json': { schema: body.schema },
                ...(body.form ? { [formMediaType]: { schema: body.schema } } : {}),
              },
            },
          }
        : {}),
    },
    responses: {
      [response.status]: successResponse(response),
      // A later entry for the same status wins, so a route can say more than the shared table.
      ...problemResponses(problems, path),
    },
  };
  const bodyOptions = { form: body?.form === true, style: paramStyleOf(path) };

  const serve =
    (deps: ApiDependencies): RequestHandler =>
    async (request, reply) => {
      const input = {
        params: (params ? parseParams(request, params) : undefined) as Parsed<ParamsSchema>,
        query: (query ? parseQuery(request, query) : undefined) as Parsed<QuerySchema>,
        body: (body ? parseJsonBody(request, body.schema, bodyOptions) : undefined) as Parsed<BodySchema>,
        request,
        deps,
      };
      const result = await declaration.handler(input);
      if (response.status === 302) reply.redirect(302, redirectSchema.parse(result).location);
      else if (idempotent) await sendIdempotentResponse(reply, response.status, result);
      else reply.status(response.status).json(result);
    };

  return {
    public: declaration.public === true,
    openApi,
    method,
    // Express writes `{id}` as `:id`.
    expressPath: path.replace(/\{(\w+)\}/g, ':$1'),
    handlers: (deps) => (idempotent ? [honorIdempotencyKey(deps), serve(deps)] : [serve(deps)]),
  };
}

export interface EventStreamRouteDeclaration<ParamsSchema extends ParameterSchema, EventSchema extends z.ZodType> {
  method: 'get';
  path: ApiPath;
  operationId: string;
  summary: string;
  params: ParamsSchema;
  /** Request headers the handler reads (such as `Last-Event-ID`), for the document. */
  headers?: z.ZodObject;
  /** What each event's `data` holds; the document shows it as the schema of `text/event-stream`. */
  events: { description: string; schema: EventSchema };
  problems?: ProblemTable;
  /**
   * Answers with an event stream (see http/event-stream.ts), or throws a domain error before
   * the stream opens, which becomes problem+json like any other route's.
   */
  handler(input: RouteInput<z.infer<ParamsSchema>, undefined, undefined> & { reply: Response }): Promise<void>;
}

/**
 * A route whose answer is a stream of server-sent events rather than one JSON body. Declared
 * like any other route, so it is routed, authenticated and documented the same way.
 */
export function defineEventStreamRoute<ParamsSchema extends ParameterSchema, EventSchema extends z.ZodType>(
  declaration: EventStreamRouteDeclaration<ParamsSchema, EventSchema>,
): Route {
  const { method, path, params, headers, events } = declaration;
  const openApi: RouteConfig = {
    method,
    path,
    operationId: declaration.operationId,
    summary: declaration.summary,
    security: [{ apiKey: [] }],
    request: { params, ...(headers ? { headers } : {}) },
    responses: {
      200: { description: events.description, content: { 'text/event-stream': { schema: events.schema } } },
      ...problemResponses(declaration.problems ?? [], path),
    },
  };
  const serve =
    (deps: ApiDependencies): RequestHandler =>
    async (request, reply) => {
      await declaration.handler({
        params: parseParams(request, params) as z.infer<ParamsSchema>,
        query: undefined,
        body: undefined,
        request,
        deps,
        reply,
      });
    };
  return {
    public: false,
    openApi,
    method,
    expressPath: path.replace(/\{(\w+)\}/g, ':$1'),
    handlers: (deps) => [serve(deps)],
  };
}

/** A router serving the given routes, each after the checks its declaration asks for. */
export function routerFor(routes: readonly Route[], deps: ApiDependencies): Router {
  const router = Router();
  for (const route of routes) router[route.method](route.expressPath, ...route.handlers(deps));
  return router;
}

/** Adds the routes to an OpenAPI registry, exactly as they are served. */
export function registerRoutes(registry: OpenAPIRegistry, routes: readonly Route[]): void {
  for (const route of routes) registry.registerPath(route.openApi);
}
