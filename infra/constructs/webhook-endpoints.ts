import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { LambdaEnvInput } from '../../functions/shared/aws/env.js';
import type { SluiceConfig } from '../../functions/shared/domain/config.js';
import { SluiceFunction } from './sluice-function.js';

export interface WebhookEndpointsProps {
  /** The GitHub webhook handler's entry file. */
  readonly githubWebhookEntry: string;
  readonly environment: LambdaEnvInput;
  /** Bundled into each function as its config file. */
  readonly config: SluiceConfig;
  /**
   * Steady-state requests per second each route without its own limit (Slack clicks) accepts
   * before answering 429.
   * @default 50
   */
  readonly rateLimit?: number;
  /**
   * Requests each route without its own limit accepts in a burst.
   * @default 200
   */
  readonly burstLimit?: number;
  /**
   * Steady-state requests per second of POST /webhooks/github: pushes and every check_run and
   * check_suite event of the repository.
   * @default 100
   */
  readonly githubRateLimit?: number;
  /**
   * Requests POST /webhooks/github accepts in a burst.
   * @default 1000
   */
  readonly githubBurstLimit?: number;
}

/** The GitHub webhook route's key, as the stage's route settings name it. */
export const GITHUB_WEBHOOK_ROUTE_KEY = 'POST /webhooks/github';

/**
 * Sluice's public endpoints, on one HTTP API:
 *   POST /webhooks/github → the GitHub webhook Lambda.
 *
 * Why an HTTP API and not a Lambda Function URL: both are unauthenticated at the edge (GitHub
 * signs with HMAC over the raw body, which neither IAM nor a JWT authorizer can check, so the
 * handler verifies X-Hub-Signature-256 first). The HTTP API adds what a Function URL lacks:
 * throttling per route, so a flood of unsigned requests is cut off at the API instead of running
 * Lambdas and Secrets Manager reads (reserved concurrency would do it too, but fails to deploy in
 * accounts with the default concurrency quota of 10), access logs, and one base URL the Slack
 * interactions endpoint will share.
 */
export class WebhookEndpoints extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly githubWebhook: SluiceFunction;
  /** The URL to give GitHub as the webhook's Payload URL. */
  readonly githubWebhookUrl: string;

  constructor(scope: Construct, id: string, props: WebhookEndpointsProps) {
    super(scope, id);
    this.githubWebhook = new SluiceFunction(this, 'GithubWebhook', {
      entry: props.githubWebhookEntry,
      environment: props.environment,
      config: props.config,
      description: 'Sluice: verify GitHub push webhooks and start releases',
      // GitHub gives up on a delivery after 10 s.
      timeout: Duration.seconds(10),
    });

    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Sluice webhooks (signature-verified in the handlers)',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 50, burstLimit: props.burstLimit ?? 200 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const [githubRoute] = this.api.addRoutes({
      path: '/webhooks/github',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('GithubWebhookIntegration', this.githubWebhook.function),
    });
    // A 429 loses a push for good: GitHub does not redeliver a failed delivery by itself
    // ("Handling failed webhook deliveries"), and a CI matrix starting sends a check_run `created`
    // per job (up to 256) to the same URL within seconds. So the route gets its own, larger limit
    // (route-level throttling, RouteSettings of AWS::ApiGatewayV2::Stage; the account's limit is
    // 10,000 requests per second, burst 5,000). The HMAC check answers a forged request in
    // milliseconds. Review R9; docs/deploy.md "Known hazards".
    (this.stage.node.defaultChild as CfnStage).routeSettings = {
      [GITHUB_WEBHOOK_ROUTE_KEY]: {
        ThrottlingRateLimit: props.githubRateLimit ?? 100,
        ThrottlingBurstLimit: props.githubBurstLimit ?? 1000,
      },
    };
    // RouteSettings is JSON (CloudFormation's own key names); it names a route that must exist first.
    if (githubRoute) this.stage.node.addDependency(githubRoute);
    // POST /slack/interactions is added to this API by SlackEndpoints.

    // The $default stage serves at the API's root.
    this.githubWebhookUrl = `${this.api.apiEndpoint}/webhooks/github`;
  }
}
