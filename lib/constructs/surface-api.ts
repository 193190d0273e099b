/**
 * One API Gateway REST API per surface, reachable only on its custom domain:
 * - `mtls`: the TPP-facing API; the domain demands a client certificate issued by a CA in the truststore.
 * - `browser`: the issuer origin (discovery, JWKS, authorize, login, consent session API), TLS only.
 * The execute-api endpoint is disabled on both, otherwise a caller could skip the domain's mutual TLS.
 * Routes are Lambda proxy integrations, or mock integrations for responses fixed at synth time.
 */
import { Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  BasePathMapping,
  DomainName,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  MockIntegration,
  type MTLSConfig,
  PassthroughBehavior,
  ResponseType,
  RestApi,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ARecord, type IHostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayDomain } from 'aws-cdk-lib/aws-route53-targets';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { STRICT_TRANSPORT_SECURITY } from '../../lambdas/http/strict-transport';
import type { Route, Surface } from '../../lambdas/routes';

export const STAGE_NAME = 'live';

export interface ApiRoute {
  readonly route: Route;
  readonly fn: IFunction;
}

/** A response API Gateway answers itself: no function runs. */
export interface StaticApiRoute {
  readonly route: Route;
  /** The response body, verbatim. Must not contain `$` or `#`: it becomes a Velocity template. */
  readonly body: string;
  /** Response headers (name -> value); a value must not contain `'`. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface SurfaceApiProps {
  readonly tenant: string;
  readonly surface: Surface;
  readonly domainName: string;
  readonly certificateArn: string;
  /** Client-certificate truststore: required for the `mtls` surface, absent for `browser`. */
  readonly mtls?: MTLSConfig;
  readonly routes: readonly ApiRoute[];
  /** Answered by mock integrations with a fixed 200 response. @default none */
  readonly staticRoutes?: readonly StaticApiRoute[];
  readonly webAclArn: string;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly logRetention: RetentionDays;
  readonly hostedZone?: IHostedZone;
}

export class SurfaceApi extends Construct {
  readonly api: RestApi;
  readonly domain: DomainName;
  /** Every route of the API, Lambda-backed and static. */
  readonly routes: readonly Route[];

  constructor(scope: Construct, id: string, props: SurfaceApiProps) {
    super(scope, id);
    const staticRoutes = props.staticRoutes ?? [];
    this.routes = [...props.routes.map(({ route }) => route), ...staticRoutes.map(({ route }) => route)];
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });

    this.api = new RestApi(this, 'Api', {
      restApiName: `bankgate-${props.tenant}-${props.surface}`,
      description: `Bankgate ${props.tenant}: ${props.surface === 'mtls' ? 'TPP-facing API (mutual TLS)' : 'browser-facing API'}`,
      endpointTypes: [EndpointType.REGIONAL],
      disableExecuteApiEndpoint: true,
      // The account-level CloudWatch role is shared by every API in the account: a prerequisite, not per tenant.
      cloudWatchRole: false,
      deployOptions: {
        stageName: STAGE_NAME,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(props.surface),
        tracingEnabled: true,
        // Per-method metrics feed the per-route latency and error widgets of the dashboard.
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request and response bodies carry tokens and client assertions: never log them.
        dataTraceEnabled: false,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
      },
    });

    const integrations = new Map<IFunction, LambdaIntegration>();
    for (const { route, fn } of props.routes) {
      let integration = integrations.get(fn);
      if (!integration) {
        integration = new LambdaIntegration(fn, { allowTestInvoke: false });
        integrations.set(fn, integration);
      }
      this.api.root.resourceForPath(route.path).addMethod(route.method, integration);
    }
    for (const staticRoute of staticRoutes) this.addStaticRoute(staticRoute);
    // Answers API Gateway gives itself (no route, throttled, too large, integration failure) carry HSTS too,
    // and speak the API's error format, never `{"message":...}`.
    for (const [type, body, statusCode] of gatewayErrorBodies(props.surface)) {
      this.api.addGatewayResponse(`Gateway${type.responseType}`, {
        type,
        statusCode,
        responseHeaders: { 'Strict-Transport-Security': `'${STRICT_TRANSPORT_SECURITY}'` },
        templates: { 'application/json': body },
      });
    }

    this.domain = new DomainName(this, 'Domain', {
      domainName: props.domainName,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      endpointType: EndpointType.REGIONAL,
      // TLS 1.3-only policies cannot be combined with mutual TLS on REST APIs.
      securityPolicy: SecurityPolicy.TLS_1_2,
      mtls: props.mtls,
    });
    new BasePathMapping(this, 'Mapping', {
      domainName: this.domain,
      restApi: this.api,
      stage: this.api.deploymentStage,
    });
    new CfnWebACLAssociation(this, 'WebAcl', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: props.webAclArn,
    });
    if (props.hostedZone) {
      new ARecord(this, 'Alias', {
        zone: props.hostedZone,
        recordName: props.domainName,
        target: RecordTarget.fromAlias(new ApiGatewayDomain(this.domain)),
      });
    }

    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Handlers validate every request with zod and must answer in the protocol error format (OAuth JSON, OBErrorResponse1, HTML); gateway request validators cannot. Static (mock) routes read no input.',
      },
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Callers authenticate with OAuth mechanisms the handlers enforce: mTLS / private_key_jwt client auth, certificate-bound access tokens, login sessions. Discovery, JWKS and authorize are public by specification.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Bankgate is itself the authorization server; its callers are TPPs and bank customers, not Cognito users.',
      },
    );
  }

  /**
   * A mock integration: the request template only selects the 200 integration response, whose template
   * is the body and whose static response parameters are the headers.
   */
  private addStaticRoute({ route, body, headers }: StaticApiRoute): void {
    const name = `${route.method} ${route.path}`;
    // Velocity reads `$` as a reference and `#` as a directive: the body would no longer be served verbatim.
    if (/[$#]/.test(body)) {
      throw new Error(`Static route ${name}: the response body must not contain "$" or "#" (Velocity template)`);
    }
    const parameters = Object.entries(headers).map(([header, value]) => {
      if (value.includes("'")) throw new Error(`Static route ${name}: header ${header} must not contain "'"`);
      return { parameter: `method.response.header.${canonicalHeaderName(header)}`, value };
    });
    const integration = new MockIntegration({
      passthroughBehavior: PassthroughBehavior.NEVER,
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
      integrationResponses: [
        {
          statusCode: '200',
          responseTemplates: { 'application/json': body },
          responseParameters: Object.fromEntries(parameters.map(({ parameter, value }) => [parameter, `'${value}'`])),
        },
      ],
    });
    this.api.root.resourceForPath(route.path).addMethod(route.method, integration, {
      methodResponses: [
        {
          statusCode: '200',
          responseParameters: Object.fromEntries(parameters.map(({ parameter }) => [parameter, true])),
        },
      ],
    });
  }
}

/** `cache-control` -> `Cache-Control`, as response header names are usually written. */
function canonicalHeaderName(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('-');
}

/** JSON access log; for the mTLS API it adds who presented which certificate (never tokens or bodies). */
function accessLogFormat(surface: Surface): AccessLogFormat {
  const fields: Record<string, string> = {
    requestId: AccessLogField.contextRequestId(),
    extendedRequestId: AccessLogField.contextExtendedRequestId(),
    requestTime: AccessLogField.contextRequestTime(),
    ip: AccessLogField.contextIdentitySourceIp(),
    userAgent: AccessLogField.contextIdentityUserAgent(),
    method: AccessLogField.contextHttpMethod(),
    resource: AccessLogField.contextResourcePath(),
    status: AccessLogField.contextStatus(),
    protocol: AccessLogField.contextProtocol(),
    responseLength: AccessLogField.contextResponseLength(),
    responseLatency: AccessLogField.contextResponseLatency(),
    integrationLatency: AccessLogField.contextIntegrationLatency(),
    integrationError: AccessLogField.contextIntegrationErrorMessage(),
    wafStatus: AccessLogField.contextWafStatus(),
    xrayTraceId: AccessLogField.contextXrayTraceId(),
  };
  if (surface === 'mtls') {
    fields.clientCertSubject = AccessLogField.contextIdentityClientCertSubjectDN();
    fields.clientCertIssuer = AccessLogField.contextIdentityClientCertIssunerDN();
    fields.clientCertSerial = AccessLogField.contextIdentityClientCertSerialNumber();
  }
  return AccessLogFormat.custom(JSON.stringify(fields));
}

/**
 * Bodies of API Gateway's own answers. A gateway response template is not run through VTL, so it cannot
 * choose a format by path: the browser API (OAuth endpoints only) answers OAuth JSON (RFC 6749 §5.2 shape);
 * the mTLS API serves OAuth endpoints and Open Banking APIs, so its body is OBErrorResponse1 that also
 * carries `error` / `error_description` (each client reads its own fields; the sandbox picks by path,
 * sandbox/server.ts). `$context.error.messageString` is API Gateway's message as a quoted JSON string.
 * Unknown paths (MISSING_AUTHENTICATION_TOKEN, REST APIs' 403 for "no such resource") answer 404; other
 * answers name API Gateway's response type (THROTTLED, REQUEST_TOO_LARGE, WAF_FILTERED...) as their Code.
 */
const TYPE = '$context.error.responseType';

function gatewayErrorBodies(surface: Surface): [ResponseType, string, string | undefined][] {
  const body = (error: string, code: string, obCode: string, message: string) =>
    surface === 'browser'
      ? `{"error":"${error}","error_description":${message}}`
      : `{"error":"${error}","error_description":${message},"Code":"${code}","Id":"$context.requestId","Message":${message},"Errors":[{"ErrorCode":"${obCode}","Message":${message}}]}`;
  return [
    [
      ResponseType.MISSING_AUTHENTICATION_TOKEN,
      body('invalid_request', '404 Not Found', 'UK.OBIE.NotFound', '"no endpoint at this path"'),
      '404',
    ],
    [
      ResponseType.DEFAULT_4XX,
      body('invalid_request', TYPE, 'UK.OBIE.Field.Invalid', '$context.error.messageString'),
      undefined,
    ],
    [
      ResponseType.DEFAULT_5XX,
      body('server_error', TYPE, 'UK.OBIE.UnexpectedError', '$context.error.messageString'),
      undefined,
    ],
  ];
}
