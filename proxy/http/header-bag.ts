// Header bags are plain objects: V8 keeps a fast shape for them (a null-prototype object is a slow
// dictionary, several times dearer to fill and walk on every response). The two lower-case names a plain
// object already answers for, `__proto__` and `constructor`, are handled here as the headers they are.

/** The value stored under `key`, never one inherited from Object.prototype. */
export function ownHeader<T>(bag: Record<string, T>, key: string): T | undefined {
  if (key === '__proto__' || key === 'constructor') return Object.hasOwn(bag, key) ? bag[key] : undefined;
  return bag[key];
}

/** Stores `value` under `key`; `__proto__` becomes an own, enumerable property instead of the prototype. */
export function putHeader<T>(bag: Record<string, T | undefined>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(bag, key, { value, enumerable: true, writable: true, configurable: true });
  else bag[key] = value;
}
