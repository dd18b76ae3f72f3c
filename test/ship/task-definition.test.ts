// deploy/ecs/task-definition.json: the fields ECS on EC2 needs, in agreement with the Dockerfile and
// the service's own configuration parsing. Placeholders (${NAME}) are filled with sample values, as
// `envsubst` does in docs/deployment.md's manual steps.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError, parseConfig } from '../../src/config.ts'
import { HEALTHCHECK_TIMEOUT_MS } from '../../src/healthcheck.ts'
import { DOCKERFILE, readRuntimeStage } from './dockerfile.ts'

const ROOT = resolve(import.meta.dir, '../..')
const SAMPLE: Record<string, string> = {
  ACCOUNT_ID: '123456789012',
  AWS_REGION: 'ap-northeast-2',
  IMAGE_TAG: '1.0.0',
  USER_POOL_ID: 'ap-northeast-2_AbC123',
  CLIENT_ID: '1example23456789abcdefghij',
  CLIENT_SECRET_ARN:
    'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:user-service/cognito-client-secret-AbCdEf',
}
const template = readFileSync(resolve(ROOT, 'deploy/ecs/task-definition.json'), 'utf8')
const placeholders = [...new Set([...template.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!))]
const rendered = template.replace(/\$\{(\w+)\}/g, (_, name: string) => SAMPLE[name] ?? `\${${name}}`)
const task = JSON.parse(rendered)
const container = task.containerDefinitions[0]
const stage = readRuntimeStage()

/** The environment ECS gives the container: its variables, and its secrets (values from Secrets Manager). */
const containerEnv = (): Record<string, string> => ({
  ...Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value])),
  ...Object.fromEntries(container.secrets.map((s: { name: string }) => [s.name, 'secret-from-secrets-manager'])),
})

describe('ECS task definition', () => {
  test('every placeholder is one the deploy steps fill', () => {
    expect(placeholders.sort()).toEqual(Object.keys(SAMPLE).sort())
    expect(rendered).not.toContain('${')
  })

  test('EC2 launch type, awsvpc, one essential container on port 8080 (the image EXPOSEs it, PORT says it)', () => {
    expect(task.requiresCompatibilities).toEqual(['EC2'])
    expect(task.networkMode).toBe('awsvpc')
    expect(task.containerDefinitions).toHaveLength(1)
    expect(container.essential).toBe(true)
    expect(container.portMappings).toEqual([expect.objectContaining({ containerPort: 8080, protocol: 'tcp' })])
    expect(stage.expose).toEqual(['8080'])
    expect(parseConfig(containerEnv()).port).toBe(8080)
  })

  test("health check: the image binary in healthcheck mode, with a timeout above the check's own 2 s budget", () => {
    expect(container.healthCheck.command).toEqual(['CMD', ...stage.healthcheck!])
    expect(container.healthCheck.timeout * 1000).toBeGreaterThan(HEALTHCHECK_TIMEOUT_MS)
  })

  test("Bun's bound on fetch() sits above the bound on Cognito calls, in the image and in the task", () => {
    const image = /^ENV BUN_CONFIG_MAX_HTTP_REQUESTS=(\d+)$/m.exec(readFileSync(DOCKERFILE, 'utf8'))
    const { maxConcurrency } = parseConfig(containerEnv()).cognito
    expect(Number(image?.[1])).toBeGreaterThan(maxConcurrency)
    expect(Number(containerEnv().BUN_CONFIG_MAX_HTTP_REQUESTS)).toBeGreaterThan(maxConcurrency)
  })

  test("stopTimeout outlasts the service's drain (SHUTDOWN_TIMEOUT_MS), so ECS never SIGKILLs a draining task", () => {
    const { shutdownTimeoutMs } = parseConfig(containerEnv())
    expect(shutdownTimeoutMs).toBe(10_000)
    expect(container.stopTimeout * 1000).toBeGreaterThan(shutdownTimeoutMs)
  })

  test('an init process reaps and forwards signals; awslogs ships stdout', () => {
    expect(container.linuxParameters.initProcessEnabled).toBe(true)
    expect(container.logConfiguration.logDriver).toBe('awslogs')
    expect(Object.keys(container.logConfiguration.options)).toEqual(
      expect.arrayContaining(['awslogs-group', 'awslogs-region', 'awslogs-stream-prefix']),
    )
  })

  test('non-root (the image USER), read-only root filesystem, no capabilities', () => {
    expect(container.user).toBe(stage.user)
    expect(container.user.split(':').map(Number)).not.toContain(0)
    expect(container.readonlyRootFilesystem).toBe(true)
    expect(container.privileged).toBe(false)
    expect(container.linuxParameters.capabilities.drop).toEqual(['ALL'])
  })

  test("a task role, which the deploy steps give the two admin calls that end an account's sessions", () => {
    expect(task.taskRoleArn).toBe('arn:aws:iam::123456789012:role/user-service-task')
    const steps = readFileSync(resolve(ROOT, 'docs/deployment.md'), 'utf8')
    expect(steps).toContain('--role-name user-service-task')
    for (const action of ['cognito-idp:AdminGetUser', 'cognito-idp:AdminUserGlobalSignOut'])
      expect(steps).toContain(action)
  })

  test('the client secret comes from Secrets Manager, never as a plain value', () => {
    expect(container.secrets).toEqual([
      { name: 'COGNITO_CLIENT_SECRET', valueFrom: expect.stringMatching(/^arn:aws:secretsmanager:/) },
    ])
    expect(container.environment.map((e: { name: string }) => e.name)).not.toContain('COGNITO_CLIENT_SECRET')
    expect(parseConfig(containerEnv()).cognito.clientSecret).toBe('secret-from-secrets-manager')
  })

  test('every variable the service requires is provided, and every one provided is one it reads', () => {
    let required: string[] = []
    try {
      parseConfig({})
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      required = error.problems.flatMap((p) => /^(\w+) is required$/.exec(p)?.[1] ?? [])
    }
    expect(required.length).toBeGreaterThan(0)
    const provided = Object.keys(containerEnv())
    expect(provided).toEqual(expect.arrayContaining(required))
    expect(() => parseConfig(containerEnv())).not.toThrow()
    expect(parseConfig(containerEnv()).trustProxy).toBe(true)
    // src/config.ts is the only reader of the environment, besides the runtime's own settings; a name
    // neither reads is a typo here.
    const read = new Set([
      ...[...readFileSync(resolve(ROOT, 'src/config.ts'), 'utf8').matchAll(/(?:read|integer|flag)\('(\w+)'/g)].map(
        (m) => m[1],
      ),
      'BUN_CONFIG_MAX_HTTP_REQUESTS',
    ])
    expect(provided.filter((name) => !read.has(name))).toEqual([])
  })

  // Sized against the RSS in docs/performance.md (`npm run bench`, `npm run soak`): 112 MiB covers
  // the highest peak measured there, the soak's.
  test('sized from the measured RSS: hard limit twice the peak under load, reservation above idle', () => {
    const idleMiB = 60
    const peakMiB = 112
    expect(container.memory).toBeGreaterThanOrEqual(2 * peakMiB)
    expect(container.memoryReservation).toBeGreaterThan(idleMiB)
    expect(container.memoryReservation).toBeLessThanOrEqual(container.memory)
    expect(Number(task.memory)).toBeGreaterThanOrEqual(container.memory)
    expect(Number(task.cpu)).toBeGreaterThanOrEqual(container.cpu)
  })
})
