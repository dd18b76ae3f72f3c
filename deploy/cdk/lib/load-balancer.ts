// The internet-facing Application Load Balancer: HTTPS when a certificate is given (HTTP then only
// redirects), one target group of task IPs health-checked on /health, access logs to S3.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib'
import * as acm from 'aws-cdk-lib/aws-certificatemanager'
import type * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import * as s3 from 'aws-cdk-lib/aws-s3'
import { Construct } from 'constructs'

/** Below the service's 65 s keep-alive (src/main.ts), so the service never closes a connection the ALB is about to reuse. */
export const ALB_IDLE_TIMEOUT_SECONDS = 60

export interface LoadBalancerProps {
  vpc: ec2.IVpc
  certificateArn?: string
  containerPort: number
  /** The service's SIGTERM drain: the ALB keeps a deregistering target this long for its in-flight requests. */
  drainSeconds: number
  accessLogRetentionDays: number
}

export class LoadBalancer extends Construct {
  readonly alb: elbv2.ApplicationLoadBalancer
  readonly targetGroup: elbv2.ApplicationTargetGroup
  readonly url: string

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id)

    this.alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      internetFacing: true,
      idleTimeout: Duration.seconds(ALB_IDLE_TIMEOUT_SECONDS),
      dropInvalidHeaderFields: true,
      desyncMitigationMode: elbv2.DesyncMitigationMode.STRICTEST,
    })

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // ALB access logs support SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    })
    this.alb.logAccessLogs(accessLogs)

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      targetType: elbv2.TargetType.IP,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: props.containerPort,
      deregistrationDelay: Duration.seconds(props.drainSeconds),
      healthCheck: {
        path: '/health',
        healthyHttpCodes: '200',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    })

    if (props.certificateArn === undefined) {
      this.alb.addListener('Http', { port: 80, open: true, defaultTargetGroups: [this.targetGroup] })
      this.url = `http://${this.alb.loadBalancerDnsName}`
    } else {
      this.alb.addListener('Https', {
        port: 443,
        open: true,
        certificates: [acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
      })
      this.alb.addRedirect({ sourcePort: 80, targetPort: 443 })
      this.url = `https://${this.alb.loadBalancerDnsName}`
    }

    Validations.of(this.alb).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'A public API: the load balancer accepts HTTP(S) from anywhere, and WAF rate-limits it per IP.',
    })
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket holds the ALB access logs; logging its own access to yet another bucket adds nothing.',
    })
  }
}
