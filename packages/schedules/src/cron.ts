import { InvalidCronExpression } from './errors.ts';

/**
 * A parsed cron expression: the values each field allows, and the two facts Vixie cron's DST
 * rules and day matching read from how the fields were written.
 *
 * Five fields (minute hour day-of-month month day-of-week) as in crontab(5), or six with a
 * leading seconds field. Each field takes `*`, numbers, ranges `a-b`, lists `a,b`, steps `*\/n`,
 * `a-b/n` and `a/n`; months and weekdays also take English names (`jan`, `mon`); weekday 7 is
 * Sunday as 0 is. `@hourly`, `@daily`/`@midnight`, `@weekly`, `@monthly`, `@yearly`/`@annually`
 * stand for their usual expansions.
 */
export interface CronSchedule {
  readonly expression: string;
  readonly seconds: readonly boolean[];
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  /** Index 1..31. */
  readonly daysOfMonth: readonly boolean[];
  /** Index 1..12. */
  readonly months: readonly boolean[];
  /** Index 0..6, Sunday = 0. */
  readonly daysOfWeek: readonly boolean[];
  /**
   * Vixie cron: when both day fields are restricted a day matches if either does; when either
   * starts with `*` both must match (so `* * 13 * 5` is "every 13th", not "every Friday").
   */
  readonly dayOfMonthStar: boolean;
  readonly dayOfWeekStar: boolean;
  /**
   * A fixed-time schedule names its seconds, minutes and hours without `*` or steps. Vixie cron
   * treats the two kinds differently at DST changes: a fixed time that does not exist fires once
   * right after the gap and a repeated one fires once; a wildcard schedule follows the clock,
   * skipping the gap and firing again in the repeated hour.
   */
  readonly fixedTime: boolean;
}

interface FieldSpec {
  name: 'second' | 'minute' | 'hour' | 'day_of_month' | 'month' | 'day_of_week';
  min: number;
  max: number;
  names?: readonly string[];
}

const fieldSpecs = {
  second: { name: 'second', min: 0, max: 59 },
  minute: { name: 'minute', min: 0, max: 59 },
  hour: { name: 'hour', min: 0, max: 23 },
  dayOfMonth: { name: 'day_of_month', min: 1, max: 31 },
  month: {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  // 7 is accepted as Sunday and folded onto 0 below.
  dayOfWeek: { name: 'day_of_week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
} as const satisfies Record<string, FieldSpec>;

const macros: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Longest day of each month (February 29, as leap years come within every eight years). */
const longestMonth = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses and checks a cron expression; throws InvalidCronExpression saying what is wrong. */
export function parseCron(expression: string): CronSchedule {
  const trimmed = expression.trim();
  const expanded = macros[trimmed.toLowerCase()] ?? trimmed;
  if (expanded.startsWith('@')) {
    throw new InvalidCronExpression(expression, `unknown macro '${trimmed}'`);
  }
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new InvalidCronExpression(
      expression,
      `expected 5 fields (minute hour day-of-month month day-of-week), or 6 with leading seconds; got ${fields.length}`,
    );
  }
  const [secondField, minute, hour, dayOfMonth, month, dayOfWeek] =
    fields.length === 6 ? (fields as [string, string, string, string, string, string]) : ['0', ...(fields as [string, string, string, string, string])];
  const daysOfWeek = parseField(expression, dayOfWeek, fieldSpecs.dayOfWeek);
  if (daysOfWeek[7]) daysOfWeek[0] = true;
  daysOfWeek.length = 7;
  const schedule: CronSchedule = {
    expression: trimmed,
    seconds: parseField(expression, secondField, fieldSpecs.second),
    minutes: parseField(expression, minute, fieldSpecs.minute),
    hours: parseField(expression, hour, fieldSpecs.hour),
    daysOfMonth: parseField(expression, dayOfMonth, fieldSpecs.dayOfMonth),
    months: parseField(expression, month, fieldSpecs.month),
    daysOfWeek,
    dayOfMonthStar: dayOfMonth.startsWith('*'),
    dayOfWeekStar: dayOfWeek.startsWith('*'),
    fixedTime: [secondField, minute, hour].every((field) => !field.includes('*') && !field.includes('/')),
  };
  if (!canEverFire(schedule)) {
    throw new InvalidCronExpression(expression, 'no month has the day of the month it names, so it can never fire');
  }
  return schedule;
}

function parseField(expression: string, text: string, spec: FieldSpec): boolean[] {
  const allowed: boolean[] = Array.from({ length: spec.max + 1 }, () => false);
  const fail = (why: string): never => {
    throw new InvalidCronExpression(expression, `${spec.name.replaceAll('_', '-')} field '${text}': ${why}`);
  };
  const value = (token: string): number => {
    const lower = token.toLowerCase();
    const named = spec.names?.indexOf(lower) ?? -1;
    if (named >= 0) return named + (spec.name === 'month' ? 1 : 0);
    if (!/^\d{1,2}$/.test(token)) fail(`'${token}' is not a number${spec.names ? ' or a name' : ''}`);
    const number = Number(token);
    if (number < spec.min || number > spec.max) fail(`${number} is outside ${spec.min}-${spec.max}`);
    return number;
  };
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (range === undefined || range === '' || extra !== undefined) fail(`'${part}' is not a value, range or step`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,2}$/.test(stepText) || Number(stepText) === 0) fail(`step '${stepText}' must be a positive number`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.name === 'day_of_week' ? 6 : spec.max;
    } else if (range!.includes('-')) {
      const [low, high, more] = range!.split('-');
      if (low === undefined || high === undefined || more !== undefined) fail(`'${range}' is not a range`);
      from = value(low!);
      to = value(high!);
      if (from > to) fail(`range ${range} runs backwards`);
    } else {
      from = value(range!);
      // `a/n` means from a to the end of the field, stepping by n.
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) allowed[v] = true;
  }
  return allowed;
}

/** Only "day of month, any weekday" can name dates no month has (`0 0 30 2 *`). */
function canEverFire(schedule: CronSchedule): boolean {
  if (schedule.dayOfMonthStar) return true;
  if (!schedule.dayOfWeekStar) return true; // either day field matching is enough
  for (let month = 1; month <= 12; month += 1) {
    if (!schedule.months[month]) continue;
    for (let day = 1; day <= longestMonth[month]!; day += 1) if (schedule.daysOfMonth[day]) return true;
  }
  return false;
}

/** Whether the calendar day (year, month 1-12, day 1-31, weekday 0-6) is one the schedule runs on. */
export function matchesDay(schedule: CronSchedule, month: number, day: number, weekday: number): boolean {
  if (!schedule.months[month]) return false;
  const dayOfMonth = schedule.daysOfMonth[day] === true;
  const dayOfWeek = schedule.daysOfWeek[weekday] === true;
  return schedule.dayOfMonthStar || schedule.dayOfWeekStar ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek;
}
