import { h, showPage } from '../dom.ts';

/** The navigation keeps a place for schedules; their page comes with the schedules API. */
export function showSchedules(): void {
  showPage(
    h('h1', {}, 'Schedules'),
    h('p', { class: 'card' }, 'Schedules are not shown here yet. Until they are, manage them with the API or the ', h('code', {}, 'reportrun'), ' command line.'),
  );
}
