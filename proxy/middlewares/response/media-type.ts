// Go's mime.ParseMediaType, as far as compress needs it: lower-case type and parameter names.

export interface MediaType {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The media type of a Content-Type value, or null when Go would fail to parse it. */
export function parseMediaType(value: string): MediaType | null {
  const parts = value.split(';');
  const type = (parts[0] ?? '').trim().toLowerCase();
  const slash = type.indexOf('/');
  if (slash <= 0 || !TOKEN.test(type.slice(0, slash)) || !TOKEN.test(type.slice(slash + 1))) return null;
  const params = new Map<string, string>();
  for (let i = 1; i < parts.length; i++) {
    const part = (parts[i] as string).trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const raw = part.slice(eq + 1).trim();
    params.set(part.slice(0, eq).trim().toLowerCase(), raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw);
  }
  return { type, params };
}

/** Traefik's parsedContentType.equals: a configured type without parameters matches any parameters. */
export function mediaTypeMatches(configured: MediaType, actual: MediaType): boolean {
  if (configured.type !== actual.type) return false;
  if (configured.params.size === 0) return true;
  if (configured.params.size !== actual.params.size) return false;
  for (const [k, v] of configured.params) if (actual.params.get(k) !== v) return false;
  return true;
}
