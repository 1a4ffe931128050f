import type { JsonSchema } from '../api/tools';
import { h } from './dom';

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';

interface Field {
  name: string;
  kind: Kind;
  required: boolean;
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
}

/** An optional value's schema without its `null` branch (`anyOf: [X, {type: null}]` is X). */
function nonNull(schema: JsonSchema): JsonSchema {
  const branches = (schema.anyOf ?? []).filter(branch => branch.type !== 'null');
  return branches.length === 1 ? { ...branches[0], ...schema, anyOf: undefined } : schema;
}

/** The JSON type a property takes, `null` aside (`["string", "null"]` is a string). */
function kindOf(schema: JsonSchema): Kind {
  if (schema.enum) {
    return 'enum';
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find(t => t !== 'null');
  return type === 'string' || type === 'number' || type === 'integer' || type === 'boolean'
    ? type
    : 'json';
}

/** A field's name, starred when it is required. */
export function fieldName(name: string, required: boolean): HTMLElement {
  return h('span', { className: 'jp-McpWorkbench-fieldName' }, [
    name,
    required ? h('span', { className: 'jp-McpWorkbench-required', text: ' *' }) : ''
  ]);
}

/** A form for a tool's arguments, generated from its input schema. */
export class SchemaForm {
  readonly node: HTMLElement;
  private readonly fields: Field[] = [];

  constructor(schema: JsonSchema) {
    this.node = h('div', { className: 'jp-McpWorkbench-form' });
    const required = new Set(schema.required ?? []);
    for (const [name, declared] of Object.entries(schema.properties ?? {})) {
      const property = nonNull(declared);
      const field: Field = {
        name,
        kind: kindOf(property),
        required: required.has(name),
        input: SchemaForm.inputFor(property)
      };
      field.input.name = name;
      field.input.setAttribute('aria-label', name);
      this.fields.push(field);
      const label = h('label', { className: 'jp-McpWorkbench-field' }, [
        fieldName(name, field.required),
        field.input
      ]);
      if (property.description) {
        label.append(h('small', { text: property.description }));
      }
      this.node.append(label);
    }
    if (this.fields.length === 0) {
      this.node.append(h('p', { className: 'jp-McpWorkbench-muted', text: 'No arguments.' }));
    }
  }

  /**
   * The arguments the form holds; an empty optional field is left out.
   * Throws an `Error` naming a field whose value does not parse.
   */
  values(): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const { name, kind, required, input } of this.fields) {
      if (kind === 'boolean') {
        values[name] = (input as HTMLInputElement).checked;
        continue;
      }
      const raw = input.value;
      if (raw === '' && !required) {
        continue;
      }
      values[name] = SchemaForm.parse(name, kind, raw, input);
    }
    return values;
  }

  private static parse(name: string, kind: Kind, raw: string, input: Field['input']): unknown {
    switch (kind) {
      case 'number':
      case 'integer': {
        const value = Number(raw);
        if (raw.trim() === '' || Number.isNaN(value)) {
          throw new Error(`${name}: not a number`);
        }
        return value;
      }
      case 'enum':
        return JSON.parse((input as HTMLSelectElement).selectedOptions[0]?.dataset.json ?? 'null');
      case 'json':
        try {
          return JSON.parse(raw);
        } catch {
          throw new Error(`${name}: not valid JSON`);
        }
      default:
        return raw;
    }
  }

  private static inputFor(schema: JsonSchema): Field['input'] {
    const kind = kindOf(schema);
    if (kind === 'enum') {
      const select = h('select');
      for (const value of schema.enum ?? []) {
        const option = h('option', { text: String(value) });
        option.dataset.json = JSON.stringify(value);
        option.selected = value === schema.default;
        select.append(option);
      }
      return select;
    }
    if (kind === 'json') {
      const area = h('textarea', { attrs: { rows: '3', placeholder: 'JSON' } });
      area.value = schema.default === undefined ? '' : JSON.stringify(schema.default);
      return area;
    }
    const input = h('input');
    if (kind === 'boolean') {
      input.type = 'checkbox';
      input.checked = schema.default === true;
    } else {
      input.type = kind === 'string' ? 'text' : 'number';
      if (kind === 'integer') {
        input.step = '1';
      }
      if (schema.default !== undefined && schema.default !== null) {
        input.value = String(schema.default);
      }
    }
    return input;
  }
}
