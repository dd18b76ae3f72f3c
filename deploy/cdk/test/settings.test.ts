import { describe, expect, test } from 'bun:test'
import { readSettings, SettingsError } from '../lib/settings.ts'
import { cdkJson } from './synth.ts'

const from = (context: Record<string, unknown>) => readSettings((key) => context[key])

describe('deployment settings', () => {
  test("cdk.json's context is complete and valid on its own", () => {
    expect(from(cdkJson.context)).toMatchObject({
      region: 'ap-northeast-2',
      architecture: 'x86_64',
      instanceType: 't3.small',
      minTasks: 2,
      maxTasks: 10,
      userPoolDeletionProtection: true,
      refreshTokenRotation: true,
      refreshTokenGraceSeconds: 10,
      sessionTracking: true,
      shutdownTimeoutMs: 10_000,
    })
    expect(from(cdkJson.context)).not.toHaveProperty('certificateArn')
    expect(from(cdkJson.context)).not.toHaveProperty('vpcId')
  })

  test('`-c key=value` strings are read like JSON values', () => {
    const settings = from({
      ...cdkJson.context,
      minTasks: '3',
      userPoolDeletionProtection: 'false',
      architecture: 'arm64',
    })
    expect(settings).toMatchObject({
      minTasks: 3,
      userPoolDeletionProtection: false,
      architecture: 'arm64',
      instanceType: 't4g.small',
    })
  })

  test('every problem is named at once', () => {
    const context = {
      ...cdkJson.context,
      region: 'Seoul',
      architecture: 'sparc',
      minTasks: '5',
      maxTasks: 2,
      logRetentionDays: 31,
      certificateArn: 'my-cert',
      vpcId: 'default',
      userPoolDeletionProtection: 'yes',
      refreshTokenGraceSeconds: 61,
    }
    let error: unknown
    try {
      from(context)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(SettingsError)
    expect((error as SettingsError).problems).toEqual([
      'architecture must be x86_64 or arm64',
      'maxTasks must be at least minTasks',
      'logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
      'region must look like ap-northeast-2',
      'userPoolDeletionProtection must be true or false',
      'refreshTokenGraceSeconds must be an integer from 0 to 60',
      'certificateArn must look like arn:aws:acm:<region>:<account>:certificate/<id>',
      'vpcId must look like vpc-0123456789abcdef0',
    ])
  })
})
