// Row-value IN lists are chunked to stay well under the engines' bound-parameter limits.
export const KEY_CHUNK = 400;
export const ID_CHUNK = 500;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
