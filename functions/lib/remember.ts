/**
 * Memoises a pure function's answers in `cache`, by key; the cache is cleared when it reaches `limit` entries, so
 * that a long-lived process (a warm Lambda) stays bounded while a run asks the same few keys millions of times.
 * An answer of `undefined` is remembered too.
 */
export function remember<K, V>(cache: Map<K, V>, key: K, compute: (key: K) => V, limit = 10_000): V {
  const known = cache.get(key);
  if (known !== undefined || cache.has(key)) return known as V;
  const value = compute(key);
  if (cache.size >= limit) cache.clear();
  cache.set(key, value);
  return value;
}
