/**
 * A form made from a tool's JSON input schema: one field per property, the text the user
 * typed in each, and how that text becomes the call's arguments (or the errors that say
 * why it cannot).
 */

import type { JsonSchema } from "./api/tools";

export type ScalarKind = "string" | "number" | "integer" | "boolean";

/**
 * How a property is edited: a text box, a number box, a checkbox, a choice, one value per
 * line (an array of scalars), or JSON text (anything else).
 */
export type FieldKind = ScalarKind | "enum" | "array" | "json";

export interface FieldSpec {
  name: string;
  label: string;
  description: string;
  kind: FieldKind;
  required: boolean;
  /** The property also takes `null` (it is left out when empty). */
  nullable: boolean;
  /** The resolved schema of the property (`null` alternative removed). */
  schema: JsonSchema;
  /** For `enum`: the choices. */
  choices: unknown[];
  /** For `array`: what each line is. */
  item: ScalarKind | "enum";
  /** A long text (a body, code, a template): a text area. */
  multiline: boolean;
}

/** What the user typed: text for every field, a boolean for checkboxes. */
export type FormValues = Record<string, string | boolean>;
export type FieldErrors = Record<string, string>;

const MULTILINE_NAMES = /^(body|code|text|template|content|comment|message|messages)$/i;

function resolve(schema: JsonSchema, root: JsonSchema, depth = 0): JsonSchema {
  if (!schema.$ref || depth > 10) return schema;
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(schema.$ref);
  const defs = match?.[1] === "definitions" ? root.definitions : root.$defs;
  const target = match ? defs?.[decodeURIComponent(match[2] ?? "")] : undefined;
  if (!target) return schema;
  const rest = { ...schema };
  delete rest.$ref;
  return resolve({ ...target, ...rest }, root, depth + 1);
}

function types(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

/** The schema without a `null` alternative (`anyOf: [X, {type: null}]`, `type: [X, "null"]`),
 * and whether there was one. */
function withoutNull(schema: JsonSchema, root: JsonSchema): [JsonSchema, boolean] {
  const resolved = resolve(schema, root);
  const alternatives = resolved.anyOf ?? resolved.oneOf;
  if (alternatives) {
    const others = alternatives.filter((s) => !types(resolve(s, root)).includes("null"));
    if (others.length === 1 && others.length < alternatives.length && others[0]) {
      const outer = { ...resolved };
      delete outer.anyOf;
      delete outer.oneOf;
      return [{ ...resolve(others[0], root), ...outer }, true];
    }
    return [resolved, false];
  }
  const listed = types(resolved);
  if (listed.includes("null") && listed.length === 2) {
    return [{ ...resolved, type: listed.find((t) => t !== "null") }, true];
  }
  return [resolved, false];
}

function scalarKind(schema: JsonSchema): ScalarKind | "enum" | null {
  if (schema.enum && schema.enum.length > 0) return "enum";
  const [only, ...more] = types(schema);
  if (more.length > 0) return null;
  if (only === "string" || only === "number" || only === "integer" || only === "boolean") {
    return only;
  }
  return null;
}

function kindOf(schema: JsonSchema, root: JsonSchema): Pick<FieldSpec, "kind" | "item"> {
  const scalar = scalarKind(schema);
  if (scalar !== null) return { kind: scalar, item: "string" };
  if (types(schema).length === 1 && types(schema)[0] === "array" && schema.items) {
    const item = scalarKind(resolve(schema.items, root));
    if (item !== null) return { kind: "array", item };
  }
  return { kind: "json", item: "string" };
}

/** The fields of a tool's input schema, in the schema's order. */
export function fieldsOf(root: JsonSchema): FieldSpec[] {
  const required = new Set(root.required ?? []);
  return Object.entries(root.properties ?? {}).map(([name, raw]) => {
    const [schema, nullable] = withoutNull(raw, root);
    const { kind, item } = kindOf(schema, root);
    const choices =
      kind === "enum" ? (schema.enum ?? []) : (resolve(schema.items ?? {}, root).enum ?? []);
    return {
      name,
      label: name,
      description: schema.description ?? raw.description ?? "",
      kind,
      required: required.has(name),
      nullable,
      schema,
      choices,
      item,
      multiline: kind === "string" && (MULTILINE_NAMES.test(name) || (schema.maxLength ?? 0) > 500),
    };
  });
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** The form's starting text: each property's default, if it has one. */
export function initialValues(fields: readonly FieldSpec[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const given = field.schema.default;
    if (field.kind === "boolean") values[field.name] = given === true;
    else if (given === undefined || given === null) values[field.name] = "";
    else if (field.kind === "array" && Array.isArray(given)) values[field.name] = given.join("\n");
    else if (field.kind === "json") values[field.name] = json(given);
    else if (field.kind === "enum") values[field.name] = json(given);
    else values[field.name] = String(given);
  }
  return values;
}

type Parsed = { value: unknown } | { error: string };

function parseNumber(text: string, kind: "number" | "integer", schema: JsonSchema): Parsed {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) return { error: "Enter a number." };
  if (kind === "integer" && !Number.isInteger(value)) return { error: "Enter a whole number." };
  if (schema.minimum !== undefined && value < schema.minimum) {
    return { error: `Must be at least ${schema.minimum}.` };
  }
  if (schema.maximum !== undefined && value > schema.maximum) {
    return { error: `Must be at most ${schema.maximum}.` };
  }
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
    return { error: `Must be more than ${schema.exclusiveMinimum}.` };
  }
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
    return { error: `Must be less than ${schema.exclusiveMaximum}.` };
  }
  return { value };
}

function parseString(text: string, schema: JsonSchema): Parsed {
  if (schema.minLength !== undefined && text.length < schema.minLength) {
    return { error: `At least ${schema.minLength} characters.` };
  }
  if (schema.maxLength !== undefined && text.length > schema.maxLength) {
    return { error: `At most ${schema.maxLength} characters.` };
  }
  if (schema.pattern !== undefined) {
    try {
      if (!new RegExp(schema.pattern, "u").test(text)) {
        return { error: `Must match ${schema.pattern}.` };
      }
    } catch {
      // A pattern JavaScript cannot read is left to the server.
    }
  }
  return { value: text };
}

function parseScalar(text: string, kind: ScalarKind | "enum", schema: JsonSchema): Parsed {
  switch (kind) {
    case "number":
    case "integer":
      return parseNumber(text, kind, schema);
    case "boolean":
      if (text === "true" || text === "false") return { value: text === "true" };
      return { error: "Enter true or false." };
    case "enum": {
      const choice = (schema.enum ?? []).find((c) => json(c) === text || String(c) === text);
      return choice === undefined ? { error: "Choose one of the values." } : { value: choice };
    }
    default:
      return parseString(text, schema);
  }
}

function parseField(field: FieldSpec, text: string): Parsed {
  switch (field.kind) {
    case "array": {
      const lines = text.split("\n").filter((line) => line.trim() !== "");
      const items = field.schema.items ?? {};
      const values: unknown[] = [];
      for (const [index, line] of lines.entries()) {
        const item = field.item === "string" ? line : line.trim();
        const parsed = parseScalar(
          item,
          field.item,
          field.item === "enum" ? (field.schema.items ?? {}) : items,
        );
        if ("error" in parsed) return { error: `Line ${index + 1}: ${parsed.error}` };
        values.push(parsed.value);
      }
      const { minItems, maxItems } = field.schema;
      if (minItems !== undefined && values.length < minItems) {
        return {
          error: `At least ${minItems} ${minItems === 1 ? "value" : "values"}, one a line.`,
        };
      }
      if (maxItems !== undefined && values.length > maxItems) {
        return { error: `At most ${maxItems} values.` };
      }
      return { value: values };
    }
    case "json": {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        return { error: `Not valid JSON: ${error instanceof Error ? error.message : error}` };
      }
      const expected = types(field.schema);
      const actual = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
      if (expected.length === 1 && expected[0] !== actual) {
        return { error: `Must be a JSON ${expected[0]}.` };
      }
      return { value };
    }
    default:
      return parseScalar(text, field.kind, field.schema);
  }
}

/** The call's arguments from what the user typed, or what is wrong with each field. */
export function toArguments(
  fields: readonly FieldSpec[],
  values: FormValues,
): { args: Record<string, unknown> } | { errors: FieldErrors } {
  const args: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const field of fields) {
    const given = values[field.name];
    if (field.kind === "boolean") {
      const checked = given === true;
      if (field.required || checked !== (field.schema.default === true)) args[field.name] = checked;
      continue;
    }
    const text = typeof given === "string" ? given : "";
    if (text.trim() === "") {
      if (field.required && !(field.kind === "string" && field.schema.minLength === 0)) {
        errors[field.name] = "Required.";
      }
      continue;
    }
    const parsed = parseField(field, text);
    if ("error" in parsed) errors[field.name] = parsed.error;
    else args[field.name] = parsed.value;
  }
  return Object.keys(errors).length > 0 ? { errors } : { args };
}

/**
 * The fields a server's "invalid arguments" message names (`query: Field required; limit:
 * ...`), so the form can show each beside its field.
 */
export function serverFieldErrors(fields: readonly FieldSpec[], message: string): FieldErrors {
  const errors: FieldErrors = {};
  const body = message.replace(/^Invalid arguments:\s*/i, "");
  if (body === message) return errors;
  for (const part of body.split(/;\s*/)) {
    const at = part.indexOf(":");
    if (at < 0) continue;
    const [name = "", ...inner] = part.slice(0, at).trim().split(".");
    if (fields.some((f) => f.name === name) && !errors[name]) {
      const where = inner.length > 0 ? `${inner.join(".")}: ` : "";
      errors[name] = `${where}${part.slice(at + 1).trim()}`;
    }
  }
  return errors;
}
