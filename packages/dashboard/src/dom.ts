/** A tiny element builder: the dashboard is plain DOM, so every control is a real element. */
type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
  return element;
}

/** Replaces the main region's content and moves focus to its heading, as a page change should. */
export function showPage(...children: Child[]): void {
  const main = document.getElementById('main')!;
  main.replaceChildren(...children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false).map((child) => (typeof child === 'number' ? String(child) : child)));
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
    document.title = `${heading.textContent} · ReportRun`;
  }
}

/** A message region screen readers announce when it changes. */
export function statusRegion(): HTMLElement {
  return h('p', { role: 'status', class: 'notice', 'aria-live': 'polite' });
}

export function errorBox(message: string): HTMLElement {
  return h('p', { role: 'alert', class: 'error' }, message);
}
