// Builds the CDK app from context: shared by bin/user-service.ts (the `cdk` CLI's entry) and the
// tests, so the tests check exactly what `cdk synth` produces, cdk-nag included.
import { App, Validations, type AppProps } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { readSettings } from './settings.ts'
import { UserServiceStack } from './user-service-stack.ts'

const STACK_NAME = 'UserService'

export function buildApp(props: AppProps = {}): { app: App; stack: UserServiceStack } {
  const app = new App(props)
  const settings = readSettings((key) => app.node.tryGetContext(key))
  // Account-agnostic (synth runs offline, and what is deployed is what the tests saw) unless a VPC
  // is imported: its lookup needs the account the CLI's credentials name.
  const account = settings.vpcId === undefined ? undefined : process.env.CDK_DEFAULT_ACCOUNT
  const stack = new UserServiceStack(app, STACK_NAME, {
    settings,
    description: 'user-service: Cognito user pool, ECS on EC2 behind an ALB, WAF rate limits',
    env: { region: settings.region, ...(account === undefined ? {} : { account }) },
  })
  // Synthesis fails on any AwsSolutions finding that is not acknowledged (with a reason) in code.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }))
  return { app, stack }
}
