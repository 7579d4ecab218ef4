// Configuration problems as data: stable codes, full path, message saying what/where/what to do.
import type { z } from 'zod';

export type IssueCode =
  | 'PE_UNKNOWN_KEY'
  | 'PE_INVALID_VALUE'
  | 'PE_NOT_IMPLEMENTED'
  | 'PE_MISSING_FIELD'
  | 'PE_MULTI_TYPE'
  | 'PE_NO_TYPE'
  | 'PE_DEPRECATED';

export type IssueItemKind =
  | 'router'
  | 'service'
  | 'middleware'
  | 'serversTransport'
  | 'tlsOption'
  | 'tlsStore'
  | 'certificate'
  | 'entryPoint'
  | 'tcpRouter'
  | 'tcpService'
  | 'tcpMiddleware'
  | 'tcpServersTransport'
  | 'udpRouter'
  | 'udpService'
  | 'static';

export type IssuePath = (string | number)[];

export interface ConfigIssue {
  severity: 'error' | 'warning';
  code: string;
  path: (string | number)[];
  message: string;
  suggestion?: string;
  item?: { kind: IssueItemKind; name: string };
}

/** Extra data our own zod issues carry in `params`. */
export interface IssueParams {
  peCode?: IssueCode;
  suggestion?: string;
}

/** `http.services.app.loadBalancer.servers[0].url`; the root is shown as `(root)`. */
export function dottedPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(root)' : out;
}

function describeZodIssue(issue: z.ZodIssue): { code: IssueCode; text: string; suggestion?: string } {
  if (issue.code === 'custom') {
    const params = (issue.params ?? {}) as IssueParams;
    return { code: params.peCode ?? 'PE_INVALID_VALUE', text: issue.message, ...(params.suggestion ? { suggestion: params.suggestion } : {}) };
  }
  if (issue.code === 'invalid_type' && issue.received === 'undefined') {
    return { code: 'PE_MISSING_FIELD', text: 'required field is missing; add it' };
  }
  if (issue.code === 'invalid_type') {
    // Our scalars carry friendlier messages than zod's default "Expected x, received y".
    const expected = issue.message.startsWith('Expected ') ? `expected ${issue.expected}` : issue.message;
    return { code: 'PE_INVALID_VALUE', text: `${expected}, got ${issue.received}` };
  }
  if (issue.code === 'invalid_enum_value') {
    const options = issue.options.map((o) => JSON.stringify(o)).join(', ');
    return { code: 'PE_INVALID_VALUE', text: `invalid value ${JSON.stringify(issue.received)}; expected one of ${options}` };
  }
  return { code: 'PE_INVALID_VALUE', text: issue.message };
}

/** Converts zod issues of one item into ConfigIssues with the full path. */
export function fromZodIssues(
  issues: readonly z.ZodIssue[],
  prefix: readonly (string | number)[],
  item?: ConfigIssue['item'],
): ConfigIssue[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    const { code, text, suggestion } = describeZodIssue(issue);
    return {
      severity: 'error',
      code,
      path,
      message: `${dottedPath(path)}: ${text}`,
      ...(suggestion !== undefined ? { suggestion } : {}),
      ...(item !== undefined ? { item } : {}),
    };
  });
}

/** Message for an unknown key, shared by schemas and the section walkers. */
export function unknownKeyText(key: string, suggestion: string | undefined, valid: readonly string[]): string {
  return suggestion !== undefined
    ? `unknown key; did you mean "${suggestion}"?`
    : `unknown key "${key}"; valid keys are: ${valid.join(', ')}`;
}

// Constructors for issues raised outside zod (section walkers, warnings).

export function invalid(path: IssuePath, text: string): ConfigIssue {
  return { severity: 'error', code: 'PE_INVALID_VALUE', path, message: `${dottedPath(path)}: ${text}` };
}

/** `text` says what pe-edge does instead, when that is worth knowing. */
export function notImplemented(path: IssuePath, item?: ConfigIssue['item'], text = 'not implemented yet in pe-edge; ignored'): ConfigIssue {
  return {
    severity: 'warning',
    code: 'PE_NOT_IMPLEMENTED',
    path,
    message: `${dottedPath(path)}: ${text}`,
    ...(item !== undefined ? { item } : {}),
  };
}

export function deprecated(path: IssuePath, text: string, item?: ConfigIssue['item']): ConfigIssue {
  return {
    severity: 'warning',
    code: 'PE_DEPRECATED',
    path,
    message: `${dottedPath(path)}: ${text}`,
    ...(item !== undefined ? { item } : {}),
  };
}
