import { z } from 'zod';
import { openApiRegistry } from '../openapi-registry.ts';

export const allowedActionSchema = z.object({
  rel: z.string(),
  href: z.string().optional(),
  method: z.string().optional(),
  operation_id: z.string().optional(),
  hint: z.string().optional(),
  schema_ref: z.string().optional(),
});

/** RFC 9457 problem details with the everruns extensions. */
export const problemSchema = openApiRegistry.register(
  'Problem',
  z
    .object({
      type: z.string(),
      title: z.string(),
      status: z.number().int(),
      detail: z.string().optional(),
      code: z.string(),
      instance: z.string().optional(),
      allowed_actions: z.array(allowedActionSchema).optional(),
      retry_after_seconds: z.number().int().optional(),
      param: z.string().optional(),
    })
    .loose(),
);

export type Problem = z.infer<typeof problemSchema>;
