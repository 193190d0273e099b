/**
 * The zod every Lambda module validates with: `import * as z from '../validation'`.
 * zod/mini is tree-shakable, so a bundle carries only the schema kinds it uses and a cold start imports
 * far less than classic zod. Unlike classic zod, mini loads no locale, and issue messages reach users
 * (OAuth error_description, OBUK error Message, configuration errors at synth), so the messages are set
 * here, in the API's words ("must be a string"), and `validate` turns every issue of one input into a
 * `Problem` naming its field ("Risk is required"): every surface reports all of them at once.
 */

import { en } from 'zod/locales';
import { config, type core, safeParse } from 'zod/mini';

export * from 'zod/mini';

const A: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'an object',
  record: 'an object',
  map: 'an object',
  null: 'null',
  date: 'a date',
};

const units = (origin: string, n: number | bigint) =>
  origin === 'string'
    ? `${n} character${n === 1 ? '' : 's'}`
    : origin === 'array' || origin === 'set'
      ? `${n} item${n === 1 ? '' : 's'}`
      : `${n}`;

const listed = (values: readonly unknown[]) =>
  values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');

/** A message that follows the field's name ("… must be a string"); undefined leaves zod's English. */
function apiMessage(issue: core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${A[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      if (issue.exact) return `must be exactly ${units(issue.origin, issue.minimum)}`;
      if (issue.origin === 'array' || issue.origin === 'set' || issue.origin === 'string')
        return `must have at least ${units(issue.origin, issue.minimum)}`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    case 'too_big':
      if (issue.exact) return `must be exactly ${units(issue.origin, issue.maximum)}`;
      if (issue.origin === 'array' || issue.origin === 'set' || issue.origin === 'string')
        return `must have at most ${units(issue.origin, issue.maximum)}`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${listed(issue.values)}` : `must be one of ${listed(issue.values)}`;
    case 'invalid_format':
      return issue.format === 'regex'
        ? 'has the wrong format'
        : issue.format === 'url'
          ? 'must be a URL'
          : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_union':
      return 'is not any of the accepted forms';
    case 'invalid_key':
      return 'has a key that is not accepted';
    case 'invalid_element':
      return 'has an element that is not accepted';
    case 'custom':
      return 'is not valid';
    default:
      return undefined;
  }
}

config(en());
config({ customError: apiMessage });

/** One thing wrong with an input, in the words of the API it came to. */
export interface Problem {
  /** JSON path of the field (`Data.Permissions[0]`); '' for the input itself. */
  readonly path: string;
  /** Missing (required and absent), unexpected (a field the API does not know) or invalid. */
  readonly kind: 'missing' | 'invalid' | 'unexpected';
  /** A sentence naming the field: "Risk is required", "Data.Permissions must have at least 1 item". */
  readonly message: string;
}

export type Validated<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly problems: Problem[] };

export interface ValidateOptions {
  /** The name of the input itself in messages (default "The input"). */
  readonly subject?: string;
  /** The wire name of a field whose schema name differs (first path segment). */
  readonly rename?: (field: string) => string;
}

/** `Data.Permissions[0]` from zod's path segments. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`)).join('');
}

// Unexpected keys are the caller's own text: bounded in length and number.
const MAX_PATH = 200;
const MAX_PROBLEMS = 25;

/** A predicate ("must …", "is …") follows the field's name; any other message comes after a colon. */
const PREDICATE = /^(must|is|are|has|have|does|do|differs|cannot|can|may|should|needs)\b/;

/**
 * Validates `input` against `schema` and reports every problem, one per field (the first message per
 * path: a refinement after a failed format adds nothing), unexpected keys each on their own.
 */
export function validate<T>(schema: core.$ZodType<T>, input: unknown, options: ValidateOptions = {}): Validated<T> {
  // reportInput keeps each issue's input, which tells a missing field from one of the wrong type.
  const result = safeParse(schema, input, { reportInput: true });
  if (result.success) return { ok: true, data: result.data };
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const add = (segments: readonly PropertyKey[], kind: Problem['kind'], text: string) => {
    const [first, ...rest] = segments;
    const named = first === undefined ? [] : [options.rename?.(String(first)) ?? first, ...rest];
    const path = jsonPath(named).slice(0, MAX_PATH);
    if (seen.has(path) || problems.length === MAX_PROBLEMS) return;
    seen.add(path);
    const subject = path || (options.subject ?? 'The input');
    problems.push({ path, kind, message: PREDICATE.test(text) ? `${subject} ${text}` : `${subject}: ${text}` });
  };
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], 'unexpected', 'is not expected');
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      add(issue.path, 'missing', 'is required');
    } else {
      add(issue.path, 'invalid', issue.message);
    }
  }
  return { ok: false, problems };
}

/** Every problem in one line, for surfaces with one message (OAuth `error_description`, exceptions). */
export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((p) => p.message).join('; ');
}
