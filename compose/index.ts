// Public surface of compose/: the topology model, the generator, dashboard credentials, the compose driver.
export {
  defineTopology,
  appServiceNames,
  DASHBOARD_USERS_ENV,
  ACME_EMAIL_ENV,
  TOPOLOGY_DEFAULTS,
  type Topology,
  type TopologyInput,
  type DashboardAuth,
  type AppHealthcheck,
} from './topology.js';
export { generateCompose, composeModel, generateFlags, acmeEmailFlag, type ComposeFile } from './generate.js';
export { appLabels, edgeLabels, swarmAppLabels, swarmEdgeLabels, SEED_PATH_ROUTERS, escapeComposeDollars, DASHBOARD_USERS_LABEL, type Labels } from './labels.js';
export {
  generateStack,
  stackModel,
  stackFlags,
  defineStackOptions,
  STACK_DEFAULTS,
  SWARM_STATIC_CONFIG,
  SWARM_DYNAMIC_CONFIG,
  CONFIG_VERSION_ENV,
  APP_SERVICE_NAME,
  type StackOptions,
  type StackFile,
} from './stack.js';
export { apr1, verifyApr1, randomPassword, randomSalt, isSupportedHash, htpasswdHashProblem, htpasswdLine } from './password.js';
