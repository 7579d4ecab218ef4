/**
 * Traefik's naming: every object is `name@provider`; a reference without `@` resolves in the
 * referencing object's provider (`auth` from `web@file` means `auth@file`).
 */
export function providerOf(qualifiedName: string): string {
  const at = qualifiedName.lastIndexOf('@');
  return at === -1 ? '' : qualifiedName.slice(at + 1);
}

export function qualify(reference: string, referencedFrom: string): string {
  if (reference.includes('@')) return reference;
  const provider = providerOf(referencedFrom);
  return provider === '' ? reference : `${reference}@${provider}`;
}
