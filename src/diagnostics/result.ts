// One Result type for everything that can fail with a reason a caller should handle (a parse, a
// context, a compile, a scenario): the value, or the error. Errors a user can cause are values.

export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function fail<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
