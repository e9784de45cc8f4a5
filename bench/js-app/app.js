#!/usr/bin/env node
// Benchmark reference: the developer-roles app of this repository in plain JavaScript.
//
// Same configuration file (-c developerRolesFile=FILE.json), same construct tree, so the same
// logical IDs and templates as the Python app for plain per-principal configurations: one
// AWS::IAM::Role per principal (MFA trust policy as plain data, PowerUserAccess, tag), one
// output per role, cdk-nag AwsSolutionsChecks with the IAM4 acknowledgment per stack, the
// library's MFA trust rule (mfa-trust.js, the same checks as developer_role.mfa_checks), and the
// same spreading rule as stacks/layout.py (one stack up to ROLES_PER_STACK roles, otherwise
// ceil(maxRolesPerAccount / ROLES_PER_SHARD_TARGET) stacks picked by a SHA-256 of the key).
// Only the subset of the configuration the benchmark uses is supported: account, region,
// rolePrefix, path, maxRolesPerAccount, stackCount and principals given as ARN strings.
'use strict';

// Phase marks for scripts/bench_synth.py (only when BENCH_PHASES_FILE is set): epoch ms.
const MARKS = { start: performance.timeOrigin + performance.now() };
const mark = (name) => {
  MARKS[name] = performance.timeOrigin + performance.now();
};

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Construct } = require('constructs');
const cdk = require('aws-cdk-lib');
const iam = require('aws-cdk-lib/aws-iam');
const { AwsSolutionsChecks } = require('cdk-nag');
const { MfaTrustChecks } = require('./mfa-trust');
mark('imported');

// Keep in step with stacks/layout.py (scripts/bench_synth.py reads them from there and passes
// them as context, so a change on the Python side is followed automatically).
const DEFAULT_ROLES_PER_STACK = 180;
const DEFAULT_ROLES_PER_SHARD_TARGET = 150;
const BASE_NAME = 'DeveloperRoles';
const PRINCIPAL_TAG = 'developer-role:principal';
const POWER_USER_ACCESS = 'PowerUserAccess';
const POWER_USER_REASON =
  "PowerUserAccess is the product's purpose: developers get broad non-IAM access through a " +
  'role that only a named principal can assume, only with MFA, for a limited session; the ' +
  'AWS managed policy tracks new services without edits of ours.';
const PRINCIPAL_ARN =
  /^arn:(?<partition>[a-z-]+):iam::(?<account>\d{12}):(?<kind>user|role)(?<path>\/(?:[\x21-\x7e]*\/)?)(?<name>[\w+=,.@-]{1,128})$/;

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function loadConfig(app) {
  const file = app.node.tryGetContext('developerRolesFile');
  if (!file) fail('no configuration: pass -c developerRolesFile=FILE.json');
  return JSON.parse(fs.readFileSync(path.resolve(process.cwd(), String(file)), 'utf8'));
}

function constructId(p) {
  const parts = [
    p.kind[0].toUpperCase() + p.kind.slice(1),
    p.name,
    p.account,
    ...p.path.replace(/^\/+|\/+$/g, '').split('/'),
  ];
  if (p.partition !== 'aws') parts.push(p.partition);
  return parts.filter((part) => part).join(' ');
}

function roleSpecs(config) {
  const prefix = config.rolePrefix ?? 'PowerUser-';
  const rolePath = config.path ?? '/developers/';
  const problems = [];
  const specs = [];
  const seen = new Set();
  config.principals.forEach((arn, index) => {
    const match = typeof arn === 'string' ? PRINCIPAL_ARN.exec(arn) : null;
    if (!match || arn.includes('*')) {
      problems.push(`principals[${index}]: ${JSON.stringify(arn)} is not an IAM user or role ARN`);
      return;
    }
    if (seen.has(arn.toLowerCase())) problems.push(`principals[${index}]: listed twice`);
    seen.add(arn.toLowerCase());
    const roleName = `${prefix}${match.groups.name}`;
    if (roleName.length > 64) problems.push(`principals[${index}]: role name over 64 characters`);
    specs.push({ key: arn, label: arn, id: constructId(match.groups), roleName, path: rolePath });
  });
  const quota = config.maxRolesPerAccount ?? 1000;
  if (specs.length > quota) problems.push(`${specs.length} roles exceed maxRolesPerAccount ${quota}`);
  if (problems.length) fail(`configuration: ${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
  return { specs, quota };
}

function shardOf(key, count) {
  const digest = crypto.createHash('sha256').update(key.toLowerCase()).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count));
}

function planStacks(config, specs, quota, perStack, perShard) {
  let count = config.stackCount ?? (specs.length <= perStack ? 1 : Math.ceil(quota / perShard));
  const shards = new Map();
  for (const spec of specs) {
    const shard = count > 1 ? shardOf(spec.key, count) : 0;
    if (!shards.has(shard)) shards.set(shard, []);
    shards.get(shard).push(spec);
  }
  for (const [shard, roles] of shards) {
    if (roles.length > perStack) fail(`shard ${shard} has ${roles.length} roles; set stackCount`);
  }
  return [...shards.keys()]
    .sort((a, b) => a - b)
    .map((shard) => ({
      name: count === 1 ? BASE_NAME : `${BASE_NAME}-${String(shard).padStart(2, '0')}`,
      roles: shards.get(shard),
    }));
}

function trustPolicy(principal, maxMfaAgeSeconds) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AssumeWithMfa',
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        Condition: {
          Bool: { 'aws:MultiFactorAuthPresent': 'true' },
          NumericLessThan: { 'aws:MultiFactorAuthAge': String(maxMfaAgeSeconds) },
        },
      },
    ],
  };
}

// Shared, immutable values (as the Python side shares them).
const POWER_USER_POLICY = iam.ManagedPolicy.fromAwsManagedPolicyName(POWER_USER_ACCESS);

class DeveloperRole extends Construct {
  constructor(scope, id, props) {
    super(scope, id);
    this.trustPolicy = trustPolicy(props.principal, props.maxMfaAgeSeconds);
    // L1 CfnRole under a plain "Role" holder, as in constructs/src/developer_role/role.py.
    const holder = new Construct(this, 'Role');
    this.role = new iam.CfnRole(holder, 'Resource', {
      assumeRolePolicyDocument: this.trustPolicy,
      roleName: props.roleName,
      path: props.path,
      description: props.description,
      maxSessionDuration: 3600,
      managedPolicyArns: [POWER_USER_POLICY.managedPolicyArn],
      tags: Object.entries(props.tags ?? {}).map(([key, value]) => ({ key, value })),
    });
  }
}

// Same construct tree as stacks/developer_roles_stack.py, hence the same logical IDs.
class DeveloperRolesStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    for (const spec of props.roles) {
      const developer = new DeveloperRole(this, spec.id, {
        principal: spec.key,
        roleName: spec.roleName,
        path: spec.path,
        description: `PowerUser developer role for ${spec.label}; requires MFA`.slice(0, 1000),
        maxMfaAgeSeconds: 3600,
        tags: { [PRINCIPAL_TAG]: spec.label.slice(0, 256) },
      });
      new cdk.CfnOutput(developer, 'RoleArn', {
        // The ARN from partition, account, path and name, as the Python stack writes it.
        value: `arn:${cdk.Aws.PARTITION}:iam::${cdk.Aws.ACCOUNT_ID}:role${spec.path}${spec.roleName}`,
        description: `Role for ${spec.label}`.slice(0, 1024),
      });
    }
    // PowerUserAccess acknowledged once for the stack, as the Python stack does.
    cdk.Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${POWER_USER_ACCESS}]`,
      reason: POWER_USER_REASON,
    });
  }
}

function profiles(specs, account) {
  const lines = ['# ~/.aws/config profiles for the developer roles. Paste the ones you need.'];
  for (const spec of specs) {
    const name = `${spec.key.split('/').pop().toLowerCase()}-power-user`;
    lines.push(
      '',
      `# ${spec.label}`,
      `[profile ${name}-mfa]`,
      `role_arn = arn:aws:iam::${account ?? 'ACCOUNT_ID'}:role${spec.path}${spec.roleName}`,
      'source_profile = default',
      'duration_seconds = 3600',
      '',
      `[profile ${name}]`,
      `credential_process = python3 scripts/assume_role.py --profile ${name}-mfa --format json`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function main() {
  // Creation stack traces stay on (the CDK's default; here they name lines of app.js). The
  // Python app turns them off, as in a Python app they only show jsii's JavaScript frames;
  // `bench_synth.py --js-without-creation-stacks` turns them off here too, for a like-for-like run.
  const withoutCreationStacks = process.env.BENCH_JS_CREATION_STACKS === 'off';
  // The CDK's built-in CloudFormation validation only when CDK_VALIDATION=true, as in the Python
  // app (stacks/app_context.py builtin_validation).
  const app = new cdk.App({
    builtinCloudFormationValidation: (process.env.CDK_VALIDATION ?? '').toLowerCase() === 'true',
    ...(withoutCreationStacks ? { context: { 'aws:cdk:disable-creation-stack-traces': true } } : {}),
  });
  mark('app');
  const config = loadConfig(app);
  const perStack = Number(app.node.tryGetContext('benchRolesPerStack') ?? DEFAULT_ROLES_PER_STACK);
  const perShard = Number(
    app.node.tryGetContext('benchRolesPerShardTarget') ?? DEFAULT_ROLES_PER_SHARD_TARGET,
  );
  const { specs, quota } = roleSpecs(config);
  const account = config.account ?? process.env.CDK_DEFAULT_ACCOUNT;
  const region = config.region ?? process.env.CDK_DEFAULT_REGION;
  const env = account || region ? { account, region } : undefined;
  const plans = planStacks(config, specs, quota, perStack, perShard);
  mark('config');
  for (const plan of plans) {
    new DeveloperRolesStack(app, plan.name, {
      roles: plan.roles,
      env,
      description: 'MFA-gated PowerUser developer roles, one per trusted principal',
    });
  }
  // BENCH_NO_NAG=1 leaves cdk-nag out, so that the benchmark can tell its cost.
  if (process.env.BENCH_NO_NAG !== '1') {
    const mfaTrust = new MfaTrustChecks();
    const validate = mfaTrust.validate.bind(mfaTrust);
    mfaTrust.validate = (context) => {
      const started = performance.now();
      try {
        return validate(context);
      } finally {
        MARKS.mfaSeconds = (MARKS.mfaSeconds ?? 0) + (performance.now() - started) / 1000;
      }
    };
    cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app), mfaTrust);
  }
  mark('built');
  let assembly;
  try {
    assembly = app.synth();
  } catch (error) {
    if (!String(error).includes('ValidationFailed')) throw error;
    fail('cdk-nag: unacknowledged findings (listed above); nothing was synthesized');
  }
  mark('synthesized');
  fs.writeFileSync(path.join(assembly.directory, 'aws-config-profiles.ini'), profiles(specs, account));
  mark('profiles');
  if (process.env.BENCH_PHASES_FILE) {
    fs.writeFileSync(process.env.BENCH_PHASES_FILE, JSON.stringify(MARKS));
  }
}

main();
