import type { MemberList } from '@reportrun/core';
import { apiRequest, ApiProblem } from '../api-client.ts';
import { errorBox, h, showPage } from '../dom.ts';
import { formatTime } from '../format.ts';

/** The team's members and the data scope each one's runs are limited to. */
export async function showMembers(): Promise<void> {
  let page: MemberList;
  try {
    page = await apiRequest<MemberList>('GET', '/v1/members?limit=100');
  } catch (error) {
    showPage(h('h1', {}, 'Members'), errorBox(error instanceof ApiProblem ? error.message : 'The members could not be read.'));
    return;
  }
  showPage(
    h('h1', {}, 'Members'),
    page.data.length
      ? h('table', { class: 'table' },
          h('caption', { class: 'visually-hidden' }, 'Members and their data scopes'),
          h('thead', {}, h('tr', {}, ['Email', 'Data scope', 'Added'].map((title) => h('th', { scope: 'col' }, title)))),
          h('tbody', {}, page.data.map((member) => {
            const scope = Object.entries(member.data_scope);
            return h('tr', {},
              h('td', { 'data-label': 'Email' }, member.email),
              h('td', { 'data-label': 'Data scope' }, scope.length
                ? h('ul', { class: 'scope' }, scope.map(([field, values]) => h('li', {}, h('strong', {}, field), ': ', (values as string[]).join(', '))))
                : 'Everything'),
              h('td', { 'data-label': 'Added' }, formatTime(member.created_at)));
          })))
      : h('p', { class: 'card' }, 'No members yet. Add one with ', h('code', {}, 'POST /v1/members'), '.'),
    page.has_more ? h('p', { class: 'hint' }, 'The newest 100 members are shown.') : null,
  );
}
