/**
 * A small evaluator of identity-based policies, enough for Sluice's own: Allow and Deny
 * statements with Action/NotAction, Resource/NotResource and the condition operators Sluice
 * uses. Each rule is held by test/infra/iam-evaluator.test.ts to the IAM User Guide section
 * named there. A statement it cannot evaluate (an operator it does not know) never allows.
 */

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny' | string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** One authorization AWS makes for a request: an action on a resource, with the request's context keys. */
export interface AuthRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

export type Decision =
  | { allowed: true; by: Statement }
  | { allowed: false; reason: 'implicitDeny' | 'explicitDeny'; by?: Statement };

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const escapeRegex = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** `*` any run of characters, `?` any one character; action names match case-insensitively. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegex(c)))
    .join('');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

/**
 * Case-sensitive. Wildcards work within one colon-separated segment, except a `*` that ends a
 * segment (or the ARN), which may run across colons; `*` alone matches every resource.
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      const endsSegment = i === pattern.length - 1 || pattern[i + 1] === ':';
      regex += endsSegment ? '.*' : '[^:]*';
    } else if (c === '?') {
      regex += '[^:]';
    } else {
      regex += escapeRegex(c);
    }
  }
  return new RegExp(`^${regex}$`).test(resource);
}

type Operator = (policyValue: string, requestValue: string) => boolean;

const OPERATORS: Record<string, Operator> = {
  StringEquals: (p, r) => p === r,
  StringEqualsIgnoreCase: (p, r) => p.toLowerCase() === r.toLowerCase(),
  StringLike: (p, r) => globMatches(p, r),
  ArnEquals: (p, r) => p === r,
  ArnLike: (p, r) => resourceMatches(p, r),
  Bool: (p, r) => p.toLowerCase() === r.toLowerCase(),
};

const NEGATED: Record<string, keyof typeof OPERATORS> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
};

function globMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegex(c)))
    .join('');
  return new RegExp(`^${regex}$`).test(value);
}

/** true, false, or undefined when the block uses an operator this evaluator does not know. */
export function conditionHolds(
  condition: Statement['Condition'],
  context: Record<string, string | string[]> = {},
): boolean | undefined {
  if (!condition) return true;
  const keyOf = (key: string) =>
    Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  for (const [rawOperator, entries] of Object.entries(condition)) {
    const ifExists = rawOperator.endsWith('IfExists');
    const operator = ifExists ? rawOperator.slice(0, -'IfExists'.length) : rawOperator;
    const negatedOf = NEGATED[operator];
    const test = OPERATORS[negatedOf ?? operator];
    if (!test) return undefined;
    for (const [key, policyValues] of Object.entries(entries)) {
      const requestValue = keyOf(key);
      if (requestValue === undefined) {
        // A key missing from the request context does not match: false, but true for a negated
        // operator (which requires that it not match), and true with ...IfExists.
        if (ifExists || negatedOf) continue;
        return false;
      }
      const wanted = list(policyValues as string | string[]).map(String);
      const any = list(requestValue).some((r) => wanted.some((p) => test(p, r)));
      if (negatedOf ? any : !any) return false;
    }
  }
  return true;
}

/** Whether the statement applies to the request: undefined when its condition cannot be evaluated. */
export function statementApplies(statement: Statement, request: AuthRequest): boolean | undefined {
  const actionHit = statement.NotAction
    ? !list(statement.NotAction).some((p) => actionMatches(p, request.action))
    : list(statement.Action).some((p) => actionMatches(p, request.action));
  if (!actionHit) return false;
  const resourceHit = statement.NotResource
    ? !list(statement.NotResource).some((p) => resourceMatches(p, request.resource))
    : list(statement.Resource).some((p) => resourceMatches(p, request.resource));
  if (!resourceHit) return false;
  return conditionHolds(statement.Condition, request.context);
}

/**
 * An explicit Deny wins over any Allow; otherwise an applying Allow allows; otherwise the request
 * is implicitly denied. A Deny whose condition cannot be evaluated is taken to apply.
 */
export function evaluate(statements: Statement[], request: AuthRequest): Decision {
  let allow: Statement | undefined;
  for (const statement of statements) {
    const applies = statementApplies(statement, request);
    if (statement.Effect === 'Deny' && applies !== false) {
      return { allowed: false, reason: 'explicitDeny', by: statement };
    }
    if (statement.Effect === 'Allow' && applies === true) allow ??= statement;
  }
  return allow ? { allowed: true, by: allow } : { allowed: false, reason: 'implicitDeny' };
}
