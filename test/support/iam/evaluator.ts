/**
 * A small evaluator of IAM policies, enough for Sluice's own: identity-based policies (Allow and
 * Deny statements with Action/NotAction, Resource/NotResource and the condition operators Sluice
 * uses, with the ForAllValues/ForAnyValue set operators) and resource-based ones (role trust
 * policies, event bus policies: Principal, and how a resource policy combines with the caller's
 * identity policy within one account and across accounts). Each rule is held by
 * test/infra/iam-evaluator.test.ts to the IAM User Guide section named there. A statement it
 * cannot evaluate (an operator it does not know) never allows.
 */

/** The Principal element: "*", or principals by kind ("AWS": account ids or ARNs, "Service": service principals). */
export type PrincipalElement = '*' | Partial<Record<'AWS' | 'Service' | 'Federated', string | string[]>>;

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny' | string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
  /** Resource-based policies only. */
  Principal?: PrincipalElement;
  NotPrincipal?: PrincipalElement;
}

/**
 * Who makes a request: an IAM role (for a role session, the role's ARN, as aws:PrincipalArn
 * holds it) or user in an account, or an AWS service.
 */
export type RequestPrincipal = { arn: string; account: string } | { service: string };

/** One authorization AWS makes for a request: an action on a resource, with the request's context keys. */
export interface AuthRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** Required to evaluate a resource-based policy. */
  principal?: RequestPrincipal;
}

export type Decision =
  | { allowed: true; by: Statement }
  | { allowed: false; reason: 'implicitDeny' | 'explicitDeny'; by?: Statement };

/** How a resource-based policy's Principal matched: the principal itself, or its whole account. */
export type PrincipalMatch = 'principal' | 'account';

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

const SET_OPERATORS = ['ForAllValues:', 'ForAnyValue:'] as const;

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
  for (const [fullOperator, entries] of Object.entries(condition)) {
    const set = SET_OPERATORS.find((prefix) => fullOperator.startsWith(prefix));
    const rawOperator = set ? fullOperator.slice(set.length) : fullOperator;
    if (rawOperator === 'Null') {
      // Null: "true" holds when the key is absent from the request context, "false" when present.
      if (set) return undefined;
      for (const [key, wanted] of Object.entries(entries)) {
        if ((keyOf(key) === undefined) !== (String(wanted).toLowerCase() === 'true')) return false;
      }
      continue;
    }
    const ifExists = rawOperator.endsWith('IfExists');
    const operator = ifExists ? rawOperator.slice(0, -'IfExists'.length) : rawOperator;
    const negatedOf = NEGATED[operator];
    const test = OPERATORS[negatedOf ?? operator];
    if (!test) return undefined;
    for (const [key, policyValues] of Object.entries(entries)) {
      const requestValue = keyOf(key);
      const wanted = list(policyValues as string | string[]).map(String);
      const matchesOne = (r: string) => {
        const hit = wanted.some((p) => test(p, r));
        return negatedOf ? !hit : hit;
      };
      if (set === 'ForAllValues:') {
        // True when every value in the request matches, "and also if there's no context key in
        // the request" (IAM User Guide, set operators for multivalued context keys).
        if (requestValue === undefined) continue;
        if (!list(requestValue).every(matchesOne)) return false;
        continue;
      }
      if (set === 'ForAnyValue:') {
        // True when at least one value matches; false when the key is missing.
        if (requestValue === undefined || !list(requestValue).some(matchesOne)) return false;
        continue;
      }
      if (requestValue === undefined) {
        // A key missing from the request context does not match: false, but true for a negated
        // operator (which requires that it not match), and true with ...IfExists.
        if (ifExists || negatedOf) continue;
        return false;
      }
      const any = list(requestValue).some((r) => wanted.some((p) => test(p, r)));
      if (negatedOf ? any : !any) return false;
    }
  }
  return true;
}

const accountOfPrincipalValue = (value: string): string | undefined =>
  /^\d{12}$/.test(value) ? value : /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(value)?.[1];

/**
 * Whether a Principal element names the request's principal: itself (its ARN, or a service
 * principal), or its account ("123456789012" or "arn:aws:iam::123456789012:root", which names the
 * account and so delegates to its identity policies), or everyone ("*").
 */
export function principalMatches(
  element: PrincipalElement | undefined,
  principal: RequestPrincipal | undefined,
): PrincipalMatch | false {
  if (element === undefined || principal === undefined) return false;
  if (element === '*') return 'principal';
  if ('service' in principal) {
    return list(element.Service).includes(principal.service) ? 'principal' : false;
  }
  const values = list(element.AWS);
  if (values.includes('*')) return 'principal';
  if (values.includes(principal.arn)) return 'principal';
  if (values.some((v) => accountOfPrincipalValue(v) === principal.account)) return 'account';
  return false;
}

/** The request's context with the keys AWS adds from the principal itself (aws:PrincipalArn, aws:PrincipalAccount). */
export function withPrincipalKeys(request: AuthRequest): AuthRequest {
  const principal = request.principal;
  if (!principal || 'service' in principal) return request;
  return {
    ...request,
    context: {
      'aws:PrincipalArn': principal.arn,
      'aws:PrincipalAccount': principal.account,
      ...request.context,
    },
  };
}

/** Whether the statement applies to the request: undefined when its condition cannot be evaluated. */
export function statementApplies(statement: Statement, request: AuthRequest): boolean | undefined {
  const actionHit = statement.NotAction
    ? !list(statement.NotAction).some((p) => actionMatches(p, request.action))
    : list(statement.Action).some((p) => actionMatches(p, request.action));
  if (!actionHit) return false;
  // A role trust policy names no Resource: it is the policy of the one resource it is attached to.
  const resourceHit = statement.NotResource
    ? !list(statement.NotResource).some((p) => resourceMatches(p, request.resource))
    : statement.Resource === undefined && statement.Principal !== undefined
      ? true
      : list(statement.Resource).some((p) => resourceMatches(p, request.resource));
  if (!resourceHit) return false;
  return conditionHolds(statement.Condition, request.context);
}

/**
 * An explicit Deny wins over any Allow; otherwise an applying Allow allows; otherwise the request
 * is implicitly denied. A Deny whose condition cannot be evaluated is taken to apply. Statements
 * with a Principal (a resource-based policy) apply only to the principal they name.
 */
export function evaluate(statements: Statement[], request: AuthRequest): Decision {
  let allow: Statement | undefined;
  for (const statement of statements) {
    const applies = principalApplies(statement, request) && statementApplies(statement, request);
    if (statement.Effect === 'Deny' && applies !== false) {
      return { allowed: false, reason: 'explicitDeny', by: statement };
    }
    if (statement.Effect === 'Allow' && applies === true) allow ??= statement;
  }
  return allow ? { allowed: true, by: allow } : { allowed: false, reason: 'implicitDeny' };
}

function principalApplies(statement: Statement, request: AuthRequest): boolean {
  if (statement.Principal !== undefined)
    return principalMatches(statement.Principal, request.principal) !== false;
  if (statement.NotPrincipal !== undefined) {
    return principalMatches(statement.NotPrincipal, request.principal) === false;
  }
  return true;
}

export interface Authorization {
  /** The caller's identity-based policies (empty for a service principal). */
  identity: Statement[];
  /** The resource's policy: a role's trust policy, an event bus policy. */
  resourcePolicy: Statement[];
  /** The account that owns the resource. */
  resourceAccount: string;
  /**
   * A role's trust policy: it must allow whatever the identity policies say ("a role trust
   * policy is required", IAM User Guide, cross-account policy evaluation logic).
   * @default false
   */
  resourcePolicyRequired?: boolean;
}

/**
 * A request against a resource with a resource-based policy, as IAM decides it:
 *  - an explicit Deny in either policy wins;
 *  - across accounts, "the identity-based policy and the resource-based policy must both allow"
 *    (IAM User Guide, cross-account policy evaluation logic);
 *  - within one account, either allows ("the union of the permissions of the two types"), but a
 *    resource policy that names only the principal's account delegates to that account's
 *    identity policies, so then the identity policy must allow too;
 *  - a role's trust policy must always allow.
 */
export function authorize(auth: Authorization, request: AuthRequest): Decision {
  const full = withPrincipalKeys(request);
  const principal = full.principal;
  if (!principal) throw new Error('a resource-based policy needs the request principal');
  const byIdentity = 'service' in principal ? undefined : evaluate(auth.identity, full);
  const byResource = evaluate(auth.resourcePolicy, full);
  for (const decision of [byIdentity, byResource]) {
    if (decision && !decision.allowed && decision.reason === 'explicitDeny') return decision;
  }
  if (!byResource.allowed && (auth.resourcePolicyRequired || 'service' in principal)) return byResource;
  if ('service' in principal) return byResource;
  const fromIdentity = byIdentity?.allowed ? byIdentity.by : undefined;
  const fromResource =
    byResource.allowed && principalMatches(byResource.by.Principal, principal) === 'principal'
      ? byResource.by
      : undefined;
  const crossAccount = principal.account !== auth.resourceAccount;
  if (crossAccount) {
    if (fromIdentity && byResource.allowed) return { allowed: true, by: byResource.by };
  } else if (auth.resourcePolicyRequired) {
    if (byResource.allowed && (fromResource || fromIdentity)) return { allowed: true, by: byResource.by };
  } else {
    const by = fromResource ?? fromIdentity;
    if (by) return { allowed: true, by };
  }
  return { allowed: false, reason: 'implicitDeny' };
}
