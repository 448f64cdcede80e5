import { createStorage, type Storage } from './client.ts';

/** A team's own storage as stored (the database's `storage_zones` row). */
export interface StorageZoneRecord {
  id: string;
  endpoint: string;
  publicEndpoint: string | null;
  bucket: string;
  region: string;
  /** Names the environment variables holding the zone's credentials. */
  credentialsRef: string;
}

/** The zone's credential variables are not set in this process. */
export class StorageZoneCredentialsMissing extends Error {
  constructor(
    readonly zoneId: string,
    readonly variables: readonly string[],
  ) {
    super(`Storage zone ${zoneId} needs ${variables.join(' and ')} in this process's environment.`);
    this.name = 'StorageZoneCredentialsMissing';
  }
}

/** The names of the two variables a zone's credentials live in. */
export function zoneCredentialVariables(credentialsRef: string): { accessKeyId: string; secretAccessKey: string } {
  return {
    accessKeyId: `S3_ZONE_${credentialsRef}_ACCESS_KEY_ID`,
    secretAccessKey: `S3_ZONE_${credentialsRef}_SECRET_ACCESS_KEY`,
  };
}

export interface StorageZones {
  /** The storage a run's file lives in: its zone's, or the service's own when the zone is null. */
  storageFor(zoneId: string | null): Promise<Storage>;
}

export interface StorageZonesOptions {
  /** The service's own storage (S3_* settings). */
  defaultStorage: Storage;
  /** Reads a zone by id (from the database); null when there is none. */
  findZone(zoneId: string): Promise<StorageZoneRecord | null>;
  /** Where credential variables are read; the process environment. */
  environment: Readonly<Record<string, string | undefined>>;
}

/**
 * One S3 client per zone, made on first use and kept: zone rows never change once written, so
 * a cached client can never point at stale settings.
 */
export function createStorageZones(options: StorageZonesOptions): StorageZones {
  const clients = new Map<string, Promise<Storage>>();
  async function open(zoneId: string): Promise<Storage> {
    const zone = await options.findZone(zoneId);
    if (!zone) throw new Error(`Storage zone ${zoneId} does not exist.`);
    const variables = zoneCredentialVariables(zone.credentialsRef);
    const accessKeyId = options.environment[variables.accessKeyId];
    const secretAccessKey = options.environment[variables.secretAccessKey];
    if (!accessKeyId || !secretAccessKey) {
      throw new StorageZoneCredentialsMissing(zone.id, [variables.accessKeyId, variables.secretAccessKey]);
    }
    return createStorage({
      endpoint: zone.endpoint,
      // Links are signed for the zone's public host when its clients reach it by another name.
      publicEndpoint: zone.publicEndpoint ?? undefined,
      region: zone.region,
      bucket: zone.bucket,
      accessKeyId,
      secretAccessKey,
      payloadSigning: options.defaultStorage.payloadSigning,
    });
  }
  return {
    storageFor(zoneId) {
      if (zoneId === null) return Promise.resolve(options.defaultStorage);
      let client = clients.get(zoneId);
      if (!client) {
        client = open(zoneId);
        // A failed open (missing credentials, a zone not yet visible) is tried again next time.
        client.catch(() => clients.delete(zoneId));
        clients.set(zoneId, client);
      }
      return client;
    },
  };
}
