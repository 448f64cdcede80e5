import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import pg from 'pg';

/**
 * Reading the PostgreSQL server log from a test, as evidence of what the server actually
 * executed. The file is found from the server's own settings — `pg_current_logfile()` when the
 * logging collector runs, else Debian's `pg_ctlcluster` location named after `cluster_name`,
 * else the newest log under /var/log/postgresql or `log_directory` — and then *confirmed* by
 * logging a unique probe statement and waiting for it to appear. A test that cannot find the
 * log fails, with the places it looked, rather than passing on an empty log.
 */

interface ServerLogSettings {
  current_logfile: string | null;
  data_directory: string;
  log_directory: string;
  cluster_name: string;
  version_num: string;
  log_line_prefix: string;
}

export interface ServerLog {
  path: string;
  /** Byte offset where this test's part of the log begins. */
  start: number;
  databaseName: string;
  /** Whether log_line_prefix names the database (%d), so entries can be kept to ours. */
  prefixNamesDatabase: boolean;
}

/**
 * Turns on `log_statement = 'all'` for one database (new connections only) and finds the file
 * the server writes it to. Needs a superuser connection (`admin`).
 */
export async function startStatementLog(
  admin: pg.Pool,
  databaseUrl: string,
  databaseName: string,
): Promise<ServerLog> {
  await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(databaseName)} SET log_statement = 'all'`);
  // Full parameter values in the DETAIL lines, whatever the server's default.
  await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(databaseName)} SET log_parameter_max_length = -1`);
  const { rows } = await admin.query<ServerLogSettings>(
    `SELECT pg_current_logfile() AS current_logfile,
            current_setting('data_directory') AS data_directory,
            current_setting('log_directory') AS log_directory,
            current_setting('cluster_name') AS cluster_name,
            current_setting('server_version_num') AS version_num,
            current_setting('log_line_prefix') AS log_line_prefix`,
  );
  const settings = rows[0]!;
  const candidates = await candidateFiles(settings);
  const sizes = new Map<string, number>();
  for (const path of candidates) sizes.set(path, (await stat(path)).size);

  const probe = `reportrun-log-probe-${randomUUID()}`;
  await runOnFreshConnection(databaseUrl, probe);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const path of candidates) {
      const text = await readFrom(path, sizes.get(path)!);
      const at = text.indexOf(probe);
      if (at >= 0) {
        return {
          path,
          start: sizes.get(path)! + Buffer.byteLength(text.slice(0, at)),
          databaseName,
          prefixNamesDatabase: settings.log_line_prefix.includes('%d'),
        };
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `Could not find the PostgreSQL server log: a probe statement with log_statement = 'all' appeared in none of ` +
      `[${candidates.join(', ') || 'no readable candidate'}] (pg_current_logfile() = ${settings.current_logfile ?? 'null'}, ` +
      `data_directory = ${settings.data_directory}, log_directory = ${settings.log_directory}, cluster_name = ${settings.cluster_name}). ` +
      'This test proves from the server log that no statement carried hostile text, so it cannot pass without it.',
  );
}

/** Reads this test's part of the log, after making sure everything before now was written. */
export async function readStatementLog(log: ServerLog, databaseUrl: string): Promise<LogEntry[]> {
  const probe = `reportrun-log-probe-end-${randomUUID()}`;
  await runOnFreshConnection(databaseUrl, probe);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = await readFrom(log.path, log.start);
    if (text.includes(probe)) {
      const entries = parseLogEntries(text);
      return log.prefixNamesDatabase
        ? entries.filter((entry) => entry.prefix.includes(`@${log.databaseName}`))
        : entries;
    }
    if (Date.now() > deadline) throw new Error(`The closing probe never reached ${log.path}.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface LogEntry {
  prefix: string;
  severity: string;
  /** The message with its continuation lines (a multi-line statement, a value with line breaks). */
  message: string;
}

// `<prefix>SEVERITY:  message`: the server puts two spaces after the severity.
const entryStart =
  /^(.{0,200}?)\b(LOG|DETAIL|ERROR|STATEMENT|WARNING|FATAL|PANIC|HINT|CONTEXT|NOTICE|INFO|DEBUG[1-5]?): {2}(.*)$/;

export function parseLogEntries(text: string): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of text.split('\n')) {
    const match = entryStart.exec(line);
    if (match) entries.push({ prefix: match[1]!, severity: match[2]!, message: match[3]! });
    // The server writes each line break inside a message as a line break and a tab.
    else if (entries.length > 0) entries.at(-1)!.message += `\n${line.replace(/^\t/, '')}`;
  }
  return entries;
}

/** Statement text as the server logged it: `statement:`/`execute …:` lines and STATEMENT lines of errors. */
export function isStatementEntry(entry: LogEntry): boolean {
  return (
    entry.severity === 'STATEMENT' ||
    (entry.severity === 'LOG' && /^(statement: |execute [^:]*: )/.test(entry.message))
  );
}

/** Bind parameter values of the statement before: `DETAIL:  parameters: $1 = '…'`. */
export function isParameterEntry(entry: LogEntry): boolean {
  return entry.severity === 'DETAIL' && entry.message.startsWith('parameters: ');
}

/** How a text value appears in a parameters line: single-quoted, quotes doubled. */
export function asLoggedParameter(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

async function runOnFreshConnection(databaseUrl: string, marker: string): Promise<void> {
  // A new connection, because ALTER DATABASE … SET applies to sessions that start after it.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`SELECT '${marker}' AS probe`);
  } finally {
    await client.end();
  }
}

async function candidateFiles(settings: ServerLogSettings): Promise<string[]> {
  const major = String(Math.floor(Number(settings.version_num) / 10_000));
  const logDirectory = isAbsolute(settings.log_directory)
    ? settings.log_directory
    : join(settings.data_directory, settings.log_directory);
  const candidates = [
    settings.current_logfile &&
      (isAbsolute(settings.current_logfile)
        ? settings.current_logfile
        : join(settings.data_directory, settings.current_logfile)),
    settings.cluster_name && `/var/log/postgresql/postgresql-${settings.cluster_name.replace('/', '-')}.log`,
    `/var/log/postgresql/postgresql-${major}-main.log`,
    ...(await newestFiles('/var/log/postgresql')),
    ...(await newestFiles(logDirectory)),
  ].filter((path): path is string => typeof path === 'string' && path !== '');
  const readable: string[] = [];
  for (const path of new Set(candidates)) {
    try {
      await access(path, constants.R_OK);
      if ((await stat(path)).isFile()) readable.push(path);
    } catch {}
  }
  return readable;
}

async function newestFiles(directory: string): Promise<string[]> {
  try {
    const names = (await readdir(directory)).filter((name) => /\.(log|csv|json)$|^postgresql/.test(name));
    const withTimes = await Promise.all(
      names.map(async (name) => ({
        path: join(directory, name),
        mtime: (await stat(join(directory, name))).mtimeMs,
      })),
    );
    return withTimes
      .sort((a, b) => b.mtime - a.mtime)
      .slice(0, 3)
      .map((file) => file.path);
  } catch {
    return [];
  }
}

/** The file from `offset` to its end (only the new part: the server log can be large). */
async function readFrom(path: string, offset: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    if (buffer.length > 0) await handle.read(buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
