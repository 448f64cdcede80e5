// `pnpm keys create|list|revoke`: manage API keys from a shell. A secret is printed once, when
// the key is created; only its hash is stored, so nothing can print it again.
import { createApiKey, createTeam, listApiKeys, revokeApiKey, type ApiKeySummary } from '../api-keys.ts';
import type { PrismaClient } from '../client.ts';
import { commandLineArguments, NotFound, required, runDatabaseCli, type ParsedValues } from './database-cli.ts';

const usage = `Usage:
  pnpm keys create --team <team_id|new> --name <name> [--live] [--team-name <name>]
  pnpm keys list --team <team_id>
  pnpm keys revoke <key_id>

  create   issues a key and prints its secret once (test mode unless --live);
           --team new also creates the team (named --team-name, default: the key's name)
  list     shows a team's keys, active and revoked, without secrets
  revoke   stops a key from working; it stays listed as revoked`;

const options = {
  team: { type: 'string' },
  name: { type: 'string' },
  live: { type: 'boolean', default: false },
  'team-name': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ParsedValues<typeof options>;

async function createKey(prisma: PrismaClient, values: Values): Promise<void> {
  const teamArgument = required(values.team, '--team');
  const name = required(values.name, '--name');
  let teamId = teamArgument;
  if (teamArgument === 'new') {
    const team = await createTeam(prisma, values['team-name']?.trim() || name);
    teamId = team.id;
    process.stdout.write(`Created team ${team.id} (${team.name}).\n`);
  } else if (!(await prisma.team.findUnique({ where: { id: teamId }, select: { id: true } }))) {
    throw new NotFound(`There is no team '${teamId}'. Use --team new to create one.`);
  }
  const key = await createApiKey(prisma, { teamId, livemode: values.live, name });
  process.stdout.write(
    `Created ${key.livemode ? 'live' : 'test'}-mode key ${key.id} (${key.name}) for team ${teamId}.\n` +
      `Secret (shown once, store it now): ${key.secret}\n`,
  );
}

function formatKeys(keys: ApiKeySummary[]): string {
  const rows = [
    ['ID', 'MODE', 'NAME', 'KEY', 'CREATED', 'LAST USED', 'STATUS'],
    ...keys.map((key) => [
      key.id,
      key.livemode ? 'live' : 'test',
      key.name,
      key.redacted,
      key.createdAt.toISOString(),
      key.lastUsedAt?.toISOString() ?? '-',
      key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function listKeys(prisma: PrismaClient, values: Values): Promise<void> {
  const teamId = required(values.team, '--team');
  if (!(await prisma.team.findUnique({ where: { id: teamId }, select: { id: true } }))) {
    throw new NotFound(`There is no team '${teamId}'.`);
  }
  const keys = await listApiKeys(prisma, teamId);
  process.stdout.write(keys.length === 0 ? `Team ${teamId} has no API keys.\n` : `${formatKeys(keys)}\n`);
}

async function revokeKey(prisma: PrismaClient, keyId: string | undefined): Promise<void> {
  const id = required(keyId, 'The key id');
  if (await revokeApiKey(prisma, id)) {
    process.stdout.write(`Revoked key ${id}; requests with it now get 401.\n`);
    return;
  }
  const key = await prisma.apiKey.findUnique({ where: { id }, select: { revokedAt: true } });
  if (!key) throw new NotFound(`There is no key '${id}'.`);
  process.stdout.write(`Key ${id} was already revoked at ${key.revokedAt!.toISOString()}.\n`);
}

process.exitCode = await runDatabaseCli(
  {
    usage,
    options,
    commands: {
      create: { positionals: 0, run: createKey },
      list: { positionals: 0, run: listKeys },
      revoke: { positionals: 1, run: (prisma, _values, args) => revokeKey(prisma, args[0]) },
    },
  },
  commandLineArguments(),
);
