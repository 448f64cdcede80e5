import { idPrefix, newId } from '@reportrun/core';
import type { PrismaClient } from './client.ts';

export interface StorageZone {
  id: string;
  teamId: string;
  name: string;
  endpoint: string;
  publicEndpoint: string | null;
  bucket: string;
  region: string;
  credentialsRef: string;
  createdAt: Date;
}

export interface NewStorageZone {
  name: string;
  endpoint: string;
  publicEndpoint?: string | null;
  bucket: string;
  region: string;
  /** Upper-case letters, digits and `_`: the `<REF>` in S3_ZONE_<REF>_ACCESS_KEY_ID. */
  credentialsRef: string;
}

export const credentialsRefPattern = /^[A-Z0-9_]{1,32}$/;

export function findStorageZone(prisma: PrismaClient, id: string): Promise<StorageZone | null> {
  return prisma.storageZone.findUnique({ where: { id } });
}

/** Every zone that may hold files: the sweeps of the scheduler visit each. */
export function listStorageZones(prisma: PrismaClient): Promise<StorageZone[]> {
  return prisma.storageZone.findMany({ orderBy: { id: 'asc' } });
}

/** The zone the team's new runs write to, or null for the service's own bucket. */
export async function findTeamStorageZone(prisma: PrismaClient, teamId: string): Promise<StorageZone | null> {
  const team = await prisma.team.findUnique({ where: { id: teamId }, select: { storageZone: true } });
  return team?.storageZone ?? null;
}

/**
 * Points the team's new runs at a new zone. A zone is never edited in place: files already
 * written stay where their runs say, so the old zone keeps serving them.
 */
export async function setTeamStorageZone(prisma: PrismaClient, teamId: string, input: NewStorageZone): Promise<StorageZone> {
  if (!credentialsRefPattern.test(input.credentialsRef)) {
    throw new Error('The credentials reference must be 1-32 characters of A-Z, 0-9 and _.');
  }
  return prisma.$transaction(async (tx) => {
    const zone = await tx.storageZone.create({
      data: {
        id: newId(idPrefix.storageZone),
        teamId,
        name: input.name,
        endpoint: input.endpoint,
        publicEndpoint: input.publicEndpoint ?? null,
        bucket: input.bucket,
        region: input.region,
        credentialsRef: input.credentialsRef,
      },
    });
    await tx.team.update({ where: { id: teamId }, data: { storageZoneId: zone.id } });
    return zone;
  });
}

/** New runs of the team go back to the service's own bucket; earlier files stay in their zone. */
export async function clearTeamStorageZone(prisma: PrismaClient, teamId: string): Promise<void> {
  await prisma.team.update({ where: { id: teamId }, data: { storageZoneId: null } });
}
