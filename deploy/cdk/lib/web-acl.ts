// AWS WAF on the ALB: per-IP rate limits counted across all tasks (each task only sees its own
// share of the traffic), strictest on the routes that guess passwords or codes or send email.
// No AWS common rule set: its XSS and SQL-injection body rules would reject legitimate passwords
// such as `<script>1A` or `' OR 1=1 --Aa`, and the service validates every body itself.
import * as wafv2 from 'aws-cdk-lib/aws-wafv2'
import { Construct } from 'constructs'

/** Path prefixes of the rate-limited auth routes: sign-in (+ challenge), sign-up (+ confirm, resend), forgot/reset password. */
const AUTH_PATH_PREFIXES = ['/signin', '/signup', '/password/forgot', '/password/reset']

/** WAF counts requests per IP over this window (seconds). */
const RATE_WINDOW_SECONDS = 300

export interface WebAclProps {
  loadBalancerArn: string
  authRateLimit: number
  globalRateLimit: number
}

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
})

const pathStartsWith = (prefix: string): wafv2.CfnWebACL.StatementProperty => ({
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    positionalConstraint: 'STARTS_WITH',
    searchString: prefix,
    // Routes match case-sensitively in the service, but /SignIn must not dodge the limit.
    textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
  },
})

const tooManyRequests: wafv2.CfnWebACL.RuleActionProperty = {
  block: { customResponse: { responseCode: 429 } },
}

export class WebAcl extends Construct {
  readonly acl: wafv2.CfnWebACL

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id)

    this.acl = new wafv2.CfnWebACL(this, 'Acl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('user-service'),
      rules: [
        {
          name: 'auth-routes-per-ip',
          priority: 0,
          action: tooManyRequests,
          visibilityConfig: visibility('user-service-auth-routes-per-ip'),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: props.authRateLimit,
              evaluationWindowSec: RATE_WINDOW_SECONDS,
              scopeDownStatement: { orStatement: { statements: AUTH_PATH_PREFIXES.map(pathStartsWith) } },
            },
          },
        },
        {
          name: 'all-routes-per-ip',
          priority: 1,
          action: tooManyRequests,
          visibilityConfig: visibility('user-service-all-routes-per-ip'),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: props.globalRateLimit,
              evaluationWindowSec: RATE_WINDOW_SECONDS,
            },
          },
        },
        {
          name: 'aws-ip-reputation',
          priority: 2,
          overrideAction: { none: {} },
          visibilityConfig: visibility('user-service-aws-ip-reputation'),
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesAmazonIpReputationList' },
          },
        },
      ],
    })

    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.loadBalancerArn,
      webAclArn: this.acl.attrArn,
    })
  }
}
