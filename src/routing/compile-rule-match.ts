import type { RequestMeta } from '../core/index.js';
import { MATCH_KEYS, type MatchKey, type RuleMatch } from './routing-config-schema.js';

/** One `match` key, compiled once so matching a request does no parsing or allocation. */
export interface MatchCondition {
  readonly key: MatchKey;
  /** Set when the condition is one exact string: the value is then known from the rule itself. */
  readonly exact: string | undefined;
  readonly test: (value: string) => boolean;
}

/**
 * Compiles a rule's `match` into conditions in MATCH_KEYS order (the order reasons list them).
 * A key given in `match` requires the request to carry a value: `task: '*'` means "any task",
 * not "with or without one".
 */
export function compileRuleMatch(match: RuleMatch | undefined): MatchCondition[] {
  if (!match) return [];
  const conditions: MatchCondition[] = [];
  for (const key of MATCH_KEYS) {
    const value = match[key];
    if (value === undefined) continue;
    const values = typeof value === 'string' ? [value] : value;
    const globs = values.filter((item) => item.includes('*'));
    const exacts = values.filter((item) => !item.includes('*'));
    const single = values.length === 1 && globs.length === 0 ? values[0] : undefined;
    conditions.push({ key, exact: single, test: compileTest(single, exacts, globs) });
  }
  return conditions;
}

function compileTest(single: string | undefined, exacts: string[], globs: string[]): (value: string) => boolean {
  if (single !== undefined) return (value) => value === single;
  // Exact values and globs fold into one anchored RegExp: one test per key however long the list.
  const pattern = new RegExp(`^(?:${[...exacts.map(escapeRegExp), ...globs.map(globToRegExpSource)].join('|')})$`);
  return (value) => pattern.test(value);
}

/** `kb-*` → `kb-.*`: only `*` is special; everything else matches itself. */
export function globToRegExpSource(glob: string): string {
  return glob.split('*').map(escapeRegExp).join('.*');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** True when every condition holds for the request. */
export function matchesAll(conditions: readonly MatchCondition[], meta: RequestMeta): boolean {
  for (let index = 0; index < conditions.length; index++) {
    const condition = conditions[index]!;
    const value = meta[condition.key];
    if (value === undefined || !condition.test(value)) return false;
  }
  return true;
}
