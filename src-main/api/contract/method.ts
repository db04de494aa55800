import type { z } from 'zod';

/**
 * One api method: its params schema (validated at every transport boundary) and its result type.
 * `readonly` methods change nothing, so the transport test may call them twice and compare results;
 * `example` is a params value that is valid on a fresh, empty workspace.
 */
export interface MethodSpec<P extends z.ZodType = z.ZodType, R = unknown> {
  params: P;
  result: R;
  readonly?: boolean;
  example?: z.input<P>;
}

/** Declare a method: `method(z.object({...}), returns<Result>(), { readonly: true, example: {} })`. */
export function method<P extends z.ZodType, R>(
  params: P,
  result: R,
  options: { readonly?: boolean; example?: z.input<P> } = {},
): MethodSpec<P, R> {
  return { params, result, ...options };
}

/** A phantom value carrying a result type (never read at run time). */
export function returns<R>(): R {
  return undefined as R;
}

export type MethodTable = Record<string, MethodSpec>;
