import { isObject, parseJson } from './loopback';

/** A filter policy SNS would refuse; the message names the key at fault. */
export class FilterPolicyError extends Error {
  override name = 'FilterPolicyError';
}

/** Operator names: an object holding one of these is a condition, never a nested policy or an `$or` alternative. */
const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'anything-but', 'numeric', 'exists', 'cidr']);
const COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
};
type Leaf = string | number | boolean | null;

/**
 * Whether SNS delivers a message with these attributes to a subscription with this filter policy (scope
 * `MessageAttributes`, the default), following https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html:
 * every key must match (AND); a key matches when any of its conditions does (OR); `$or` takes alternative policies.
 * Conditions: exact string or number, `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (values, a value, or
 * `{prefix}`), `numeric` ranges, `exists`. A `String.Array` attribute matches when any element does. Strings match
 * `String` attributes and numbers `Number` ones, never across; `Binary` attributes are ignored. A missing attribute
 * fails every condition but `exists: false`, and a message with no attributes matches no policy.
 * @param policy the policy as parsed JSON, e.g. `FilterPolicy` from a synthesized template
 * @param attributes message attributes as the SDK's `PublishCommand` takes them
 * @throws FilterPolicyError when SNS would refuse the policy at Subscribe
 */
export function matchesFilterPolicy(policy: unknown, attributes: Record<string, { DataType: string; StringValue?: string }>): boolean {
  validatePolicy(policy, false, '');
  const document: Record<string, unknown> = {};
  for (const [name, { DataType, StringValue }] of Object.entries(attributes)) {
    if (StringValue === undefined || DataType.startsWith('Binary')) continue;
    if (DataType === 'String.Array') {
      const elements = parseJson(StringValue);
      if (Array.isArray(elements)) document[name] = elements;
    } else document[name] = DataType.startsWith('Number') ? Number(StringValue) : StringValue;
  }
  return matchesPolicy(policy, document, true);
}

/** `$or` is the operator only in the shape the docs give (2+ objects, none an operator); otherwise it is a plain key. */
function orAlternatives(value: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) return undefined;
  return value.some((alternative) => Object.keys(alternative).some((key) => OPERATORS.has(key))) ? undefined : value;
}

/** The checks SNS makes at Subscribe that are cheap to copy; `nested` allows the MessageBody scope's nested keys. */
export function validatePolicy(policy: unknown, nested: boolean, path: string): void {
  if (!isObject(policy)) throw new FilterPolicyError(path ? `"${path}" must be an object or an array` : 'Filter policy must be a JSON object');
  for (const [key, spec] of Object.entries(policy)) {
    const at = path ? `${path}.${key}` : key;
    const alternatives = key === '$or' ? orAlternatives(spec) : undefined;
    if (alternatives) alternatives.forEach((alternative) => validatePolicy(alternative, nested, path));
    else if (isObject(spec) && nested) validatePolicy(spec, nested, at);
    else if (isObject(spec)) throw new FilterPolicyError(`"${at}": Filter Policy Scope MessageAttributes does not support nested filter policy`);
    else if (!Array.isArray(spec) || spec.length === 0) throw new FilterPolicyError(`"${at}" must be a non-empty array of match values`);
    else spec.forEach((condition) => validateCondition(condition, at));
  }
}

function validateCondition(condition: unknown, at: string): void {
  const fail = (why: string) => new FilterPolicyError(`"${at}": ${why}`);
  if (!isObject(condition)) {
    if (Array.isArray(condition) || (typeof condition === 'number' && !Number.isFinite(condition))) throw fail('Match value must be String, number, true, false, or null');
    return;
  }
  const entries = Object.entries(condition);
  if (entries.length !== 1) throw fail(`a condition holds exactly one operator, got ${JSON.stringify(condition)}`);
  const [operator, argument] = entries[0]!;
  const isString = typeof argument === 'string';
  const ok: Record<string, () => boolean> = {
    prefix: () => isString,
    suffix: () => isString,
    'equals-ignore-case': () => isString,
    exists: () => typeof argument === 'boolean',
    'anything-but': () =>
      isString ||
      typeof argument === 'number' ||
      (Array.isArray(argument) && argument.length > 0 && argument.every((v) => typeof v === 'string' || typeof v === 'number')) ||
      (isObject(argument) && Object.keys(argument).join() === 'prefix' && typeof argument.prefix === 'string'),
    numeric: () =>
      Array.isArray(argument) &&
      [2, 4].includes(argument.length) &&
      argument.every((v, i) => (i % 2 === 0 ? typeof v === 'string' && v in COMPARISONS : typeof v === 'number')),
  };
  if (operator === 'cidr') throw fail('the local SNS does not implement "cidr"');
  const check = ok[operator];
  if (!check) throw fail(`Unrecognized match type ${operator}`);
  if (!check()) throw fail(`malformed "${operator}" condition ${JSON.stringify(argument)}`);
}

/** Matches a validated policy against a document: message attributes as JSON values, or a MessageBody object. */
export function matchesPolicy(policy: unknown, document: Record<string, unknown>, attributeScope: boolean): boolean {
  // "exists": false "only matches if at least one attribute is present" (attribute-key-matching.html), and every other condition needs one.
  if (attributeScope && Object.keys(document).length === 0) return false;
  return Object.entries(policy as Record<string, unknown>).every(([key, spec]) => {
    const alternatives = key === '$or' ? orAlternatives(spec) : undefined;
    if (alternatives) return alternatives.some((alternative) => matchesPolicy(alternative, document, attributeScope));
    const value = document[key];
    if (isObject(spec)) return isObject(value) && matchesPolicy(spec, value, attributeScope);
    const leaves = (value === undefined ? [] : Array.isArray(value) ? value : [value]).filter((v): v is Leaf => v === null || typeof v !== 'object');
    return (spec as unknown[]).some((condition) => matchesCondition(condition, leaves));
  });
}

function matchesCondition(condition: unknown, values: Leaf[]): boolean {
  if (!isObject(condition)) return values.includes(condition as Leaf);
  const [operator, argument] = Object.entries(condition)[0]!;
  if (operator === 'exists') return argument === values.length > 0;
  return values.some((value) => {
    const text = typeof value === 'string' ? value : undefined;
    switch (operator) {
      case 'prefix':
        return text?.startsWith(argument as string) ?? false;
      case 'suffix':
        return text?.endsWith(argument as string) ?? false;
      case 'equals-ignore-case':
        return text?.toLowerCase() === (argument as string).toLowerCase();
      case 'anything-but':
        if (isObject(argument)) return text !== undefined && !text.startsWith(argument.prefix as string);
        return !(Array.isArray(argument) ? argument : [argument]).includes(value);
      case 'numeric': {
        const bounds = argument as (string | number)[];
        return typeof value === 'number' && bounds.every((b, i) => i % 2 === 1 || COMPARISONS[b as string]!(value, bounds[i + 1] as number));
      }
      default:
        return false;
    }
  });
}
