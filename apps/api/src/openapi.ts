import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { openApiRegistry } from '@reportrun/core';
import { registerRoutes, type Route } from './http/route.ts';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const documents = new WeakMap<readonly Route[], OpenApiDocument>();

/**
 * OpenAPI 3.1 for the given routes, generated from the same declarations that route and
 * validate requests, over core's registered schemas. Built once per route list.
 */
export function openApiDocumentFor(routes: readonly Route[]): OpenApiDocument {
  let document = documents.get(routes);
  if (!document) {
    // A child registry: core's schemas stay as core registered them, whatever is added here.
    const registry = new OpenAPIRegistry([openApiRegistry]);
    registry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
    registerRoutes(registry, routes);
    document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: { title: 'ReportRun API', version: '1.0.0' },
    });
    documents.set(routes, document);
  }
  return document;
}
