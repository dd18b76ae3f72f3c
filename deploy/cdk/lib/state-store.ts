// The shared state store: ElastiCache Serverless for Valkey (cluster mode, TLS only) in the private
// subnets, reachable only from the service's security group, its one user authenticated with a
// password that Secrets Manager generates and ECS hands the task as REDIS_PASSWORD
// (docs/deployment.md, "The state store"). No data-storage maximum: with one, a full cache evicts
// keys that have a time to live, and every key here has one; an evicted revocation brings a
// signed-out token back to life. Alarms on the bytes used and on any eviction say so first.
import { Duration, Names, Stack, Validations } from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as elasticache from 'aws-cdk-lib/aws-elasticache'
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import type * as sns from 'aws-cdk-lib/aws-sns'
import { CfnResource, type CfnCondition } from 'aws-cdk-lib'
import { Construct } from 'constructs'

/** The port ElastiCache Serverless serves Valkey on (TLS). */
export const STORE_PORT = 6379
/** The user the service signs in as (its access: every key and shard channel, no admin commands). */
export const STORE_USER = 'user-service'

/**
 * The user's access (an ACL rule list): every key and shard channel, no administrative or
 * dangerous commands. test/integration/state-store.test.ts runs the client as a user with it.
 */
export const STORE_USER_ACCESS = 'on ~* &* +@all -@admin -@dangerous'

/** Alarm thresholds on the cache. */
export const STORE_ALARMS = {
  /** Bytes in the cache: the revocations of a busy day are tens of megabytes; one gigabyte is a leak. */
  bytesUsed: 1024 ** 3,
  /** Any eviction: a revocation may have been forgotten before its tokens expired. */
  evictions: 0,
} as const

export interface StateStoreProps {
  vpc: ec2.IVpc
  /** Every resource of the store exists only when this holds (the StateStore stack parameter). */
  condition: CfnCondition
}

export class StateStore extends Construct {
  readonly securityGroup: ec2.SecurityGroup
  /** The generated password of STORE_USER (ECS gives it to the task as REDIS_PASSWORD). */
  readonly password: secretsmanager.Secret
  readonly cache: elasticache.CfnServerlessCache
  /** rediss://STORE_USER@<endpoint>:<port>, the task's REDIS_URL. */
  readonly url: string

  constructor(scope: Construct, id: string, { vpc, condition }: StateStoreProps) {
    super(scope, id)
    const name = `user-service-${Names.uniqueId(this).slice(-12).toLowerCase()}`

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'The state store: reachable from the user-service tasks only',
      allowAllOutbound: false,
    })
    // Valkey user passwords: 16-128 printable characters without spaces, quotes or @ (CreateUser).
    this.password = new secretsmanager.Secret(this, 'Password', {
      description: `Password of the ${STORE_USER} user of the user-service state store`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    })
    const user = new elasticache.CfnUser(this, 'User', {
      engine: 'valkey',
      userId: name,
      userName: STORE_USER,
      accessString: STORE_USER_ACCESS,
      authenticationMode: { Type: 'password', Passwords: [this.password.secretValue.unsafeUnwrap()] },
    })
    const userGroup = new elasticache.CfnUserGroup(this, 'UserGroup', {
      engine: 'valkey',
      userGroupId: name,
      // Ref of a user is its id: the reference also orders the creation.
      userIds: [user.ref],
    })
    this.cache = new elasticache.CfnServerlessCache(this, 'Cache', {
      serverlessCacheName: name,
      engine: 'valkey',
      description: 'user-service shared security state (revocations)',
      subnetIds: vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      userGroupId: userGroup.ref,
      // No cacheUsageLimits: no data-storage maximum, so nothing is evicted for want of room.
    })
    this.url = `rediss://${STORE_USER}@${this.cache.attrEndpointAddress}:${this.cache.attrEndpointPort}`

    Validations.of(this.password).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'ElastiCache reads the user password at deployment only: a rotation would need a rotation Lambda that also calls ModifyUser; it never leaves the VPC and TLS.',
    })
    // The password stays without the store: the task definition names it either way (an ECS secret
    // cannot be conditional), and without REDIS_URL the service ignores it.
    const passwordResources = new Set(this.password.node.findAll())
    for (const child of this.node.findAll())
      if (child instanceof CfnResource && !passwordResources.has(child)) child.cfnOptions.condition = condition
  }

  /** Lets `peer` (the service's security group) reach the store; the rule exists only with the store. */
  allowFrom(peer: ec2.ISecurityGroup, condition: CfnCondition): void {
    const ingress = new ec2.CfnSecurityGroupIngress(this, 'FromService', {
      groupId: this.securityGroup.securityGroupId,
      sourceSecurityGroupId: peer.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: STORE_PORT,
      toPort: STORE_PORT,
      description: 'from the user-service tasks',
    })
    ingress.cfnOptions.condition = condition
  }

  /** Alarms on the bytes used and on evictions, to `topic` (in alarm and back to OK); only with the store. */
  addAlarms(topic: sns.ITopic, condition: CfnCondition): cloudwatch.Alarm[] {
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ElastiCache',
        metricName,
        dimensionsMap: { clusterId: this.cache.serverlessCacheName },
        statistic,
        period: Duration.minutes(5),
        region: Stack.of(this).region,
      })
    const alarms = [
      new cloudwatch.Alarm(this, 'BytesUsedAlarm', {
        alarmDescription:
          'The state store holds far more than revocations need: look for a leak (keys without their time to live) before it grows further.',
        metric: metric('BytesUsedForCache', 'Maximum'),
        threshold: STORE_ALARMS.bytesUsed,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'EvictionsAlarm', {
        alarmDescription:
          'The state store evicted keys: a revocation may be gone before its tokens expired, so a signed-out token can work again on a task that did not hear it (docs/operations.md).',
        metric: metric('Evictions', 'Sum'),
        threshold: STORE_ALARMS.evictions,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ]
    for (const alarm of alarms) {
      alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic))
      alarm.addOkAction(new cloudwatchActions.SnsAction(topic))
      ;(alarm.node.defaultChild as cloudwatch.CfnAlarm).cfnOptions.condition = condition
    }
    return alarms
  }
}
