import type { LedgerLineItem } from '../sample/ledger';
import { validation } from './cost-explorer-errors';
import { DIMENSIONS } from './cost-explorer-request';
import { isObject } from './loopback';

/** The plausible answers to a Tags filter on the empty value; see `CostExplorerServerOptions.emptyTagValues`. */
export type EmptyTagValueAnswer = 'reject' | 'match-nothing' | 'match-empty';

/** Whether a line item is selected. */
export type Predicate = (item: LedgerLineItem) => boolean;

const EXPRESSION_ROOTS = ['And', 'Or', 'Not', 'Dimensions', 'Tags', 'CostCategories'] as const;

/**
 * Compiles a filter `Expression` into a predicate. Each expression node must have exactly one root; Values under one
 * key are OR-ed. Matching is exact (case-sensitive), the only mode GetCostAndUsage documents.
 */
export function compileExpression(expression: unknown, path: string, emptyTagValues: EmptyTagValueAnswer): Predicate {
  if (!isObject(expression)) throw validation(`${path} must be an Expression object`);
  const roots = EXPRESSION_ROOTS.filter((root) => expression[root] !== undefined && expression[root] !== null);
  if (roots.length > 1) throw validation(`Expression has more than one roots. Only one root operator is allowed for each expression: ${roots.join(', ')}`);
  if (roots.length === 0) throw validation(`${path}: Expression must have one of ${EXPRESSION_ROOTS.join(', ')}`);
  const root = roots[0]!;
  const value = expression[root];

  switch (root) {
    case 'And':
    case 'Or': {
      if (!Array.isArray(value) || value.length === 0) throw validation(`${path}.${root} must be a non-empty list of expressions`);
      const parts = value.map((e, i) => compileExpression(e, `${path}.${root}[${i}]`, emptyTagValues));
      return root === 'And' ? (item) => parts.every((p) => p(item)) : (item) => parts.some((p) => p(item));
    }
    case 'Not': {
      const inner = compileExpression(value, `${path}.Not`, emptyTagValues);
      return (item) => !inner(item);
    }
    case 'Dimensions': {
      if (!isObject(value) || typeof value.Key !== 'string') throw validation(`${path}.Dimensions needs a Key`);
      const read = DIMENSIONS[value.Key];
      if (!read) throw validation(`${path}.Dimensions.Key ${value.Key} is not supported by the local Cost Explorer (supported: ${Object.keys(DIMENSIONS).join(', ')})`);
      // GetCostAndUsage documents only EQUALS and CASE_SENSITIVE for Dimensions (both the default): refuse the rest
      // rather than let code pass here that Cost Explorer would reject.
      parseMatchOptions(value.MatchOptions, ['EQUALS', 'CASE_SENSITIVE'], `${path}.Dimensions`);
      const values = new Set(parseValues(value.Values, `${path}.Dimensions`, true));
      return (item) => values.has(read(item));
    }
    case 'Tags': {
      if (!isObject(value) || typeof value.Key !== 'string') throw validation(`${path}.Tags needs a Key`);
      const key = value.Key;
      const options = parseMatchOptions(value.MatchOptions, ['EQUALS', 'ABSENT', 'CASE_SENSITIVE'], `${path}.Tags`);
      if (options.has('ABSENT')) {
        // ABSENT: the line carries no tag with this key (Values, if any, are ignored).
        return (item) => item.tags[key] === undefined;
      }
      const values = new Set(parseValues(value.Values, `${path}.Tags`, false));
      // Without Values, select the lines that carry the key at all (the complement of ABSENT).
      if (values.size === 0) return (item) => item.tags[key] !== undefined;
      if (values.has('')) {
        if (emptyTagValues === 'reject') throw validation(`${path}.Tags.Values: the empty value is not a valid tag value`);
        values.delete('');
        // The lines whose key is present with an empty value (never the untagged ones: that is ABSENT).
        if (emptyTagValues === 'match-empty') return (item) => item.tags[key] === '' || values.has(item.tags[key] ?? '\u0000');
      }
      return (item) => item.tags[key] !== undefined && values.has(item.tags[key]!);
    }
    case 'CostCategories':
      throw validation('The local Cost Explorer has no cost categories');
  }
}

function parseMatchOptions(raw: unknown, allowed: string[], path: string): Set<string> {
  if (raw === undefined || raw === null) return new Set(['EQUALS']);
  if (!Array.isArray(raw)) throw validation(`${path}.MatchOptions must be a list`);
  for (const option of raw) {
    if (!allowed.includes(option)) throw validation(`${path}.MatchOptions ${JSON.stringify(option)} is not supported here (allowed: ${allowed.join(', ')})`);
  }
  return new Set(raw as string[]);
}

function parseValues(raw: unknown, path: string, required: boolean): string[] {
  if (raw === undefined || raw === null) {
    if (required) throw validation(`${path}.Values is required`);
    return [];
  }
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) throw validation(`${path}.Values must be a list of strings`);
  if (required && raw.length === 0) throw validation(`${path}.Values must not be empty`);
  return raw as string[];
}
