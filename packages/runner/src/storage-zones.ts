import { findStorageZone, type PrismaClient } from '@reportrun/db';
import { createStorageZones, type Storage, type StorageZones } from '@reportrun/storage';

/**
 * Where a run's file lives: the service's own bucket, or the zone stamped on the run when it was
 * made. Every process that writes, signs or deletes results opens it the same way, reading a
 * zone's credentials from its own environment.
 */
export function openStorageZones(
  prisma: PrismaClient,
  defaultStorage: Storage,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): StorageZones {
  return createStorageZones({ defaultStorage, findZone: (id) => findStorageZone(prisma, id), environment });
}
