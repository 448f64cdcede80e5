import { session } from './api-client.ts';
import { h } from './dom.ts';
import { showApiKeys } from './pages/api-keys.ts';
import { showMembers } from './pages/members.ts';
import { showNewRun } from './pages/new-run.ts';
import { showRun } from './pages/run.ts';
import { showRuns } from './pages/runs.ts';
import { showSavedReports } from './pages/saved-reports.ts';
import { showSchedules } from './pages/schedules.ts';
import { showSignIn } from './pages/sign-in.ts';

/**
 * The dashboard's pages, by hash route (`#/runs`, `#/runs/{id}`, …): the API serves one static
 * page and every route works on reload and with the back button, with no server-side routing.
 */
const navigation = [
  ['#/runs', 'Runs'],
  ['#/new', 'New run'],
  ['#/saved', 'Saved reports'],
  ['#/schedules', 'Schedules'],
  ['#/members', 'Members'],
  ['#/keys', 'API keys'],
] as const;

/** Stops the previous page's live updates when the route changes. */
let leavePage = new AbortController();

function renderNavigation(route: string): void {
  const nav = document.getElementById('nav')!;
  if (!session.key()) {
    nav.replaceChildren();
    return;
  }
  nav.replaceChildren(
    h(
      'ul',
      {},
      navigation.map(([href, label]) =>
        h('li', {}, h('a', { href, ...(route.startsWith(href) ? { 'aria-current': 'page' } : {}) }, label)),
      ),
      h(
        'li',
        {},
        h('button', { type: 'button', class: 'link-button', onclick: () => { session.signOut(); location.hash = '#/sign-in'; } }, 'Sign out'),
      ),
    ),
  );
}

function route(): void {
  leavePage.abort();
  leavePage = new AbortController();
  const signal = leavePage.signal;
  const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  if (!session.key() && path !== '/sign-in') {
    location.hash = '#/sign-in';
    return;
  }
  renderNavigation(`#${path}`);
  const runMatch = /^\/runs\/([^/]+)$/.exec(path);
  if (path === '/sign-in') showSignIn();
  else if (runMatch) void showRun(decodeURIComponent(runMatch[1]!), signal);
  else if (path === '/new') void showNewRun(params.get('report'));
  else if (path === '/saved') void showSavedReports();
  else if (path === '/schedules') showSchedules();
  else if (path === '/members') void showMembers();
  else if (path === '/keys') void showApiKeys();
  else void showRuns(params, signal);
}

window.addEventListener('hashchange', route);
route();
