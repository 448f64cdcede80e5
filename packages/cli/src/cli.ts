import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ReportRunResource } from '@reportrun/core';
import { callApi, followRun, runPath, type ApiConfig } from './api-client.ts';
import { CliError, exitCodes, type ExitCode } from './exit-codes.ts';
import { createProgressView, formatBytes } from './progress-view.ts';
import { runTeamCommand, teamCommands } from './team-commands.ts';

export const usage = `Usage: reportrun <command> [options]

Commands:
  runs create --report ID [--param key=value]... [--zip] [--format csv|json]
              [--timeout SECONDS] [--wait] [--download FILE]
                                             create a run; --wait follows it to the end
  runs wait ID [--download FILE]             follow a run until it ends
  runs get ID                                show a run
  runs list [--limit N] [--status S]         newest runs first
  runs cancel ID                             cancel a running run
  reports list                               the report catalog
  reports get ID                             one report and its parameters
  members list [--limit N]                   the team's members and their data scopes
  members create --email E [--scope field=v1,v2]...
  members get ID | members delete ID
  members update ID [--email E] [--scope field=v1,v2]...   (--scope replaces the whole scope)
  schedules list --command ID                a command's (saved report's) schedules
  schedules create --command ID --cron EXPR [--timezone ZONE] [--name N]
              [--mode per_subscriber|once_and_distribute] [--subscriber MEMBER_ID]...
              [--disable] [--misfire-grace SECONDS]
  schedules get ID | schedules delete ID | schedules trigger ID
  schedules update ID [--cron EXPR] [--timezone ZONE] [--name N] [--mode M]
              [--subscriber MEMBER_ID]... [--enable|--disable] [--misfire-grace SECONDS]
  keys list                                  the team's API keys (never their secrets)
  keys create --name N                       a new key of the same mode; its secret is shown once
  keys revoke ID                             stop a key from working (not the one in use)

Options:
  --api-url URL   the API (or REPORTRUN_API_URL; default http://127.0.0.1:3000)
  --key KEY       the API key (or REPORTRUN_API_KEY)
  --json          print the API's JSON on stdout, for scripts
  --org ID        the organization (team id) schedules belong to (or REPORTRUN_ORGANIZATION_ID)
  -h, --help      this text

Exit status: 0 done (run succeeded), 1 run failed, 2 run canceled, 64 bad usage,
65 request rejected, 66 not found, 69 API unreachable or unavailable, 77 bad or missing key.
`;

const options = {
  'api-url': { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  report: { type: 'string' },
  param: { type: 'string', multiple: true },
  zip: { type: 'boolean', default: false },
  format: { type: 'string' },
  wait: { type: 'boolean', default: false },
  download: { type: 'string' },
  limit: { type: 'string' },
  timeout: { type: 'string' },
  status: { type: 'string' },
  email: { type: 'string' },
  scope: { type: 'string', multiple: true },
  org: { type: 'string' },
  command: { type: 'string' },
  cron: { type: 'string' },
  timezone: { type: 'string' },
  name: { type: 'string' },
  mode: { type: 'string' },
  subscriber: { type: 'string', multiple: true },
  enable: { type: 'boolean', default: false },
  disable: { type: 'boolean', default: false },
  'misfire-grace': { type: 'string' },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseCommandLine>['values'];

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), exitCodes.usage);
  }
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** Runs one command line; answers the exit code. Errors are printed, never thrown. */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCode> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`reportrun: ${error.message}\n`);
      if (error.exitCode === exitCodes.usage) io.stderr.write('Run `reportrun --help` for usage.\n');
      return error.exitCode;
    }
    throw error;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseCommandLine(argv);
  const [noun, verb, ...rest] = positionals;
  if (values.help || noun === undefined || noun === 'help') {
    io.stdout.write(usage);
    return noun === undefined && !values.help ? exitCodes.usage : exitCodes.ok;
  }
  const command = [noun, verb].filter(Boolean).join(' ');
  if (!commands.has(command) && !teamCommands.has(command)) throw new CliError(`unknown command: ${command}`, exitCodes.usage);
  const config = apiConfigOf(values, io.env);
  const print = (value: unknown, human: () => string) => io.stdout.write(values.json ? `${JSON.stringify(value, null, 2)}\n` : human());
  const single = (what: string) => {
    if (rest.length !== 1) throw new CliError(`${noun} ${verb} takes exactly one ${what}`, exitCodes.usage);
    return rest[0]!;
  };

  if (teamCommands.has(command)) return runTeamCommand(command, { config, values, env: io.env, rest, print });
  if (noun === 'runs' && verb === 'create') {
    if (rest.length > 0) throw new CliError(`unexpected argument: ${rest[0]}`, exitCodes.usage);
    const run = await callApi<ReportRunResource>(config, 'POST', 'v2/reporting/report_runs', createBodyOf(values));
    if (!values.wait && values.download === undefined) {
      print(run, () => `${run.id}  ${run.status}\n`);
      return exitCodes.ok;
    }
    if (!values.json) io.stderr.write(`${run.id} created\n`);
    return waitForRun(config, run.id, values, io);
  }
  if (noun === 'runs' && verb === 'wait') return waitForRun(config, single('run id'), values, io);
  if (noun === 'runs' && verb === 'get') {
    const run = await callApi<ReportRunResource>(config, 'GET', runPath(single('run id')));
    print(run, () => describeRun(run));
    return exitCodes.ok;
  }
  if (noun === 'runs' && verb === 'cancel') {
    const run = await callApi<ReportRunResource>(config, 'POST', `${runPath(single('run id'))}/cancel`);
    print(run, () => `${run.id}  ${run.status}\n`);
    return exitCodes.ok;
  }
  if (noun === 'runs' && verb === 'list') {
    const query = new URLSearchParams();
    if (values.limit !== undefined) query.set('limit', values.limit);
    if (values.status !== undefined) query.set('status', values.status);
    const page = await callApi<{ data: ReportRunResource[] }>(config, 'GET', `v2/reporting/report_runs${query.size ? `?${query}` : ''}`);
    print(page, () => table(page.data.map((run) => [run.id, run.status, run.report, run.created])));
    return exitCodes.ok;
  }
  if (noun === 'reports' && verb === 'list') {
    const page = await callApi<{ data: { id: string; name?: string; display_name?: string }[] }>(config, 'GET', 'v2/reporting/reports');
    print(page, () => table(page.data.map((report) => [report.id, report.display_name ?? report.name ?? ''])));
    return exitCodes.ok;
  }
  if (noun === 'reports' && verb === 'get') {
    const report = await callApi(config, 'GET', `v2/reporting/reports/${encodeURIComponent(single('report id'))}`);
    print(report, () => `${JSON.stringify(report, null, 2)}\n`);
    return exitCodes.ok;
  }
  throw new CliError(`unknown command: ${command}`, exitCodes.usage);
}

const commands = new Set(['runs create', 'runs wait', 'runs get', 'runs list', 'runs cancel', 'reports list', 'reports get']);

function apiConfigOf(values: Values, env: NodeJS.ProcessEnv): ApiConfig {
  const apiUrl = values['api-url'] ?? env.REPORTRUN_API_URL ?? 'http://127.0.0.1:3000';
  if (!URL.canParse(apiUrl)) throw new CliError(`--api-url is not a URL: ${apiUrl}`, exitCodes.usage);
  const apiKey = values.key ?? env.REPORTRUN_API_KEY;
  if (!apiKey) throw new CliError('no API key: pass --key or set REPORTRUN_API_KEY', exitCodes.auth);
  return { apiUrl, apiKey };
}

function createBodyOf(values: Values) {
  if (!values.report) throw new CliError('runs create needs --report', exitCodes.usage);
  const parameters: Record<string, string> = {};
  for (const pair of values.param ?? []) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new CliError(`--param must be key=value, got: ${pair}`, exitCodes.usage);
    parameters[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  if (values.format !== undefined && values.format !== 'csv' && values.format !== 'json') {
    throw new CliError(`--format must be csv or json, got: ${values.format}`, exitCodes.usage);
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    throw new CliError(`--timeout must be a whole number of seconds, got: ${values.timeout}`, exitCodes.usage);
  }
  return {
    report: values.report,
    ...(timeout === undefined ? {} : { timeout_seconds: timeout }),
    report_parameters: parameters,
    result_options: { compress_file: values.zip, ...(values.format ? { format: values.format } : {}) },
  };
}

async function waitForRun(config: ApiConfig, id: string, values: Values, io: CliIo): Promise<ExitCode> {
  const view = createProgressView(io.stderr, { tty: io.stderr.isTTY === true });
  const run = await followRun(config, id, (current) => view.update(current)).finally(() => view.finish());
  if (run.status === 'succeeded' && values.download !== undefined) {
    const url = run.result?.file?.download_url.url;
    if (!url) throw new CliError(`${id} has no file to download (its result expired)`, exitCodes.notFound);
    const response = await fetch(url).catch(() => null);
    if (!response?.ok || !response.body) throw new CliError(`could not download the file of ${id}`, exitCodes.unavailable);
    await pipeline(Readable.fromWeb(response.body), createWriteStream(values.download));
    if (!values.json) io.stderr.write(`saved ${values.download}\n`);
  }
  io.stdout.write(values.json ? `${JSON.stringify(run, null, 2)}\n` : describeRun(run));
  if (run.status === 'succeeded') return exitCodes.ok;
  return run.status === 'canceled' ? exitCodes.runCanceled : exitCodes.runFailed;
}

function describeRun(run: ReportRunResource): string {
  const lines = [`${run.id}  ${run.status}  ${run.report}`];
  const file = run.result?.file;
  if (file) lines.push(`  ${file.content_type}, ${file.rows.toLocaleString('en-US')} rows, ${formatBytes(file.size)}`);
  const details = run.status_details;
  if (run.status === 'running' && typeof details.stage === 'string') {
    lines.push(`  ${details.stage}${typeof details.rows === 'number' ? `, ${details.rows} rows, ${formatBytes(Number(details.bytes ?? 0))}` : ''}`);
  }
  if (run.status === 'failed') lines.push(`  ${String(details.code)}: ${String(details.message)}`);
  return `${lines.join('\n')}\n`;
}

function table(rows: string[][]): string {
  if (rows.length === 0) return '(none)\n';
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n';
}
