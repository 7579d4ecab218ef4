// Public surface of the configuration model: schemas, inferred types, validators, helpers.
export { parseDuration, duration, formatGoDuration, formatGoNanoseconds } from './duration.js';
export { entryPointWithGoDurations, withGoDurations } from './dynamic/api-durations.js';
export { closest, oneEditAway } from './suggest.js';
export { dottedPath, type ConfigIssue, type IssueCode, type IssueItemKind } from './issues.js';

// Static configuration (traefik.yml).
export { validateStaticConfig } from './static/validate.js';
export { staticConfigSchema, type StaticConfig } from './static/schema.js';
export { entryPointSchema, type EntryPointConfig } from './static/entry-points.js';
export { parseAddress, type ListenAddress } from './static/address.js';
export { defaultEntryPoints, udpEntryPoints, entryPointProtocol, type EntryPointAddress } from './static/default-entry-points.js';
export { staticServersTransportSchema, type StaticServersTransport } from './static/servers-transport.js';
export { staticTcpServersTransportSchema, type StaticTcpServersTransport } from './static/tcp-servers-transport.js';
export { providersSchema, type ProvidersConfig } from './static/providers.js';
export { dockerProviderSchema, type DockerProviderConfig } from './static/docker-provider.js';
export { swarmProviderSchema, type SwarmProviderConfig } from './static/swarm-provider.js';
export { fileProviderSchema, type FileProviderConfig } from './static/file-provider.js';
export { acmeSchema, certificatesResolverSchema, type AcmeConfig, type CertificatesResolverConfig } from './static/certificates-resolvers.js';
export { apiSchema, pingSchema, type ApiConfig, type PingConfig } from './static/api.js';
export { metricsSchema, prometheusSchema, type MetricsConfig, type PrometheusConfig } from './static/metrics.js';
export { logSchema, type LogConfig } from './static/log.js';
export { accessLogSchema, type AccessLogConfig } from './static/access-log.js';
export { implementedStatic } from './static/implemented.js';

// Dynamic configuration (dynamic.yml, labels).
export { validateDynamicConfig } from './dynamic/validate.js';
export { declaresTcpOrUdp } from './dynamic/tcp-udp.js';
export { emptyDynamicConfig, type DynamicConfig, type HttpConfig, type TlsConfig } from './dynamic/config.js';
export type { TcpConfig, UdpConfig, TcpRouter, TcpRouterTls, TcpService, TcpLoadBalancer, TcpWeighted, TcpServer, TcpMiddleware, TcpServersTransport, UdpRouter, UdpService, UdpLoadBalancer } from './dynamic/tcp/index.js';
export { routerSchema, type Router } from './dynamic/routers.js';
export { routerTls, tlsDomain, type RouterTls, type TlsDomain } from './dynamic/router-tls.js';
export {
  serviceSchema,
  serviceRegistry,
  serviceTypes,
  loadBalancer,
  server,
  weighted,
  mirroring,
  failover,
  highestRandomWeight,
  healthCheck,
  passiveHealthCheck,
  sticky,
  stickyCookie,
  type Service,
  type ServiceType,
  type LoadBalancer,
  type Server,
  type Weighted,
  type Mirroring,
  type Failover,
  type HighestRandomWeight,
  type HealthCheck,
  type PassiveHealthCheck,
  type Sticky,
  type StickyCookie,
} from './dynamic/services/index.js';
export {
  middlewareSchema,
  middlewareRegistry,
  middlewareTypes,
  type Middleware,
  type MiddlewareType,
  type MiddlewareOptions,
} from './dynamic/middlewares/index.js';
export { serversTransportSchema, type ServersTransport } from './dynamic/servers-transports.js';
export { tlsOptionsSchema, TLS_VERSIONS, CIPHER_SUITES, CURVES, CLIENT_AUTH_TYPES, type TlsOptions } from './dynamic/tls-options.js';
export { tlsCertificateSchema, tlsStoreSchema, type TlsCertificate, type TlsStore } from './dynamic/tls-stores.js';

// Building blocks for other schemas (e.g. the label decoder).
export { strictObject, looseObject, namedMap } from './schema/strict-object.js';
export { bool, int, num, str, strList, listOf, strMap, enumIgnoringCase } from './schema/scalars.js';

// Docker labels: the label grammar over the dynamic schemas, names and the default rule.
export { decodeLabels, type LabelDecodeResult, type DecodeOptions, type LabelIssue, type ServerLabels, type TcpServerLabels, type UdpServerLabels } from './labels/decode.js';
export { encodeLabels, LabelEncodeError, type EncodableConfig } from './labels/encode.js';
export { allowsNonRunning, swarmLabelSettings, type LabelProvider } from './labels/provider-labels.js';
export { normalize, serviceNameOf, defaultRuleFor, DEFAULT_RULE_TEMPLATE, type ContainerNaming, type RuleTemplateData } from './labels/names.js';
export { labelTree, type LabelNode, type Field as LabelField, type ScalarType as LabelScalarType } from './labels/label-tree.js';
