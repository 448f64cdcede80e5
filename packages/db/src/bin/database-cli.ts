// What the operator commands (`pnpm keys`, `pnpm zones`) share: parsing, usage and exit codes,
// and one database connection for the command that runs.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfigOrExit } from '@reportrun/config';
import { createDatabase, type PrismaClient } from '../client.ts';

/** sysexits.h: bad usage, and an input that names nothing that exists. */
const exitUsage = 64;
const exitNoInput = 66;

/** The command line is wrong: printed with the usage, exit 64. */
export class UsageError extends Error {}
/** A team, key or zone the command names does not exist: exit 66. */
export class NotFound extends Error {}

export type ParsedValues<O extends ParseArgsConfig['options']> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>['values'];

export interface DatabaseCli<O extends ParseArgsConfig['options']> {
  usage: string;
  options: O;
  /** Each command, with how many positional arguments (after the command) it takes. */
  commands: Record<string, { positionals: number; run(prisma: PrismaClient, values: ParsedValues<O>, args: string[]): Promise<void> }>;
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required.`);
  return value.trim();
}

/** Runs one command line and answers the exit code; a usage error never opens the database. */
export async function runDatabaseCli<O extends ParseArgsConfig['options']>(cli: DatabaseCli<O>, argv: string[]): Promise<number> {
  let parsed: { values: ParsedValues<O>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: cli.options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${cli.usage}\n`);
    return exitUsage;
  }
  const [name, ...rest] = parsed.positionals;
  const help = (parsed.values as { help?: boolean }).help === true;
  if (help || name === 'help') {
    process.stdout.write(`${cli.usage}\n`);
    return 0;
  }
  const command = name === undefined ? undefined : cli.commands[name];
  if (!command || rest.length > command.positionals) {
    process.stderr.write(`Unknown command or argument: ${parsed.positionals.join(' ') || '(none)'}\n\n${cli.usage}\n`);
    return exitUsage;
  }
  const config = loadConfigOrExit();
  const db = createDatabase(config.DATABASE_URL, { max: 1 });
  try {
    await command.run(db.prisma, parsed.values, rest);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${cli.usage}\n`);
      return exitUsage;
    }
    if (error instanceof NotFound) {
      process.stderr.write(`${error.message}\n`);
      return exitNoInput;
    }
    throw error;
  } finally {
    await db.close();
  }
}

/** The arguments after the script's name; pnpm passes a literal `--` through (`pnpm keys -- …`). */
export function commandLineArguments(): string[] {
  const args = process.argv.slice(2);
  return args[0] === '--' ? args.slice(1) : args;
}
