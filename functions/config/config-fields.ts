import { z } from 'zod';
import { isDay } from '../domain/records/dates';

/**
 * The field types the config's sections are built from. Messages are phrased so that, prefixed with the field's
 * path, they read as one sentence: `teams[2].monthlyBudget: expected a positive number`.
 */

export const id = z
  .string({ error: 'expected a string' })
  .regex(/^[a-z0-9][a-z0-9-_]*$/, { error: 'expected a lowercase id (letters, digits, - and _)' });
export const nonEmpty = z.string({ error: 'expected a string' }).trim().min(1, { error: 'expected a non-empty string' });
export const email = z.email({ error: 'expected an email address' });
export const positive = z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' });
export const flag = z.boolean({ error: 'expected true or false' });
/** A real calendar day, `YYYY-MM-DD`: `2026-02-30` has the shape but is refused. */
export const day = z
  .string({ error: 'expected a YYYY-MM-DD day' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a YYYY-MM-DD day', abort: true })
  .refine(isDay, { error: (issue) => `${JSON.stringify(issue.input)} is not a calendar day` });

/**
 * A section of the config: an object with no unknown fields; absent, it is `{}` and every field takes its
 * default.
 */
export function section<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, { error: 'expected an object' }).prefault({} as z.input<z.ZodObject<S, z.core.$strict>>);
}

export const PROVIDERS = ['aws', 'openai', 'anthropic'] as const;


/** A provider field: one of {@link PROVIDERS}. */
export const provider = z.enum(PROVIDERS, { error: `expected one of ${PROVIDERS.join(', ')}` });

/**
 * A provider id a rule can name: a built-in provider, or the provider of FOCUS files as costline writes it, a
 * lowercase slug of its ServiceProviderName (`microsoft`, `google-cloud`, `litellm`).
 */
export const providerId = z
  .string({ error: 'expected a provider id string' })
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: `expected ${PROVIDERS.join(', ')} or a FOCUS provider's id such as "microsoft" or "google-cloud" (lowercase letters, digits and single hyphens)` });

/** A model pattern: letters, digits and `.-_:/@`, with `*` for any run of characters. */
export const modelPattern = z
  .string({ error: 'expected a model pattern string' })
  .regex(/^(?!\*+$)[A-Za-z0-9._:/@*-]+$/, { error: 'expected a model id or pattern such as "gpt-4o*" (letters, digits, . - _ : / @ and * only, not * alone)' })
  .refine((p) => !p.includes('**'), { error: 'expected no "**" in a model pattern; one * already matches any run of characters' });
