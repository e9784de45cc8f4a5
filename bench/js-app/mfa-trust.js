// Benchmark reference: the construct library's MFA trust rule (developer_role.mfa_checks,
// mfa_rule, condition_operators and mfa_intrinsics) in plain JavaScript, so that the JS app does
// the same work as the Python app: a policy validation plugin that reads every synthesized
// template and evaluates the trust policy of each AWS::IAM::Role for requests without MFA
// (long-term access keys, a session without MFA) and with MFA, every Fn::If branch (MFA1 a
// session without MFA gets in, MFA2 long-term keys get in, MFA3 no MFA age limit, MFA4 an
// unusual form, MFA5 cannot prove). Messages are shorter; findings are the same.
'use strict';

const fs = require('node:fs');

const DOCUMENT = 'Properties/AssumeRolePolicyDocument';
const PRESENT = 'aws:multifactorauthpresent';
const AGE = 'aws:multifactorauthage';
const RULES = ['MFA1', 'MFA2', 'MFA3', 'MFA4', 'MFA5'];
const LONG_TERM = { present: null, age: null };
const SESSION = { present: 'false', age: null };
const OLD_MFA = { present: 'true', age: String(36 * 3600) };
const NEW_MFA = { present: 'true', age: '0' };
const listed = (value) => (Array.isArray(value) ? value : [value]);
const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const isFunction = (value) => isObject(value) && Object.keys(value).some((k) => k.startsWith('Fn::') || k === 'Ref');
const patterns = new Map();
const wildcard = (pattern, flags = 's') => {
  const key = `${flags}|${pattern}`;
  if (!patterns.has(key)) {
    const regex = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\*?]/g, '\\$&'))).join('');
    patterns.set(key, new RegExp(`^${regex}$`, flags));
  }
  return patterns.get(key);
};
// Three-valued logic: true, false, null (unknown at synthesis).
const and = (values) => { let r = true; for (const v of values) { if (v === false) return false; if (v === null) r = null; } return r; };
const or = (values) => { let r = false; for (const v of values) { if (v === true) return true; if (v === null) r = null; } return r; };
const not = (v) => (v === null ? null : !v);

// Condition operators (developer_role.condition_operators).
const number = (t) => (t.trim() !== '' && !Number.isNaN(Number(t)) ? Number(t) : null);
const date = (t) => { const n = number(t); if (n !== null) return n; const d = Date.parse(t); return Number.isNaN(d) ? null : d / 1000; };
const ordered = (parse, rel) => (e, a) => { const l = parse(a), r = parse(e); return l !== null && r !== null && rel(l, r); };
const relations = (parse, prefix) => ({
  [`${prefix}Equals`]: [ordered(parse, (a, b) => a === b), false],
  [`${prefix}NotEquals`]: [ordered(parse, (a, b) => a === b), true],
  [`${prefix}LessThan`]: [ordered(parse, (a, b) => a < b), false],
  [`${prefix}LessThanEquals`]: [ordered(parse, (a, b) => a <= b), false],
  [`${prefix}GreaterThan`]: [ordered(parse, (a, b) => a > b), false],
  [`${prefix}GreaterThanEquals`]: [ordered(parse, (a, b) => a >= b), false],
});
const arn = (e, a) => { const w = e.split(':'), h = a.split(':'); if (w.length < 6 || h.length < 6) return false; const W = [...w.slice(0, 5), w.slice(5).join(':')], H = [...h.slice(0, 5), h.slice(5).join(':')]; return W.every((p, i) => wildcard(p).test(H[i])); };
const equal = (e, a) => e === a;
const equalIgnoringCase = (e, a) => e.toLowerCase() === a.toLowerCase();
const OPERATORS = {
  StringEquals: [equal, false], StringNotEquals: [equal, true],
  StringEqualsIgnoreCase: [equalIgnoringCase, false], StringNotEqualsIgnoreCase: [equalIgnoringCase, true],
  StringLike: [(e, a) => wildcard(e).test(a), false], StringNotLike: [(e, a) => wildcard(e).test(a), true],
  ...relations(number, 'Numeric'), ...relations(date, 'Date'),
  Bool: [equalIgnoringCase, false], BinaryEquals: [equal, false],
  IpAddress: [() => false, false], NotIpAddress: [() => false, true], // "true"/"false"/ages are no IPs
  ArnEquals: [arn, false], ArnLike: [arn, false], ArnNotEquals: [arn, true], ArnNotLike: [arn, true],
};
const BY_LOWER = Object.fromEntries([...Object.keys(OPERATORS), 'Null'].map((n) => [n.toLowerCase(), n]));
function splitOperator(operator) {
  const at = operator.lastIndexOf(':');
  const qualifier = { forallvalues: 'ForAllValues', foranyvalue: 'ForAnyValue', '': '' }[at < 0 ? '' : operator.slice(0, at).toLowerCase()];
  if (qualifier === undefined) return null;
  const base = operator.slice(at + 1).toLowerCase();
  const ifExists = base.endsWith('ifexists') && base !== 'ifexists';
  const name = BY_LOWER[ifExists ? base.slice(0, -8) : base];
  if (name === undefined || (name === 'Null' && ifExists)) return null;
  return [qualifier, name, ifExists];
}
const text = (v) => (typeof v === 'boolean' ? String(v) : typeof v === 'number' || typeof v === 'string' ? String(v) : null);
function operatorHolds(operator, expected, actual) {
  const parts = splitOperator(operator);
  if (parts === null) return null;
  const [qualifier, name, ifExists] = parts;
  const wanted = listed(expected).map(text);
  if (wanted.some((t) => t === null)) return null;
  if (name === 'Null') return wanted.some((t) => t.toLowerCase() === (actual === null ? 'true' : 'false'));
  const [compare, negated] = OPERATORS[name];
  if (actual === null) return qualifier === 'ForAllValues' ? true : qualifier === 'ForAnyValue' ? false : ifExists || negated;
  const one = (v) => wanted.some((w) => compare(w, v)) !== negated;
  if (qualifier === 'ForAllValues') return actual.every(one);
  if (qualifier === 'ForAnyValue' || !negated) return actual.some(one);
  return actual.every(one);
}

// Principals, actions, conditions and evaluation (developer_role.mfa_rule).
const ACCOUNT = /^(?:\d{12}|arn:[a-z-]+:iam::(\d{12}):root)$/;
const ARN_ACCOUNT = /^arn:[a-z-]+:(?:iam|sts)::(\d{12}):(user|role|assumed-role|\S+?)\//;
const accountOf = (v) => { const m = ACCOUNT.exec(v); return m === null ? '' : m[1] ?? v; };
const awsPrincipals = (element) => (isObject(element) ? Object.entries(element).filter(([k]) => k.toUpperCase() === 'AWS').flatMap(([, v]) => listed(v)) : []);
function callersOf(statements) {
  const callers = new Map();
  for (const s of statements) {
    for (const value of [...awsPrincipals(s.Principal), ...awsPrincipals(s.NotPrincipal)]) {
      if (typeof value !== 'string') { const t = JSON.stringify(value); callers.set(t, { fn: t, arn: '', account: '', longTerm: true }); continue; }
      const account = accountOf(value);
      if (account) { callers.set(account, { fn: '', arn: `arn:aws:iam::${account}:user/any`, account, longTerm: true }); continue; }
      const m = ARN_ACCOUNT.exec(value);
      if (m) callers.set(value, { fn: '', arn: value, account: m[1], longTerm: m[2] === 'user' });
      else if (value !== '*') callers.set(value, { fn: '', arn: value, account: '', longTerm: true });
    }
  }
  return [...callers.values(), { fn: '', arn: '', account: '', longTerm: true }];
}
function principalNames(value, caller) {
  if (value === '*') return true;
  if (typeof value !== 'string') return caller.fn ? (JSON.stringify(value) === caller.fn ? true : null) : null;
  if (caller.fn) return null;
  const account = accountOf(value);
  if (account) return account === caller.account;
  return Boolean(caller.arn) && value === caller.arn;
}
const names = (element, caller) => (element === '*' ? true : !isObject(element) || isFunction(element) ? null : or(awsPrincipals(element).map((v) => principalNames(v, caller))));
const statementNames = (s, caller) => ('Principal' in s ? names(s.Principal, caller) : 'NotPrincipal' in s ? not(names(s.NotPrincipal, caller)) : false);
const action = (p) => (typeof p === 'string' ? wildcard(p, 'is').test('sts:assumerole') : null);
const assumeRole = (s) => ('Action' in s ? or(listed(s.Action).map(action)) : 'NotAction' in s ? not(or(listed(s.NotAction).map(action))) : false);
function* entries(block) {
  if (block === undefined || block === null) return;
  if (!isObject(block)) { yield ['', null, null]; return; }
  for (const [operator, keys] of Object.entries(block)) {
    if (!isObject(keys)) { yield ['', null, null]; continue; }
    for (const [key, values] of Object.entries(keys)) yield [operator, key, values];
  }
}
const canonical = (v) => JSON.stringify(v, (k, x) => (isObject(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
const entryId = (operator, key, values) => `${operator.toLowerCase()}|${key.toLowerCase()}|${canonical(values)}`;
function entryHolds(operator, key, values, request, shared) {
  if (typeof key !== 'string' || splitOperator(operator) === null) return null;
  const k = key.toLowerCase();
  if (k === PRESENT) return operatorHolds(operator, values, request.present === null ? null : [request.present]);
  if (k === AGE) return operatorHolds(operator, values, request.age === null ? null : [request.age]);
  return shared === null ? true : shared.has(entryId(operator, key, values));
}
const conditionsHold = (s, request, shared) => and([...entries(s.Condition)].map(([o, k, v]) => entryHolds(o, k, v, request, shared)));
const otherEntries = (s) => new Set([...entries(s.Condition)].filter(([, k]) => typeof k === 'string' && ![PRESENT, AGE].includes(k.toLowerCase())).map(([o, k, v]) => entryId(o, k, v)));
function getsIn(allow, denies, caller, request) {
  if (request.present === null && !caller.longTerm) return false;
  const admitted = and([statementNames(allow, caller), assumeRole(allow), conditionsHold(allow, request, null)]);
  if (admitted === false) return false;
  const shared = otherEntries(allow);
  const denied = or(denies.map((d) => and([statementNames(d, caller), assumeRole(d), conditionsHold(d, request, shared)])));
  return and([admitted, not(denied)]);
}
function witness(allow, denies, callers, request) {
  const results = callers.map((c) => getsIn(allow, denies, c, request));
  return results.includes(true) ? true : results.includes(null) ? null : false;
}
function isUsual(statement, denies) {
  const has = (t, op, value) => [...entries(t.Condition)].some(([o, k, v]) => o.toLowerCase() === op && typeof k === 'string' && k.toLowerCase() === PRESENT && listed(v).every((x) => String(x).toLowerCase() === value));
  return has(statement, 'bool', 'true') || denies.some((d) => has(d, 'boolifexists', 'false'));
}
function statementFindings(index, statement, denies, callers) {
  const finding = (rule, message) => ({ rule, level: rule <= 'MFA2' ? 'error' : 'warning', name: index, index, message: `statement ${index} ${message}` });
  if (statement.Effect === 'Deny') return [];
  if (statement.Effect !== 'Allow') return isFunction(statement.Effect) ? [finding('MFA5', 'has a function for its Effect')] : [];
  if (callers.every((c) => and([statementNames(statement, c), assumeRole(statement)]) === false)) return [];
  const session = witness(statement, denies, callers, SESSION);
  const keys = witness(statement, denies, callers, LONG_TERM);
  if (session === true) return [finding('MFA1', `lets a session without MFA${keys === true ? ' and long-term access keys' : ''} in`)];
  if (keys === true) return [finding('MFA2', 'lets long-term access keys in')];
  if (session === null || keys === null) return [finding('MFA5', 'cannot be proven to require MFA')];
  const old = witness(statement, denies, callers, OLD_MFA);
  if (old === false && witness(statement, denies, callers, NEW_MFA) === false) return [];
  const found = [];
  if (!isUsual(statement, denies)) found.push(finding('MFA4', 'requires MFA in an unusual form'));
  if (old === true) found.push(finding('MFA3', 'does not limit the MFA age'));
  return found;
}

// Fn::If branches (developer_role.mfa_intrinsics).
const NO_VALUE = {};
const ifArguments = (v) => (isObject(v) && Object.keys(v).length === 1 && Array.isArray(v['Fn::If']) && v['Fn::If'].length === 3 && typeof v['Fn::If'][0] === 'string' ? v['Fn::If'] : null);
function conditionNames(value, found) {
  if (isObject(value)) { const a = ifArguments(value); if (a && !found.includes(a[0])) found.push(a[0]); Object.values(value).forEach((v) => conditionNames(v, found)); }
  else if (Array.isArray(value)) value.forEach((v) => conditionNames(v, found));
  return found;
}
function resolve(value, truth, holes = false) {
  if (isObject(value)) {
    if (Object.keys(value).length === 1 && value.Ref === 'AWS::NoValue') return NO_VALUE;
    const a = ifArguments(value);
    if (a) return resolve(truth[a[0]] ? a[1] : a[2], truth, holes);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, truth, k === 'Statement')]).filter(([, v]) => v !== NO_VALUE));
  }
  if (Array.isArray(value)) { const items = value.map((v) => resolve(v, truth)); return holes ? items.map((v) => (v === NO_VALUE ? null : v)) : items.filter((v) => v !== NO_VALUE); }
  return value;
}
function trustFindings(value) {
  const names = conditionNames(value, []);
  if (names.length > 8) return [{ rule: 'MFA5', level: 'warning', name: 'document', index: 0, message: 'too many Fn::If conditions' }];
  const found = new Map();
  for (let bits = 0; bits < 2 ** names.length; bits += 1) {
    const truth = Object.fromEntries(names.map((n, i) => [n, (bits & (1 << i)) === 0]));
    let document = resolve(value, truth);
    if (typeof document === 'string') { try { document = JSON.parse(document); } catch { document = null; } }
    const findings = [];
    if (!isObject(document) || isFunction(document)) findings.push({ rule: 'MFA5', level: 'warning', name: 'document', index: 0, message: 'the trust policy is unknown at synthesis' });
    else {
      const statements = listed(document.Statement ?? []);
      const denies = statements.filter((s) => isObject(s) && s.Effect === 'Deny');
      const callers = callersOf(statements.filter(isObject));
      statements.forEach((s, index) => {
        if (isObject(s) && !isFunction(s)) findings.push(...statementFindings(index, s, denies, callers));
        else if (s !== null) findings.push({ rule: 'MFA5', level: 'warning', name: index, index, message: `statement ${index} is unknown at synthesis` });
      });
    }
    for (const f of findings) found.set(`${f.rule}|${f.name}|${f.message}`, f);
  }
  return [...found.values()].sort((a, b) => a.index - b.index || RULES.indexOf(a.rule) - RULES.indexOf(b.rule));
}

class MfaTrustChecks {
  constructor() {
    this.name = 'MfaTrust';
    this.version = '0.4.0';
    this.ruleIds = RULES;
  }

  validate(context) {
    const violations = [];
    for (const templatePath of context.templatePaths) {
      const resources = JSON.parse(fs.readFileSync(templatePath, 'utf8')).Resources ?? {};
      for (const [logicalId, resource] of Object.entries(resources)) {
        if (resource?.Type !== 'AWS::IAM::Role') continue;
        for (const finding of trustFindings(resource.Properties?.AssumeRolePolicyDocument)) {
          violations.push({
            ruleName: `${finding.rule}[Statement::${finding.name}]`,
            description: `role ${logicalId}: ${finding.message}`,
            severity: finding.level,
            violatingResources: [{ resourceLogicalId: logicalId, templatePath, locations: [`${DOCUMENT}/Statement/${finding.index}`] }],
          });
        }
      }
    }
    return { success: violations.every((v) => v.severity !== 'error'), violations, pluginVersion: this.version };
  }
}

module.exports = { MfaTrustChecks, trustFindings };
