// A tiny evaluator for the Go text/template forms used in Traefik defaultRule templates. A full
// template engine would invite configs that silently differ from Traefik; unknown syntax is an error.
import { normalize } from './normalize.js';

export interface RuleTemplateData {
  /** The service name (serviceNameOf). */
  Name: string;
  /** The container name (a leading `/` is removed). */
  ContainerName: string;
  /** The container's labels. */
  Labels: Readonly<Record<string, string | undefined>>;
}

const ACTION = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs;
const INDEX_LABEL = /^index\s+\.Labels\s+(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)$/;

function field(expr: string, data: RuleTemplateData): string | undefined {
  if (expr === '.Name') return data.Name;
  if (expr === '.ContainerName') return data.ContainerName.replace(/^\//, '');
  const index = INDEX_LABEL.exec(expr);
  if (index === null) return undefined;
  const key = index[1] !== undefined ? (JSON.parse(`"${index[1]}"`) as string) : (index[2] ?? '');
  return data.Labels[key] ?? '';
}

function evaluate(expr: string, data: RuleTemplateData): string | undefined {
  const normalized = /^normalize\s+(.+)$/.exec(expr);
  if (normalized !== null) {
    const inner = (normalized[1] ?? '').trim().replace(/^\((.*)\)$/, '$1').trim();
    const value = field(inner, data);
    return value === undefined ? undefined : normalize(value);
  }
  return field(expr, data);
}

function literal(text: string, template: string): string | { error: string } {
  return text.includes('{{') || text.includes('}}')
    ? { error: `unbalanced "{{" or "}}" in defaultRule template ${JSON.stringify(template)}` }
    : text;
}

export function evaluateRuleTemplate(template: string, data: RuleTemplateData): string | { error: string } {
  let out = '';
  let last = 0;
  let trimNext = false;
  for (const match of template.matchAll(ACTION)) {
    let text = template.slice(last, match.index);
    // `{{-` and `-}}` trim the white space next to them, as in Go.
    if (trimNext) text = text.trimStart();
    if (match[1] === '-') text = text.trimEnd();
    const plain = literal(text, template);
    if (typeof plain !== 'string') return plain;
    const value = evaluate(match[2] ?? '', data);
    if (value === undefined) {
      return { error: `unsupported template syntax "${match[0]}" in defaultRule template ${JSON.stringify(template)}; use {{ .Name }}, {{ normalize .Name }}, {{ .ContainerName }} or {{ index .Labels "key" }}` };
    }
    out += plain + value;
    last = (match.index ?? 0) + match[0].length;
    trimNext = match[3] === '-';
  }
  const tail = literal(trimNext ? template.slice(last).trimStart() : template.slice(last), template);
  return typeof tail === 'string' ? out + tail : tail;
}
