import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type { PrismaClient };

export interface Database {
  prisma: PrismaClient;
  /** The pool Prisma runs on; also lends raw clients for streaming COPY. */
  pool: pg.Pool;
  close(): Promise<void>;
}

export function createPool(connectionString: string, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 10, ...options });
  // An idle client losing its server (Postgres restart) must not crash the process; the pool
  // discards it and the next checkout opens a fresh connection.
  pool.on('error', () => {});
  return pool;
}

export function createDatabase(connectionString: string, options: pg.PoolConfig = {}): Database {
  const pool = createPool(connectionString, options);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
