import type { ApiKeyList, CreatedApiKeyResource, DeletedApiKey, MemberResource, ScheduleDetailResource } from '@reportrun/core';
import { callApi, type ApiConfig } from './api-client.ts';
import { CliError, exitCodes, type ExitCode } from './exit-codes.ts';

/**
 * `members …`, `schedules …` and `keys …`: thin wrappers over /v1/members, heyhumm's schedule
 * routes and /v1/api_keys.
 * Schedules name their organization as heyhumm's API does (`--org` or REPORTRUN_ORGANIZATION_ID,
 * the team id of the key).
 */

export interface TeamCommandValues {
  json: boolean;
  limit?: string | undefined;
  email?: string | undefined;
  scope?: string[] | undefined;
  org?: string | undefined;
  command?: string | undefined;
  cron?: string | undefined;
  timezone?: string | undefined;
  name?: string | undefined;
  mode?: string | undefined;
  subscriber?: string[] | undefined;
  enable: boolean;
  disable: boolean;
  'misfire-grace'?: string | undefined;
}

export const teamCommands = new Set([
  'keys list',
  'keys create',
  'keys revoke',
  'members list',
  'members create',
  'members get',
  'members update',
  'members delete',
  'schedules list',
  'schedules create',
  'schedules get',
  'schedules update',
  'schedules delete',
  'schedules trigger',
]);

export interface TeamCommandContext {
  config: ApiConfig;
  values: TeamCommandValues;
  env: NodeJS.ProcessEnv;
  rest: string[];
  print(value: unknown, human: () => string): void;
}

export async function runTeamCommand(command: string, context: TeamCommandContext): Promise<ExitCode> {
  const { config, values, print } = context;
  const single = (what: string) => {
    if (context.rest.length !== 1) throw new CliError(`${command} takes exactly one ${what}`, exitCodes.usage);
    return encodeURIComponent(context.rest[0]!);
  };
  const none = () => {
    if (context.rest.length > 0) throw new CliError(`unexpected argument: ${context.rest[0]}`, exitCodes.usage);
  };
  switch (command) {
    case 'keys list': {
      none();
      const list = await callApi<ApiKeyList>(config, 'GET', 'v1/api_keys');
      print(list, () =>
        table(list.data.map((key) => [key.id, key.livemode ? 'live' : 'test', key.name, key.redacted, key.created, key.last_used_at ?? 'never used'])),
      );
      return exitCodes.ok;
    }
    case 'keys create': {
      none();
      if (!values.name) throw new CliError('keys create needs --name', exitCodes.usage);
      // The new key has the mode of the key that makes it: a test key cannot make a live one.
      const key = await callApi<CreatedApiKeyResource>(config, 'POST', 'v1/api_keys', { name: values.name });
      print(key, () => `${key.id}  ${key.livemode ? 'live' : 'test'}  ${key.name}
secret (shown once, store it now): ${key.secret}
`);
      return exitCodes.ok;
    }
    case 'keys revoke': {
      const revoked = await callApi<DeletedApiKey>(config, 'DELETE', `v1/api_keys/${single('key id')}`);
      print(revoked, () => `${revoked.id}  revoked
`);
      return exitCodes.ok;
    }
    case 'members list': {
      none();
      const page = await callApi<{ data: MemberResource[] }>(config, 'GET', `v1/members${values.limit ? `?limit=${encodeURIComponent(values.limit)}` : ''}`);
      print(page, () => table(page.data.map((member) => [member.id, member.email, describeScope(member.data_scope)])));
      return exitCodes.ok;
    }
    case 'members create': {
      none();
      if (!values.email) throw new CliError('members create needs --email', exitCodes.usage);
      const member = await callApi<MemberResource>(config, 'POST', 'v1/members', {
        email: values.email,
        ...(values.scope ? { data_scope: scopeOf(values.scope) } : {}),
      });
      print(member, () => describeMember(member));
      return exitCodes.ok;
    }
    case 'members get': {
      const member = await callApi<MemberResource>(config, 'GET', `v1/members/${single('member id')}`);
      print(member, () => describeMember(member));
      return exitCodes.ok;
    }
    case 'members update': {
      const id = single('member id');
      if (values.email === undefined && values.scope === undefined)
        throw new CliError('members update needs --email, --scope or both', exitCodes.usage);
      const member = await callApi<MemberResource>(config, 'PATCH', `v1/members/${id}`, {
        ...(values.email !== undefined ? { email: values.email } : {}),
        ...(values.scope !== undefined ? { data_scope: scopeOf(values.scope) } : {}),
      });
      print(member, () => describeMember(member));
      return exitCodes.ok;
    }
    case 'members delete': {
      const deleted = await callApi<{ id: string }>(config, 'DELETE', `v1/members/${single('member id')}`);
      print(deleted, () => `${deleted.id}  deleted\n`);
      return exitCodes.ok;
    }
  }

  const org = values.org ?? context.env.REPORTRUN_ORGANIZATION_ID;
  if (!org) throw new CliError('schedules need the organization: pass --org or set REPORTRUN_ORGANIZATION_ID', exitCodes.usage);
  const orgQuery = `organization_id=${encodeURIComponent(org)}`;
  switch (command) {
    case 'schedules list': {
      none();
      if (!values.command) throw new CliError('schedules list needs --command', exitCodes.usage);
      const list = await callApi<{ schedules: ScheduleDetailResource[] }>(
        config,
        'GET',
        `commands/${encodeURIComponent(values.command)}/schedules?${orgQuery}`,
      );
      print(list, () =>
        table(list.schedules.map((schedule) => [schedule.id, schedule.name, `${schedule.cron_expression} ${schedule.timezone}`, schedule.next_run_time ?? 'disabled'])),
      );
      return exitCodes.ok;
    }
    case 'schedules create': {
      none();
      if (!values.command) throw new CliError('schedules create needs --command', exitCodes.usage);
      if (!values.cron) throw new CliError('schedules create needs --cron', exitCodes.usage);
      const schedule = await callApi<ScheduleDetailResource>(config, 'POST', `commands/${encodeURIComponent(values.command)}/schedules`, {
        organization_id: org,
        cron_expression: values.cron,
        name: values.name ?? values.cron,
        ...scheduleFields(values),
      });
      print(schedule, () => describeSchedule(schedule));
      return exitCodes.ok;
    }
    case 'schedules get': {
      const schedule = await callApi<ScheduleDetailResource>(config, 'GET', `schedules/${single('schedule id')}?${orgQuery}`);
      print(schedule, () => describeSchedule(schedule));
      return exitCodes.ok;
    }
    case 'schedules update': {
      const id = single('schedule id');
      const fields = {
        ...(values.cron !== undefined ? { cron_expression: values.cron } : {}),
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...scheduleFields(values),
      };
      if (Object.keys(fields).length === 0)
        throw new CliError('schedules update needs something to change (--cron, --timezone, --name, --mode, --subscriber, --enable, --disable, --misfire-grace)', exitCodes.usage);
      const schedule = await callApi<ScheduleDetailResource>(config, 'PUT', `schedules/${id}`, { organization_id: org, ...fields });
      print(schedule, () => describeSchedule(schedule));
      return exitCodes.ok;
    }
    case 'schedules delete': {
      const deleted = await callApi<{ id: string }>(config, 'DELETE', `schedules/${single('schedule id')}?${orgQuery}`);
      print(deleted, () => `${deleted.id}  deleted\n`);
      return exitCodes.ok;
    }
    case 'schedules trigger': {
      const fired = await callApi<{ thread_id: string; runs: { id: string; user_email: string | null; status: string }[] }>(
        config,
        'POST',
        `schedules/${single('schedule id')}/trigger`,
        { organization_id: org },
      );
      print(fired, () => `thread ${fired.thread_id}\n${table(fired.runs.map((run) => [run.id, run.status, run.user_email ?? '(all subscribers)']))}`);
      return exitCodes.ok;
    }
  }
  throw new CliError(`unknown command: ${command}`, exitCodes.usage);
}

/** `--scope currency=usd,eur --scope customer=cus_1`: each field's values; `field=` means all. */
function scopeOf(pairs: string[]): Record<string, string[]> {
  const scope: Record<string, string[]> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new CliError(`--scope must be field=value,value, got: ${pair}`, exitCodes.usage);
    const values = pair.slice(equals + 1).split(',').filter((value) => value !== '');
    scope[pair.slice(0, equals)] = [...(scope[pair.slice(0, equals)] ?? []), ...values];
  }
  return scope;
}

function scheduleFields(values: TeamCommandValues): Record<string, unknown> {
  if (values.enable && values.disable) throw new CliError('--enable and --disable cannot both be given', exitCodes.usage);
  let misfireGrace: number | undefined;
  if (values['misfire-grace'] !== undefined) {
    misfireGrace = Number(values['misfire-grace']);
    if (!Number.isInteger(misfireGrace) || misfireGrace < 0)
      throw new CliError(`--misfire-grace must be a whole number of seconds, got: ${values['misfire-grace']}`, exitCodes.usage);
  }
  return {
    ...(values.timezone !== undefined ? { timezone: values.timezone } : {}),
    ...(values.mode !== undefined ? { run_mode: values.mode } : {}),
    ...(values.subscriber !== undefined ? { subscriber_user_ids: values.subscriber } : {}),
    ...(values.enable ? { enabled: true } : values.disable ? { enabled: false } : {}),
    ...(misfireGrace !== undefined ? { misfire_grace_seconds: misfireGrace } : {}),
  };
}

function describeScope(scope: Record<string, string[]>): string {
  const fields = Object.entries(scope).map(([field, values]) => `${field}=${values.join(',')}`);
  return fields.length > 0 ? fields.join(' ') : '(everything)';
}

function describeMember(member: MemberResource): string {
  return `${member.id}  ${member.email}  ${describeScope(member.data_scope)}\n`;
}

function describeSchedule(schedule: ScheduleDetailResource): string {
  const lines = [
    `${schedule.id}  ${schedule.name}  ${schedule.enabled ? 'enabled' : 'disabled'}`,
    `  ${schedule.cron_expression} in ${schedule.timezone}, ${schedule.run_mode}, ${schedule.subscriber_user_ids.length} subscriber(s)`,
    `  next: ${schedule.upcoming_run_times.length > 0 ? schedule.upcoming_run_times.join(', ') : 'never (disabled)'}`,
  ];
  return `${lines.join('\n')}\n`;
}

function table(rows: string[][]): string {
  if (rows.length === 0) return '(none)\n';
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n';
}
