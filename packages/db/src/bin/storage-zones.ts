// `pnpm zones set|show|clear`: point a team's results at its own S3-compatible storage. The
// credentials are never given here: the zone names the environment variables that hold them
// (S3_ZONE_<REF>_ACCESS_KEY_ID, S3_ZONE_<REF>_SECRET_ACCESS_KEY), which the operator sets on the
// API, worker and scheduler processes.
import type { PrismaClient } from '../client.ts';
import {
  clearTeamStorageZone,
  credentialsRefPattern,
  findTeamStorageZone,
  setTeamStorageZone,
  type StorageZone,
} from '../storage-zones.ts';
import { commandLineArguments, NotFound, required, runDatabaseCli, UsageError, type ParsedValues } from './database-cli.ts';

const usage = `Usage:
  pnpm zones set --team <team_id> --name <name> --endpoint <url> --bucket <bucket>
                 --region <region> --credentials-ref <REF> [--public-endpoint <url>]
  pnpm zones show --team <team_id>
  pnpm zones clear --team <team_id>

  set     new runs of the team write to this zone; files written earlier stay where they are.
          The processes read the zone's credentials from S3_ZONE_<REF>_ACCESS_KEY_ID and
          S3_ZONE_<REF>_SECRET_ACCESS_KEY. --public-endpoint is the host download links name.
  show    the team's current zone, if any
  clear   new runs of the team go back to the service's own bucket`;

const options = {
  team: { type: 'string' },
  name: { type: 'string' },
  endpoint: { type: 'string' },
  'public-endpoint': { type: 'string' },
  bucket: { type: 'string' },
  region: { type: 'string' },
  'credentials-ref': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ParsedValues<typeof options>;

function httpUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be an http or https URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http or https URL.`);
  return value;
}

async function existingTeam(prisma: PrismaClient, values: Values): Promise<string> {
  const teamId = required(values.team, '--team');
  if (!(await prisma.team.findUnique({ where: { id: teamId }, select: { id: true } }))) {
    throw new NotFound(`There is no team '${teamId}'.`);
  }
  return teamId;
}

function describeZone(zone: StorageZone): string {
  return [
    `Zone ${zone.id} (${zone.name})`,
    `  endpoint:        ${zone.endpoint}`,
    `  public endpoint: ${zone.publicEndpoint ?? zone.endpoint}`,
    `  bucket:          ${zone.bucket}`,
    `  region:          ${zone.region}`,
    `  credentials:     S3_ZONE_${zone.credentialsRef}_ACCESS_KEY_ID, S3_ZONE_${zone.credentialsRef}_SECRET_ACCESS_KEY`,
  ].join('\n');
}

async function setZone(prisma: PrismaClient, values: Values): Promise<void> {
  const input = {
    name: required(values.name, '--name'),
    endpoint: httpUrl(required(values.endpoint, '--endpoint'), '--endpoint'),
    publicEndpoint: values['public-endpoint'] ? httpUrl(values['public-endpoint'], '--public-endpoint') : null,
    bucket: required(values.bucket, '--bucket'),
    region: required(values.region, '--region'),
    credentialsRef: required(values['credentials-ref'], '--credentials-ref'),
  };
  if (!credentialsRefPattern.test(input.credentialsRef)) {
    throw new UsageError('--credentials-ref must be 1-32 characters of A-Z, 0-9 and _.');
  }
  const teamId = await existingTeam(prisma, values);
  const zone = await setTeamStorageZone(prisma, teamId, input);
  process.stdout.write(`New runs of team ${teamId} write to:\n${describeZone(zone)}\n`);
}

async function showZone(prisma: PrismaClient, values: Values): Promise<void> {
  const teamId = await existingTeam(prisma, values);
  const zone = await findTeamStorageZone(prisma, teamId);
  process.stdout.write(zone ? `${describeZone(zone)}\n` : `Team ${teamId} uses the service's own bucket.\n`);
}

async function clearZone(prisma: PrismaClient, values: Values): Promise<void> {
  const teamId = await existingTeam(prisma, values);
  await clearTeamStorageZone(prisma, teamId);
  process.stdout.write(`New runs of team ${teamId} write to the service's own bucket.\n`);
}

process.exitCode = await runDatabaseCli(
  {
    usage,
    options,
    commands: {
      set: { positionals: 0, run: setZone },
      show: { positionals: 0, run: showZone },
      clear: { positionals: 0, run: clearZone },
    },
  },
  commandLineArguments(),
);
