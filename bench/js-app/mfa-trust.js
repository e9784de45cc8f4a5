// Benchmark reference: the construct library's MFA trust rule (developer_role.mfa_checks and
// developer_role.mfa_rule) in plain JavaScript, so that the JS app does the same work as the
// Python app: a policy validation plugin that reads every synthesized template and checks the
// trust policy of each AWS::IAM::Role (MFA1 no MFA, MFA2 BoolIfExists, MFA3 no MFA age limit).
'use strict';

const fs = require('node:fs');

const DOCUMENT = 'Properties/AssumeRolePolicyDocument';
const listed = (value) => (Array.isArray(value) ? value : [value]);
const wildcard = (pattern) =>
  new RegExp(`^${pattern.split('*').map((p) => p.split('?').map((q) => q.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('.')).join('.*')}$`);
const matches = (pattern, action) => typeof pattern !== 'string' || wildcard(pattern.toLowerCase()).test(action);

function allowsAssumeRole(statement) {
  if ('NotAction' in statement) {
    return !listed(statement.NotAction).some((p) => typeof p === 'string' && matches(p, 'sts:assumerole'));
  }
  return listed(statement.Action ?? []).some((a) => matches(a, 'sts:assumerole'));
}

function people(statement) {
  if ('NotPrincipal' in statement) return 'every principal not listed in NotPrincipal';
  const principal = statement.Principal;
  if (principal === '*') return "everyone ('*')";
  if (principal === null || typeof principal !== 'object') return principal === undefined ? null : 'an unknown principal';
  const aws = Object.entries(principal).filter(([key]) => key.toUpperCase() === 'AWS').flatMap(([, v]) => listed(v));
  if (aws.length === 0) return null;
  if (aws.includes('*')) return "every AWS principal ('*')";
  return aws.every((v) => typeof v === 'string') ? aws.slice(0, 3).join(', ') : 'IAM principals';
}

function conditions(block) {
  const found = new Map();
  if (block === null || typeof block !== 'object') return found;
  for (const [operator, keys] of Object.entries(block)) {
    if (keys === null || typeof keys !== 'object') continue;
    for (const [key, value] of Object.entries(keys)) found.set(`${operator.toLowerCase()}|${key.toLowerCase()}`, value);
  }
  return found;
}

const allTrue = (value) => listed(value).length > 0 && listed(value).every((v) => v === true || (typeof v === 'string' && v.toLowerCase() === 'true'));

function trustFindings(document) {
  const findings = [];
  listed(document.Statement ?? []).forEach((statement, index) => {
    if (statement === null || typeof statement !== 'object') return;
    const name = typeof statement.Sid === 'string' && statement.Sid ? statement.Sid : index;
    const keys = Object.keys(statement);
    if (keys.length > 0 && keys.every((key) => key.startsWith('Fn::'))) {
      findings.push({ rule: 'MFA1', level: 'error', name, index, message: `statement ${index} is a CloudFormation function` });
      return;
    }
    if (statement.Effect !== 'Allow' || !allowsAssumeRole(statement)) return;
    const who = people(statement);
    if (who === null) return;
    const c = conditions(statement.Condition);
    const present = c.get('bool|aws:multifactorauthpresent');
    const ifExists = c.get('boolifexists|aws:multifactorauthpresent');
    if (ifExists !== undefined) findings.push({ rule: 'MFA2', level: 'error', name, index, message: `statement ${name} lets ${who} in with BoolIfExists` });
    if (present === undefined || !allTrue(present)) {
      if (ifExists === undefined) findings.push({ rule: 'MFA1', level: 'error', name, index, message: `statement ${name} lets ${who} in without MFA` });
      return;
    }
    const age = ['numericlessthan', 'numericlessthanequals'].some((op) => ['', 'ifexists'].some((s) => c.has(`${op}${s}|aws:multifactorauthage`)));
    if (!age) findings.push({ rule: 'MFA3', level: 'warning', name, index, message: `statement ${name} does not limit the MFA age` });
  });
  return findings;
}

class MfaTrustChecks {
  constructor() {
    this.name = 'MfaTrust';
    this.version = '0.2.0';
    this.ruleIds = ['MFA1', 'MFA2', 'MFA3'];
  }

  validate(context) {
    const violations = [];
    for (const templatePath of context.templatePaths) {
      const resources = JSON.parse(fs.readFileSync(templatePath, 'utf8')).Resources ?? {};
      for (const [logicalId, resource] of Object.entries(resources)) {
        if (resource?.Type !== 'AWS::IAM::Role') continue;
        let document = resource.Properties?.AssumeRolePolicyDocument;
        if (typeof document === 'string') document = JSON.parse(document);
        for (const finding of trustFindings(document ?? {})) {
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
