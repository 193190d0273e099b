/**
 * Endpoints are ordered lists of small named steps over a per-request context (the style of
 * node-oidc-provider's actions): each step reads what earlier steps established and adds its part.
 */
export type Step<C> = (context: C) => Promise<void> | void;

export async function runSteps<C>(context: C, steps: readonly Step<C>[]): Promise<C> {
  for (const step of steps) await step(context);
  return context;
}
