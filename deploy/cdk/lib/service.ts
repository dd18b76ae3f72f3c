// The task definition (the settings of deploy/ecs/task-definition.json: EC2, awsvpc, non-root,
// read-only root filesystem, health check through the binary, init process, stop timeout) and the
// ECS service: rolling deployments with a circuit breaker that rolls back, auto scaling on CPU
// and on ALB requests per target.
import { Duration, Size, Stack, Validations } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import type * as ecr from 'aws-cdk-lib/aws-ecr'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import * as logs from 'aws-cdk-lib/aws-logs'
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import { Construct } from 'constructs'
import type { Settings } from './settings.ts'

const CONTAINER_NAME = 'user-service'
export const CONTAINER_PORT = 8080
/** distroless's `nonroot` user and group. */
const CONTAINER_USER = '65532:65532'
/** The binary's own health-check mode (distroless has no shell or curl), at the Dockerfile's path. */
const HEALTH_CHECK_COMMAND = ['CMD', '/usr/local/bin/user-service', 'healthcheck']
/** Time ECS gives the container after SIGTERM beyond the service's drain, before SIGKILL. */
const STOP_MARGIN_SECONDS = 5

export interface ServiceProps {
  settings: Settings
  cluster: ecs.ICluster
  capacityProvider: ecs.AsgCapacityProvider
  repository: ecr.IRepository
  /** The image tag to run; a token (the ImageTag parameter). */
  imageTag: string
  /** Task count while no image has been pushed yet (0), else the settings' minimum; a token. */
  minTasks: number
  /** The most tasks auto scaling runs (1 without the shared state store); a token. */
  maxTasks: number
  /** The shared state store: its URL (a token, empty without it) and its user's password. */
  stateStore: { url: string; password: secretsmanager.ISecret }
  userPoolId: string
  clientId: string
  clientSecret: secretsmanager.ISecret
  targetGroup: elbv2.ApplicationTargetGroup
  loadBalancerSecurityGroup: ec2.ISecurityGroup
}

export class Service extends Construct {
  readonly taskDefinition: ecs.Ec2TaskDefinition
  readonly service: ecs.Ec2Service
  readonly logGroup: logs.LogGroup

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id)
    const { settings } = props
    const drainSeconds = Math.ceil(settings.shutdownTimeoutMs / 1000)

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: settings.logRetentionDays })

    // No runtimePlatform (ECS refuses it for EC2 tasks): the instances' architecture decides, and
    // the image is built for it (or multi-arch).
    this.taskDefinition = new ecs.Ec2TaskDefinition(this, 'Task', { networkMode: ecs.NetworkMode.AWS_VPC })
    this.taskDefinition.addContainer('Container', {
      containerName: CONTAINER_NAME,
      image: ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag),
      essential: true,
      cpu: settings.taskCpu,
      memoryLimitMiB: settings.taskMemoryMiB,
      // Placement counts the reservation, so two tasks fit where RSS says they do.
      memoryReservationMiB: Math.min(128, settings.taskMemoryMiB),
      user: CONTAINER_USER,
      readonlyRootFilesystem: true,
      privileged: false,
      portMappings: [
        { name: 'http', containerPort: CONTAINER_PORT, protocol: ecs.Protocol.TCP, appProtocol: ecs.AppProtocol.http },
      ],
      ulimits: [{ name: ecs.UlimitName.NOFILE, softLimit: 65536, hardLimit: 65536 }],
      environment: {
        PORT: String(CONTAINER_PORT),
        AWS_REGION: Stack.of(this).region,
        COGNITO_USER_POOL_ID: props.userPoolId,
        COGNITO_CLIENT_ID: props.clientId,
        LOG_LEVEL: settings.logLevel,
        // Behind the ALB the client IP is the right-most X-Forwarded-For entry.
        TRUST_PROXY: 'true',
        SHUTDOWN_TIMEOUT_MS: String(settings.shutdownTimeoutMs),
        SWAGGER_ENABLED: String(settings.swaggerEnabled),
        // Must match the app client (user-pool.ts): a rotating client refuses REFRESH_TOKEN_AUTH.
        COGNITO_REFRESH_TOKEN_ROTATION: String(settings.refreshTokenRotation),
        // ElastiCache Serverless runs in cluster mode; an empty REDIS_URL is no store at all.
        REDIS_URL: props.stateStore.url,
        REDIS_CLUSTER: 'true',
        // The bound on Cognito calls and its queue (docs/configuration.md); Bun's own
        // bound on fetch() (signing keys, breached-password check) above it, as the image sets it.
        COGNITO_MAX_CONCURRENCY: '256',
        COGNITO_QUEUE_LIMIT: '1024',
        BUN_CONFIG_MAX_HTTP_REQUESTS: '512',
      },
      secrets: {
        COGNITO_CLIENT_SECRET: ecs.Secret.fromSecretsManager(props.clientSecret),
        REDIS_PASSWORD: ecs.Secret.fromSecretsManager(props.stateStore.password),
      },
      healthCheck: {
        command: HEALTH_CHECK_COMMAND,
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(10),
      },
      linuxParameters: this.linuxParameters(),
      stopTimeout: Duration.seconds(drainSeconds + STOP_MARGIN_SECONDS),
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: CONTAINER_NAME,
        // A CloudWatch hiccup must not block the service's stdout (and so its requests).
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(4),
      }),
    })

    // The service's only IAM-signed Cognito calls: after a password reset or change it ends every
    // session of the account by name (AdminGetUser for its sub, AdminUserGlobalSignOut). Nothing else,
    // on this pool only; every other call is one Cognito authorizes by the user's token or the client.
    this.taskDefinition.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cognito-idp:AdminGetUser', 'cognito-idp:AdminUserGlobalSignOut'],
        resources: [
          Stack.of(this).formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: props.userPoolId }),
        ],
      }),
    )

    this.service = new ecs.Ec2Service(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.minTasks,
      capacityProviderStrategies: [{ capacityProvider: props.capacityProvider.capacityProviderName, weight: 1 }],
      placementStrategies: [
        ecs.PlacementStrategy.spreadAcross(ecs.BuiltInAttributes.AVAILABILITY_ZONE),
        ecs.PlacementStrategy.spreadAcrossInstances(),
      ],
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(30),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    })
    this.service.connections.allowFrom(
      props.loadBalancerSecurityGroup,
      ec2.Port.tcp(CONTAINER_PORT),
      'from the load balancer',
    )
    this.service.attachToApplicationTargetGroup(props.targetGroup)

    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.minTasks, maxCapacity: props.maxTasks })
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 })
    // Per task per minute. Most of a request's time is the wait on Cognito, so CPU alone would react
    // late to a burst of sign-ins; the request count does not.
    scaling.scaleOnRequestCount('Requests', { requestsPerTarget: 1000, targetGroup: props.targetGroup })

    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds configuration only (pool id, client id, store URL without password, flags); the secrets, COGNITO_CLIENT_SECRET and REDIS_PASSWORD, come from Secrets Manager via `secrets`.',
    })
    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken (to pull the image) supports no resource scoping; the pull itself and the secret read are scoped to this repository and secret.',
    })
  }

  /** An init process that reaps and forwards signals; no Linux capabilities at all. */
  private linuxParameters(): ecs.LinuxParameters {
    const parameters = new ecs.LinuxParameters(this, 'Linux', { initProcessEnabled: true })
    parameters.dropCapabilities(ecs.Capability.ALL)
    return parameters
  }
}
