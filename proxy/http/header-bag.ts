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

/**
 * A copy of a bag that stays cheap to edit. V8 gives an object made by spreading (`{ ...bag }`) a shape that a
 * property added afterwards leaves by its slow path, and the bag stays slower to read: stripPrefix's one added
 * request header (X-Forwarded-Prefix) on the lean front's copied request fields cost 11-13 % of a request
 * (test/bench/mw-cost.sh), 3 % once the copy was made by Object.assign. Object.assign sets each property as an
 * assignment would, so a bag holding `__proto__` (a header of that name) is spread instead.
 */
export function copyOfBag<T>(bag: Record<string, T>): Record<string, T> {
  return Object.hasOwn(bag, '__proto__') ? { ...bag } : Object.assign({}, bag);
}
