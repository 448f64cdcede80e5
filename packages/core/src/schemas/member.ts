import { z } from 'zod';
import { openApiRegistry } from '../openapi-registry.ts';
import { dataScopeSchema } from './data-scope.ts';
import { safeText } from './input-text.ts';

/**
 * Members (`/v1/members`): the people of a team runs are made for, each with a data scope. The
 * shape of `data_scope` is checked here; which fields and values are allowed is decided by the
 * scoping-field declaration in @reportrun/reports (validateDataScope), which names the offending
 * path the same way (`data_scope.currency[1]`).
 */

const uuid = z.string().openapi({ format: 'uuid' });
const timestamp = z.iso.datetime({ offset: true });

export const memberEmailSchema = safeText(254)
  .pipe(z.email({ error: 'must be an email address' }))
  // Addresses differ in case only by accident; one person is one member.
  .transform((email) => email.toLowerCase())
  .openapi({ description: 'Email address, unique within the team (compared case-insensitively).'});

const dataScopeInput = z.unknown().openapi({
  type: 'object',
  additionalProperties: { type: 'array', items: { type: 'string' } },
  description:
    'Per scoping field (currency, customer, destination), the values the member may see. An absent ' +
    'field or an empty list means every value; `{}` means no restriction.',
});

export const createMemberRequestSchema = openApiRegistry.register(
  'CreateMemberRequest',
  z
    .object({
      email: memberEmailSchema,
      data_scope: dataScopeInput.optional(),
    })
    .strict(),
);
export type CreateMemberRequest = z.infer<typeof createMemberRequestSchema>;

export const updateMemberRequestSchema = openApiRegistry.register(
  'UpdateMemberRequest',
  z
    .object({
      email: memberEmailSchema.optional(),
      data_scope: dataScopeInput.optional().openapi({ description: 'Replaces the whole scope.' }),
    })
    .strict(),
);
export type UpdateMemberRequest = z.infer<typeof updateMemberRequestSchema>;

export const memberSchema = openApiRegistry.register(
  'Member',
  z.object({
    id: uuid,
    object: z.literal('member'),
    email: z.string(),
    data_scope: dataScopeSchema,
    created_at: timestamp,
    updated_at: timestamp,
  }),
);
export type MemberResource = z.infer<typeof memberSchema>;

export const memberListLimit = { min: 1, max: 100, default: 20 } as const;
const limitMessage = `must be a whole number from ${memberListLimit.min} to ${memberListLimit.max}`;

export const listMembersQuerySchema = openApiRegistry.register(
  'ListMembersQuery',
  z
    .object({
      limit: z.coerce
        .number({ error: limitMessage })
        .int({ error: limitMessage })
        .min(memberListLimit.min, { error: limitMessage })
        .max(memberListLimit.max, { error: limitMessage })
        .default(memberListLimit.default)
        .openapi({ type: 'integer', minimum: memberListLimit.min, maximum: memberListLimit.max }),
      starting_after: z
        .string()
        .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { error: 'must be a member id (a UUID)' })
        .optional()
        .openapi({ description: 'A member id from the previous page; the list continues after it.' }),
    })
    .strict(),
);
export type ListMembersQuery = z.infer<typeof listMembersQuerySchema>;

export const memberListSchema = openApiRegistry.register(
  'MemberList',
  z.object({
    object: z.literal('list'),
    data: z.array(memberSchema).openapi({ description: 'Newest first.' }),
    has_more: z.boolean(),
  }),
);
export type MemberList = z.infer<typeof memberListSchema>;

export const deletedMemberSchema = openApiRegistry.register(
  'DeletedMember',
  z.object({ id: uuid, object: z.literal('member'), deleted: z.literal(true) }),
);
export type DeletedMember = z.infer<typeof deletedMemberSchema>;
