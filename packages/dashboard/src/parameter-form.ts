import type { ReportParameterResource, ReportResource } from '@reportrun/core';
import { h } from './dom.ts';

/**
 * Form fields generated from a report's parameter schema (`GET /v2/reporting/reports/{id}`):
 * enums become selects, arrays of enums groups of checkboxes, timestamps and strings text
 * inputs. Each field carries the API's name for it (`report_parameters.<name>`), so a problem's
 * `param` finds the field it is about.
 */
export interface ParameterFields {
  element: HTMLElement;
  /** The values to send, leaving out the optional ones left empty. */
  values(): Record<string, string | string[]>;
  /** Marks the field a problem's `param` names; false when no field matches. */
  markInvalid(param: string, message: string): boolean;
  clearInvalid(): void;
}

const fieldId = (name: string) => `parameter-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export function parameterFields(report: ReportResource): ParameterFields {
  const readers: [string, () => string | string[] | undefined][] = [];
  const fields = Object.entries(report.parameters).map(([name, parameter]) => {
    const { control, read } = controlFor(name, parameter);
    readers.push([name, read]);
    return h('div', { class: 'field', 'data-param': `report_parameters.${name}` },
      control,
      h('p', { class: 'hint', id: `${fieldId(name)}-hint` }, parameter.description),
      h('p', { class: 'field-error', id: `${fieldId(name)}-error`, hidden: true }));
  });
  const element = h('fieldset', { class: 'parameters' }, h('legend', {}, 'Parameters'), fields.length ? fields : h('p', {}, 'This report takes no parameters.'));
  const fieldFor = (param: string) =>
    [...element.querySelectorAll<HTMLElement>('[data-param]')].find((field) => param === field.dataset.param || param.startsWith(`${field.dataset.param}[`) || param.startsWith(`${field.dataset.param}.`));
  return {
    element,
    values: () => Object.fromEntries(readers.flatMap(([name, read]) => {
      const value = read();
      return value === undefined ? [] : [[name, value]];
    })),
    markInvalid(param, message) {
      const field = fieldFor(param);
      if (!field) return false;
      const error = field.querySelector<HTMLElement>('.field-error')!;
      error.textContent = message;
      error.hidden = false;
      const control = field.querySelector<HTMLElement>('input, select');
      control?.setAttribute('aria-invalid', 'true');
      control?.focus();
      return true;
    },
    clearInvalid() {
      for (const error of element.querySelectorAll<HTMLElement>('.field-error')) error.hidden = true;
      for (const control of element.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
    },
  };
}

function controlFor(name: string, parameter: ReportParameterResource) {
  const id = fieldId(name);
  const label = `${name}${parameter.required ? ' (required)' : ''}`;
  const describedBy = `${id}-hint ${id}-error`;
  if (parameter.type === 'enum' && parameter.enum_details) {
    const chosen = typeof parameter.default === 'string' ? parameter.default : '';
    const select = h('select', { id, name, 'aria-describedby': describedBy, ...(parameter.required ? { required: true } : {}) },
      parameter.required && chosen ? null : h('option', { value: '' }, parameter.required ? 'Choose…' : 'Any'),
      parameter.enum_details.allowed_values.map((value) => h('option', { value, ...(value === chosen ? { selected: true } : {}) }, value)));
    return { control: h('div', {}, h('label', { for: id }, label), select), read: () => select.value || undefined };
  }
  if (parameter.type === 'array' && parameter.array_details) {
    const chosen = new Set(Array.isArray(parameter.default) ? parameter.default : []);
    const boxes = parameter.array_details.enum_details.allowed_values.map((value) => {
      const box = h('input', { type: 'checkbox', id: `${id}-${value}`, name, value, ...(chosen.has(value) ? { checked: true } : {}) });
      return { box, element: h('label', { class: 'check', for: `${id}-${value}` }, box, ` ${value}`) };
    });
    const group = h('fieldset', { class: 'choices', 'aria-describedby': describedBy },
      h('legend', {}, label), boxes.map((entry) => entry.element));
    return {
      control: group,
      read: () => {
        const values = boxes.filter((entry) => entry.box.checked).map((entry) => entry.box.value);
        return values.length ? values : undefined;
      },
    };
  }
  const isTimestamp = parameter.type === 'timestamp';
  const input = h('input', {
    id,
    name,
    type: 'text',
    'aria-describedby': describedBy,
    autocomplete: 'off',
    spellcheck: 'false',
    value: typeof parameter.default === 'string' ? parameter.default : '',
    ...(isTimestamp ? { placeholder: '2025-03-01T00:00:00Z', inputmode: 'text' } : {}),
    ...(parameter.required ? { required: true } : {}),
  });
  return {
    control: h('div', {}, h('label', { for: id }, isTimestamp ? `${label}, a time in RFC 3339 (UTC: end with Z)` : label), input),
    read: () => input.value.trim() || undefined,
  };
}
