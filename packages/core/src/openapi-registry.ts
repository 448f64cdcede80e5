import { OpenAPIRegistry, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

/** Every schema and route the API exposes registers here; `/openapi.json` is built from it. */
export const openApiRegistry = new OpenAPIRegistry();
