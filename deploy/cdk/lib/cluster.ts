// The ECS cluster and its EC2 capacity: an Auto Scaling group of ECS-optimized Amazon Linux 2023
// instances (x86_64 or Graviton) behind a capacity provider with managed scaling, so ECS adds
// instances when tasks do not fit (with awsvpc, each task also needs a free ENI on its instance).
import { Validations } from 'aws-cdk-lib'
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import { Construct } from 'constructs'
import type { Architecture } from './settings.ts'

export interface ClusterProps {
  vpc: ec2.IVpc
  architecture: Architecture
  instanceType: string
  minInstances: number
  maxInstances: number
}

export class Cluster extends Construct {
  readonly cluster: ecs.Cluster
  readonly capacityProvider: ecs.AsgCapacityProvider

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id)

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    })

    const hardware = props.architecture === 'arm64' ? ecs.AmiHardwareType.ARM : ecs.AmiHardwareType.STANDARD
    const instances = new autoscaling.AutoScalingGroup(this, 'Instances', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      instanceType: new ec2.InstanceType(props.instanceType),
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(hardware),
      minCapacity: props.minInstances,
      maxCapacity: props.maxInstances,
      requireImdsv2: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: autoscaling.BlockDeviceVolume.ebs(30, {
            encrypted: true,
            volumeType: autoscaling.EbsDeviceVolumeType.GP3,
          }),
        },
      ],
    })

    // With awsvpc, a task could otherwise reach the instance metadata service and borrow the
    // instance role; the service needs neither.
    instances.addUserData('echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config')

    this.capacityProvider = new ecs.AsgCapacityProvider(this, 'Capacity', {
      autoScalingGroup: instances,
      // ECS itself moves tasks off an instance before scale-in terminates it (no drain Lambda and
      // SNS topic of CDK's own); termination protection on top would only keep `cdk destroy`
      // waiting on protected instances.
      enableManagedDraining: true,
      enableManagedTerminationProtection: false,
    })
    this.cluster.addAsgCapacityProvider(this.capacityProvider)

    Validations.of(instances).acknowledge({
      id: 'AwsSolutions-AS3',
      reason:
        'Scaling activity shows in the ECS capacity provider and the Auto Scaling history; nobody is paged on instance launches, so no SNS notifications.',
    })
    Validations.of(instances.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::ecs:Submit*]',
        reason:
          'The ECS agent reports task and container state changes (ecs:SubmitTaskStateChange, SubmitContainerStateChange, SubmitAttachmentStateChanges); CDK scopes it to this cluster.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "ecs:Poll and ecs:StartTelemetrySession are conditioned on this cluster; ecs:DiscoverPollEndpoint, ecr:GetAuthorizationToken and the agent's own log calls support no resource scoping.",
      },
    )
  }
}
