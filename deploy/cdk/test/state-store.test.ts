// The shared state store (lib/state-store.ts): ElastiCache Serverless for Valkey in the private
// subnets, only the tasks let in, a password user from Secrets Manager, no storage maximum, alarms
// on size and evictions; and the StateStore parameter that deploys without it (one task, in memory).
import { describe, expect, test } from 'bun:test'
import { STORE_ALARMS, STORE_PORT, STORE_USER } from '../lib/state-store.ts'
import { only, template } from './synth.ts'

const resources = template.toJSON().Resources as Record<string, { Type: string; Condition?: string; Properties: any }>
const container = only('AWS::ECS::TaskDefinition').properties.ContainerDefinitions[0]
const environment = Object.fromEntries(
  container.Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]),
) as Record<string, unknown>
const cache = only('AWS::ElastiCache::ServerlessCache')

describe('the state store', () => {
  test('ElastiCache Serverless for Valkey in the private subnets, behind its own security group, no data-storage maximum', () => {
    expect(cache.properties.Engine).toBe('valkey')
    expect(cache.properties.CacheUsageLimits).toBeUndefined()
    const subnets = cache.properties.SubnetIds.map((s: { Ref: string }) => s.Ref)
    expect(subnets.length).toBeGreaterThanOrEqual(2)
    for (const subnet of subnets) expect(subnet).toContain('PrivateSubnet')
    expect(cache.properties.SecurityGroupIds).toHaveLength(1)
  })

  test('reachable only from the service’s security group, on the store port; no way out', () => {
    const storeGroup = cache.properties.SecurityGroupIds[0]['Fn::GetAtt'][0]
    const serviceGroup =
      only('AWS::ECS::Service').properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups[0]['Fn::GetAtt'][0]
    const into = Object.values(resources).filter(
      (r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && r.Properties.GroupId['Fn::GetAtt'][0] === storeGroup,
    )
    expect(into.map((r) => r.Properties)).toEqual([
      expect.objectContaining({
        SourceSecurityGroupId: { 'Fn::GetAtt': [serviceGroup, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: STORE_PORT,
        ToPort: STORE_PORT,
      }),
    ])
    const group = resources[storeGroup]!.Properties
    expect(group.SecurityGroupIngress).toBeUndefined()
    // CDK's "no egress" rule: one to an address that cannot exist.
    expect(group.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32' })])
  })

  test('one user with a password from Secrets Manager, no admin commands; the task gets it as an ECS secret over TLS', () => {
    const user = only('AWS::ElastiCache::User').properties
    expect(user).toMatchObject({ Engine: 'valkey', UserName: STORE_USER, AuthenticationMode: { Type: 'password' } })
    expect(JSON.stringify(user.AuthenticationMode.Passwords)).toContain('resolve:secretsmanager')
    expect(user.AccessString).toContain('-@admin')
    expect(user.AccessString).toContain('-@dangerous')
    const group = only('AWS::ElastiCache::UserGroup')
    expect(group.properties.UserIds).toEqual([{ Ref: only('AWS::ElastiCache::User').id }])
    expect(cache.properties.UserGroupId).toEqual({ Ref: group.id })
    const url = JSON.stringify(environment.REDIS_URL)
    expect(url).toContain(`rediss://${STORE_USER}@`)
    expect(url).not.toContain('resolve:secretsmanager')
    expect(environment.REDIS_CLUSTER).toBe('true')
    expect(container.Secrets.map((s: { Name: string }) => s.Name)).toContain('REDIS_PASSWORD')
  })

  test('alarms on BytesUsedForCache and on any eviction of this cache', () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    const on = (metric: string) => alarms.find((a) => a.Properties.MetricName === metric)!.Properties
    expect(on('BytesUsedForCache')).toMatchObject({ Namespace: 'AWS/ElastiCache', Threshold: STORE_ALARMS.bytesUsed })
    expect(on('Evictions')).toMatchObject({
      Namespace: 'AWS/ElastiCache',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Statistic: 'Sum',
    })
    for (const metric of ['BytesUsedForCache', 'Evictions'])
      expect(on(metric).Dimensions).toEqual([{ Name: 'clusterId', Value: cache.properties.ServerlessCacheName }])
  })

  test('the StateStore parameter: disabled, no cache (every store resource is conditional), an empty REDIS_URL and one task', () => {
    expect(template.toJSON().Parameters.StateStore).toMatchObject({
      Default: 'enabled',
      AllowedValues: ['enabled', 'disabled'],
    })
    template.hasCondition('WithStateStore', { 'Fn::Equals': [{ Ref: 'StateStore' }, 'enabled'] })
    const storeTypes = ['AWS::ElastiCache::ServerlessCache', 'AWS::ElastiCache::User', 'AWS::ElastiCache::UserGroup']
    for (const [id, resource] of Object.entries(resources)) {
      const ofTheStore =
        storeTypes.includes(resource.Type) ||
        (id.startsWith('SharedState') && resource.Type !== 'AWS::SecretsManager::Secret')
      if (ofTheStore) expect({ id, condition: resource.Condition }).toEqual({ id, condition: 'WithStateStore' })
    }
    expect((environment.REDIS_URL as { 'Fn::If': unknown[] })['Fn::If'].slice(0, 1)).toEqual(['WithStateStore'])
    expect((environment.REDIS_URL as { 'Fn::If': unknown[] })['Fn::If'][2]).toBe('')
    expect(only('AWS::ApplicationAutoScaling::ScalableTarget').properties.MaxCapacity).toEqual({
      'Fn::If': ['WithStateStore', expect.any(Number), 1],
    })
  })
})
