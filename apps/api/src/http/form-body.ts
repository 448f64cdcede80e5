import { InvalidParameter, textProblem } from '@reportrun/core';

/**
 * `application/x-www-form-urlencoded` bodies in Stripe's bracket syntax: `report_type=x`,
 * `parameters[interval_start]=1740787200`, `parameters[columns][]=a` or, as Stripe's own SDKs
 * send lists, `parameters[columns][0]=a`. The parser is strict where lenient ones (qs) guess:
 * unbalanced brackets, a scalar given twice, a name that is both a value and a container, gaps
 * in list indices and nesting deeper than `maxFormDepth` are each a 400 naming the parameter.
 */

/** Brackets a name may carry after its base (`a[b][c][]` has three); Stripe's own bodies use two. */
export const maxFormDepth = 4;
/** Name-value pairs a body may hold. */
export const maxFormPairs = 1000;
/** Longest list (highest index + 1). */
export const maxFormListLength = 100;

export type FormValue = string | FormValue[] | { [key: string]: FormValue };

type Node =
  | { kind: 'scalar'; value: string }
  | { kind: 'object'; entries: Map<string, Node> }
  | { kind: 'list'; items: Map<number, Node> };

const namePattern = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;
const segmentPattern = /\[([^[\]]*)\]/g;

function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

export function parseFormBody(text: string): Record<string, FormValue> {
  const root: Node = { kind: 'object', entries: new Map() };
  const pairs = text.split('&').filter((pair) => pair !== '');
  if (pairs.length > maxFormPairs) {
    throw new InvalidParameter('body', `A form body may hold at most ${maxFormPairs} parameters.`);
  }
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const name = decode(rawName);
    if (name === undefined || textProblem(name, { allowControl: true })) {
      throw new InvalidParameter('body', `The parameter name '${rawName.slice(0, 100)}' is not valid percent-encoded UTF-8 text.`);
    }
    const value = decode(equals === -1 ? '' : pair.slice(equals + 1));
    if (value === undefined) throw new InvalidParameter(name, `${name} is not valid percent-encoded UTF-8.`);
    const problem = textProblem(value, { allowControl: true });
    if (problem) throw new InvalidParameter(name, `${name} ${problem}.`);
    insert(root, name, value);
  }
  return toValue(root, '') as Record<string, FormValue>;
}

function insert(root: Node, name: string, value: string): void {
  const match = namePattern.exec(name);
  if (!match) {
    throw new InvalidParameter(
      name.slice(0, 200),
      `'${name.slice(0, 200)}' is not a parameter name: brackets must be balanced and follow a name, as in parameters[columns][].`,
    );
  }
  const segments = [...match[2]!.matchAll(segmentPattern)].map((segment) => segment[1]!);
  if (segments.length > maxFormDepth) {
    throw new InvalidParameter(name, `${name} is nested ${segments.length} levels deep; at most ${maxFormDepth} are allowed.`);
  }
  const keys: (string | number | 'append')[] = [match[1]!];
  for (const [index, segment] of segments.entries()) {
    if (segment === '') {
      if (index !== segments.length - 1) {
        throw new InvalidParameter(name, `${name}: [] may only end a name, as in parameters[columns][].`);
      }
      keys.push('append');
    } else if (/^\d+$/.test(segment)) {
      const position = Number(segment);
      if (position >= maxFormListLength) {
        throw new InvalidParameter(name, `${name}: a list holds at most ${maxFormListLength} items.`);
      }
      keys.push(position);
    } else keys.push(segment);
  }

  let node = root;
  for (const [index, key] of keys.entries()) {
    const last = index === keys.length - 1;
    const next = keys[index + 1];
    const wanted: Node['kind'] = last ? 'scalar' : typeof next === 'string' && next !== 'append' ? 'object' : 'list';
    if (node.kind === 'object') {
      if (typeof key !== 'string' || key === 'append') {
        throw conflict(name);
      }
      node = step(node.entries, key, wanted, name);
    } else if (node.kind === 'list') {
      if (typeof key === 'string' && key !== 'append') throw conflict(name);
      const position = key === 'append' ? node.items.size : key;
      if (position >= maxFormListLength) {
        throw new InvalidParameter(name, `${name}: a list holds at most ${maxFormListLength} items.`);
      }
      node = step(node.items, position as number, wanted, name);
    } else throw conflict(name);
    if (last) (node as { value: string }).value = value;
  }
}

function step<K>(children: Map<K, Node>, key: K, wanted: Node['kind'], name: string): Node {
  const existing = children.get(key);
  if (existing) {
    if (wanted === 'scalar' || existing.kind === 'scalar') {
      throw new InvalidParameter(name, `${name} is given more than once, or is both a value and a container.`);
    }
    if (existing.kind !== wanted) throw conflict(name);
    return existing;
  }
  const created: Node =
    wanted === 'scalar'
      ? { kind: 'scalar', value: '' }
      : wanted === 'object'
        ? { kind: 'object', entries: new Map() }
        : { kind: 'list', items: new Map() };
  children.set(key, created);
  return created;
}

function conflict(name: string): InvalidParameter {
  return new InvalidParameter(name, `${name} mixes list items and named keys under one name.`);
}

function toValue(node: Node, path: string): FormValue {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'object':
      // fromEntries defines own properties, so even a key named __proto__ stays plain data.
      return Object.fromEntries(
        [...node.entries].map(([key, child]) => [key, toValue(child, path ? `${path}[${key}]` : key)]),
      );
    case 'list': {
      const items: FormValue[] = [];
      for (let index = 0; index < node.items.size; index += 1) {
        const child = node.items.get(index);
        if (!child) {
          throw new InvalidParameter(path, `${path}: list indices must run from 0 without gaps.`);
        }
        items.push(toValue(child, `${path}[${index}]`));
      }
      return items;
    }
  }
}
