// cdk-nag's AwsSolutions pack over the whole app: no finding left unanswered, and every
// acknowledgment (a suppression, with its reason next to the resource in lib/) is on this list,
// so a new one cannot slip in without a reviewer seeing it here.
import { expect, test } from 'bun:test'
import { Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { app } from './synth.ts'

const ACKNOWLEDGED = [
  'UserService/AWS679f53fac002430cb0da5b7982bd2287 AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'UserService/Compute/Instances AwsSolutions-AS3',
  'UserService/Compute/Instances/InstanceRole AwsSolutions-IAM5[Action::ecs:Submit*]',
  'UserService/Compute/Instances/InstanceRole AwsSolutions-IAM5[Resource::*]',
  'UserService/LoadBalancer/AccessLogs AwsSolutions-S1',
  'UserService/LoadBalancer/Alb AwsSolutions-EC23',
  'UserService/Service/Task AwsSolutions-ECS2',
  'UserService/SharedState/Password AwsSolutions-SMG4',
  'UserService/Service/Task/ExecutionRole AwsSolutions-IAM5[Resource::*]',
  'UserService/UserPool/ClientSecret AwsSolutions-SMG4',
  'UserService/UserPool/Pool AwsSolutions-COG2',
  'UserService/UserPool/Pool AwsSolutions-COG8',
]

test('AwsSolutions: no unacknowledged finding, errors and warnings alike', () => {
  const report = new AwsSolutionsChecks().validateScope(app)
  const findings = report.violations.map(
    (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
  )
  expect(findings).toEqual([])
  expect(report.success).toBe(true)
})

test('AwsSolutions acknowledgments: exactly the reviewed list, each with a real reason', () => {
  const acknowledged: string[] = []
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const rule = /^Annotation::(AwsSolutions-.+)$/.exec(id)?.[1]
        if (rule === undefined) continue
        acknowledged.push(`${construct.node.path} ${rule}`)
        expect({ rule, reason: reason.length >= 60 }).toEqual({ rule, reason: true })
      }
    }
  }
  expect(acknowledged.sort()).toEqual([...ACKNOWLEDGED].sort())
})
