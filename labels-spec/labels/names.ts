// Docker provider naming: the service name a container gets, and the default
// rule built from Traefik's defaultRule template.
import { normalize } from './normalize.js';
import { evaluateRuleTemplate, type RuleTemplateData } from './rule-template.js';

export { normalize } from './normalize.js';

export type { RuleTemplateData } from './rule-template.js';

/** Traefik's default `providers.docker.defaultRule`. */
export const DEFAULT_RULE_TEMPLATE = 'Host(`{{ normalize .Name }}`)';

export interface ContainerNaming {
  /** Label `com.docker.compose.project`. */
  composeProject?: string | undefined;
  /** Label `com.docker.compose.service`. */
  composeService?: string | undefined;
  /** Container name as Docker reports it (a leading `/` is fine). */
  containerName: string;
}

/** `<service>_<project>` for compose containers, else the container name; normalized (`whoami-demo`). */
export function serviceNameOf({ composeProject, composeService, containerName }: ContainerNaming): string {
  const raw = composeProject && composeService ? `${composeService}_${composeProject}` : containerName.replace(/^\//, '');
  return normalize(raw);
}

/**
 * The rule for a router without one, from a defaultRule template. Supports the forms people use:
 * `{{ .Name }}`, `{{ normalize .Name }}`, `{{ .ContainerName }}`, `{{ index .Labels "key" }}`.
 * Anything else is `{ error }` naming the template, so the router can be reported and left out.
 */
export function defaultRuleFor(template: string, data: RuleTemplateData): string | { error: string } {
  return evaluateRuleTemplate(template, data);
}
