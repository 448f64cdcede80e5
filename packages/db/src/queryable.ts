import type pg from 'pg';

/**
 * What the request hot paths query through: the pool Prisma runs on, used directly. A named
 * statement is parsed once per connection and each call skips Prisma's per-query work, which on
 * the submit path cost more CPU than the queries themselves.
 */
export type Queryable = Pick<pg.Pool, 'query'>;
