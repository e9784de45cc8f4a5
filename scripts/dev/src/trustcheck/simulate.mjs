// Evaluate a batch of STS requests against role trust policies with @cloud-copilot/iam-simulate.
//
// stdin (JSON):
//   { "policies": { "<name>": <policy document> },
//     "requests": [ { "id": "...", "policy": "<name>", "roleArn": "arn:aws:iam::...:role/...",
//                     "roleAccount": "123456789012", "principal": "arn:...",
//                     "actions": ["sts:AssumeRole", ...],
//                     "context": { "aws:MultiFactorAuthPresent": "true", ... },
//                     "identityPolicies": [<policy document>, ...] } ] }
// stdout (JSON):
//   { "engine": "@cloud-copilot/iam-simulate@<version>",
//     "results": [ { "id": "...", "decisions": { "<action>": { "result": "Allowed" |
//                    "ImplicitlyDenied" | "ExplicitlyDenied" | "Error",
//                    "ignoredContextKeys": [...], "error": "..." } } } ] }
//
// The trust policy is passed as the resource policy of the role; the caller's identity
// policies are passed as given, with no SCPs, RCPs, permission boundary or session policy.
// Strict mode: absent context keys are absent, never "unknown".
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const require = createRequire(import.meta.url)

function engineVersion() {
  try {
    // The package's exports hide package.json; its entry point is <package>/dist/cjs/index.js.
    const entry = require.resolve('@cloud-copilot/iam-simulate')
    const manifest = join(dirname(entry), '..', '..', 'package.json')
    return JSON.parse(readFileSync(manifest, 'utf8')).version
  } catch {
    return 'unknown'
  }
}

async function decide(request, policies, action) {
  const simulation = {
    request: {
      principal: request.principal,
      action,
      resource: { resource: request.roleArn, accountId: request.roleAccount },
      contextVariables: request.context ?? {}
    },
    identityPolicies: (request.identityPolicies ?? []).map((policy, n) => ({
      name: `identity${n}`,
      policy
    })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: policies[request.policy]
  }
  try {
    const response = await runSimulation(simulation, { simulationMode: 'Strict' })
    if (response.resultType === 'error') {
      return { result: 'Error', error: JSON.stringify(response.errors) }
    }
    const ignored =
      response.resultType === 'single'
        ? (response.result.ignoredContextKeys ?? [])
        : response.results.flatMap((r) => r.ignoredContextKeys ?? [])
    return { result: response.overallResult, ignoredContextKeys: ignored }
  } catch (error) {
    return { result: 'Error', error: String(error?.stack ?? error) }
  }
}

async function main() {
  const batch = JSON.parse(readFileSync(0, 'utf8'))
  const policies = batch.policies ?? {}
  const results = []
  for (const request of batch.requests ?? []) {
    if (!(request.policy in policies)) {
      results.push({
        id: request.id,
        decisions: Object.fromEntries(
          request.actions.map((a) => [a, { result: 'Error', error: `no policy ${request.policy}` }])
        )
      })
      continue
    }
    const decisions = {}
    for (const action of request.actions) {
      decisions[action] = await decide(request, policies, action)
    }
    results.push({ id: request.id, decisions })
  }
  process.stdout.write(
    JSON.stringify({ engine: `@cloud-copilot/iam-simulate@${engineVersion()}`, results }) + '\n'
  )
}

main().catch((error) => {
  process.stderr.write(`simulate.mjs: ${error?.stack ?? error}\n`)
  process.exit(2)
})
