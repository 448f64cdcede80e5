import type { ApiKeyList, SavedReportList, ScheduleDetailResource } from '@reportrun/core';
import { apiRequest, ApiProblem } from '../api-client.ts';
import { errorBox, h, showPage, statusRegion } from '../dom.ts';
import { formatInZone, formatTime } from '../format.ts';

interface CommandSchedules {
  command: { id: string; name: string };
  schedules: ScheduleDetailResource[];
}

/**
 * Every saved report's schedules: when each fires next (five times, in the schedule's own time
 * zone, as heyhumm's users read them), whether slots were missed, and a button that fires one now.
 * heyhumm's routes name the organization; it is the team of the signed-in key.
 */
export async function showSchedules(): Promise<void> {
  const message = statusRegion();
  let organization: string;
  let groups: CommandSchedules[];
  try {
    const keys = await apiRequest<ApiKeyList>('GET', '/v1/api_keys');
    organization = keys.data[0]?.team ?? '';
    const saved = await apiRequest<SavedReportList>('GET', '/v1/reports/saved?limit=100');
    groups = await Promise.all(
      saved.data.map(async (command) => ({
        command: { id: command.id, name: command.name },
        schedules: (
          await apiRequest<{ schedules: ScheduleDetailResource[] }>(
            'GET',
            `/commands/${encodeURIComponent(command.id)}/schedules?organization_id=${encodeURIComponent(organization)}`,
          )
        ).schedules,
      })),
    );
  } catch (error) {
    showPage(h('h1', {}, 'Schedules'), errorBox(error instanceof ApiProblem ? error.message : 'The schedules could not be read.'));
    return;
  }
  const trigger = async (schedule: ScheduleDetailResource, button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      const fired = await apiRequest<{ runs: { id: string }[] }>('POST', `/schedules/${encodeURIComponent(schedule.id)}/trigger`, {
        organization_id: organization,
      });
      message.textContent = `${schedule.name} fired now: ${fired.runs.length} run${fired.runs.length === 1 ? '' : 's'} made.`;
    } catch (error) {
      message.textContent = error instanceof ApiProblem ? error.message : 'The schedule could not be fired.';
    }
    button.disabled = false;
  };
  const scheduled = groups.filter((group) => group.schedules.length > 0);
  showPage(
    h('h1', {}, 'Schedules'),
    message,
    scheduled.length
      ? h('table', { class: 'table' },
          h('caption', { class: 'visually-hidden' }, 'Schedules and their next firing times'),
          h('thead', {}, h('tr', {}, ['Schedule', 'Saved report', 'When', 'Next five firings', 'Slots', 'Actions'].map((title) => h('th', { scope: 'col' }, title)))),
          h('tbody', {}, scheduled.flatMap((group) => group.schedules.map((schedule) => {
            const button = h('button', { type: 'button', 'aria-label': `Fire ${schedule.name} now` }, 'Fire now');
            button.addEventListener('click', () => void trigger(schedule, button));
            const missed = schedule.slots.filter((slot) => slot.state === 'missed').length;
            return h('tr', { 'data-schedule': schedule.id },
              h('td', { 'data-label': 'Schedule' }, schedule.name, schedule.enabled ? '' : h('span', { class: 'badge' }, ' disabled')),
              h('td', { 'data-label': 'Saved report' }, group.command.name),
              h('td', { 'data-label': 'When' }, h('code', {}, schedule.cron_expression), ` in ${schedule.timezone}, ${schedule.run_mode.replaceAll('_', ' ')}`),
              h('td', { 'data-label': 'Next five firings' },
                schedule.upcoming_run_times.length
                  ? h('ol', { class: 'firings' }, schedule.upcoming_run_times.map((instant) =>
                      h('li', {}, h('time', { datetime: instant }, formatInZone(instant, schedule.timezone)))))
                  : 'Never (disabled)'),
              h('td', { 'data-label': 'Slots' }, `${schedule.slots.length - missed} fired, ${missed} missed`,
                schedule.last_run_time ? h('div', { class: 'hint' }, `last ${formatTime(schedule.last_run_time)}`) : null),
              h('td', { 'data-label': 'Actions' }, button));
          }))))
      : h('p', { class: 'card' }, 'No schedules yet. Schedule a saved report with ', h('code', {}, 'POST /commands/{id}/schedules'), ' or ', h('code', {}, 'reportrun schedules create'), '.'),
  );
}
