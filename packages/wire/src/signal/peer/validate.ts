/**
 * The one way the peer protocol's parsers check untrusted JSON against a schema: never throws,
 * tells an unknown `type` (or `kind`) apart from a malformed known one, and names the first field
 * that failed. Unknown fields are dropped by the schemas (zod's default), never copied.
 */
import type { z } from 'zod';
import type { PeerParseFailure } from './errors.js';

export type Validated<T> = { readonly ok: true; readonly value: T } | PeerParseFailure;

/** JSON.parse that reports instead of throwing (bad syntax, or nesting deeper than the engine's stack). */
export function parseJsonText(text: string): Validated<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, code: 'NOT_JSON', message: 'not JSON' };
  }
}

/**
 * Validates `json` against `schema`, a union discriminated by `key` whose values are `known`.
 * A string `key` outside `known` is `UNKNOWN_TYPE`; anything else that fails is `INVALID`.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  json: unknown,
  key: 'type' | 'kind',
  known: ReadonlySet<string>,
): Validated<z.output<S>> {
  const raw = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
  const tag = typeof raw === 'string' ? raw : undefined;
  const tagged = tag === undefined ? {} : { type: tag };
  if (tag !== undefined && !known.has(tag)) {
    const shown = tag.length > 64 ? `${tag.slice(0, 64)}...` : tag;
    return {
      ok: false,
      code: 'UNKNOWN_TYPE',
      message: `${key}: unknown ${key} ${JSON.stringify(shown)}`,
      ...tagged,
    };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return { ok: false, code: 'INVALID', message: `${where}${issue?.message ?? 'invalid message'}`, ...tagged };
}

/** The values of `key` a discriminated union's options accept (each a `z.literal`). */
export function tagsOf<K extends string>(
  key: K,
  options: readonly { readonly shape: Record<K, { readonly value: unknown }> }[],
): ReadonlySet<string> {
  return new Set(options.map((o) => String(o.shape[key].value)));
}

/** Parses one JSON text frame into a message of `schema`, discriminated by `type`. Never throws. */
export function parseMessageText<S extends z.ZodType>(
  schema: S,
  types: ReadonlySet<string>,
  text: string,
): { ok: true; message: z.output<S> } | PeerParseFailure {
  const json = parseJsonText(text);
  if (!json.ok) return json;
  const r = validate(schema, json.value, 'type', types);
  return r.ok ? { ok: true, message: r.value } : r;
}
