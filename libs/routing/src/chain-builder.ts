import type { CatalogPrice, ModelEntry, RouteEntry } from '@gatewayz/catalog';
import type { HealthStats } from './health-book';
import { blendedPrice, type RoutingPreferences } from './preferences';
import type { RoutingRules } from './rules';

/** What chain building reads besides the catalog: live state, as plain functions. */
export interface ChainContext {
  rules: RoutingRules;
  now: number;
  isEnabled(provider: string): boolean;
  /** Live stats of a provider for a model (undefined: not enough samples). */
  health(provider: string, model: string): HealthStats | undefined;
  /** When the provider's (or provider+model's) breaker is OPEN: until when. */
  openUntil(provider: string, model: string): number | undefined;
  /** Request parameters a provider cannot honour (for require_parameters). */
  unsupported(route: RouteEntry): ReadonlySet<string>;
  /** A provider whose score is below this is demoted when a healthier one exists (0-100). */
  promotionThreshold: number;
}

export interface ChainRequest {
  entry: ModelEntry;
  /** Providers to put first (explicit override, detected provider). */
  preferred: string[];
  prefs: RoutingPreferences;
  /** Top-level parameters the request sets. */
  parameters: string[];
}

export type ChainResult =
  | { ok: true; routes: RouteEntry[]; notes: string[] }
  | { ok: false; reason: 'no_provider' | 'preferences' | 'breakers'; detail: string; retryAt?: number };

const moveToFront = (routes: RouteEntry[], providers: string[]): RouteEntry[] => {
  const first = providers.flatMap((p) => routes.filter((r) => r.provider === p));
  return [...first, ...routes.filter((r) => !first.includes(r))];
};

function exceeds(price: CatalogPrice, max: RoutingPreferences['maxPrice']): boolean {
  if (!max) return false;
  return (
    (max.promptPerMtok !== undefined && price.promptPerMtok > max.promptPerMtok) ||
    (max.completionPerMtok !== undefined && price.completionPerMtok > max.completionPerMtok) ||
    (max.perRequest !== undefined && (price.perRequest ?? 0n) > max.perRequest) ||
    (max.perImage !== undefined && (price.perImage ?? 0n) > max.perImage)
  );
}

/** Stable sort by a numeric key; undefined keys go last (in their existing order). */
function sortBy(routes: RouteEntry[], key: (r: RouteEntry) => number | undefined): RouteEntry[] {
  return routes
    .map((r, i) => ({ r, i, k: key(r) }))
    .sort((a, b) => {
      if (a.k === undefined || b.k === undefined) return a.k === undefined ? (b.k === undefined ? a.i - b.i : 1) : -1;
      return a.k - b.k || a.i - b.i;
    })
    .map((x) => x.r);
}

/** Family rules: allowed providers and their base order (AC-2.4.5-7). */
function familyOrder(entry: ModelEntry, ctx: ChainContext): RouteEntry[] {
  const enabled = entry.routes.filter((r) => ctx.isEnabled(r.provider));
  const family = ctx.rules.familyOf(entry.row.id);
  if (!family.providers) return enabled;
  const rank = (p: string) => family.providers!.indexOf(p);
  return enabled.filter((r) => rank(r.provider) >= 0).sort((a, b) => rank(a.provider) - rank(b.provider) || a.priority - b.priority);
}

/**
 * Health-weighted promotion, a binary decision (AC-2.6): when the first provider's score is
 * below the threshold, the best-scoring other provider at or above it moves to the front (a
 * provider without enough samples counts as just acceptable: a measured healthy one beats it).
 * Nothing is split by weight.
 */
function promoteHealthy(routes: RouteEntry[], ctx: ChainContext, notes: string[]): RouteEntry[] {
  const head = routes[0];
  if (!head || routes.length < 2) return routes;
  const headStats = ctx.health(head.provider, head.model);
  if (!headStats || headStats.score >= ctx.promotionThreshold) return routes;
  let best: { route: RouteEntry; score: number } | undefined;
  for (const r of routes.slice(1)) {
    const score = ctx.health(r.provider, r.model)?.score ?? ctx.promotionThreshold;
    if (score >= ctx.promotionThreshold && (!best || score > best.score)) best = { route: r, score };
  }
  if (!best) return routes;
  notes.push(`promoted ${best.route.provider} (score ${best.score}) over ${head.provider} (score ${headStats.score})`);
  return [best.route, ...routes.filter((r) => r !== best!.route)];
}

function applyPreferences(routes: RouteEntry[], req: ChainRequest, ctx: ChainContext): RouteEntry[] {
  const { prefs } = req;
  let out = routes;
  if (prefs.only.length > 0) out = out.filter((r) => prefs.only.includes(r.provider));
  if (prefs.ignore.length > 0) out = out.filter((r) => !prefs.ignore.includes(r.provider));
  if (prefs.maxPrice) out = out.filter((r) => !exceeds(r.price, prefs.maxPrice));
  if (prefs.requireParameters && req.parameters.length > 0) {
    out = out.filter((r) => {
      const unsupported = ctx.unsupported(r);
      return !req.parameters.some((p) => unsupported.has(p));
    });
  }
  if (prefs.sort === 'price') out = sortBy(out, (r) => Number(blendedPrice(r.price)));
  else if (prefs.sort === 'latency') out = sortBy(out, (r) => ctx.health(r.provider, r.model)?.p50TtftMs);
  else if (prefs.sort === 'throughput') {
    out = sortBy(out, (r) => {
      const tps = ctx.health(r.provider, r.model)?.throughputTps;
      return tps === undefined ? undefined : -tps;
    });
  }
  if (prefs.order.length > 0) {
    out = moveToFront(out, prefs.order);
    if (!prefs.allowFallbacks) out = out.filter((r) => prefs.order.includes(r.provider));
  } else if (!prefs.allowFallbacks) {
    out = out.slice(0, 1);
  }
  return out;
}

/**
 * One model's failover chain (docs/routing.md "Chains"): the providers serving it with
 * credentials, filtered and ordered by its family's rules, preferred providers first, the
 * healthier provider promoted, then the request's preferences, minus providers whose breaker
 * is OPEN. Pure: everything live comes through `ctx`.
 */
export function buildChain(req: ChainRequest, ctx: ChainContext): ChainResult {
  const notes: string[] = [];
  let routes = familyOrder(req.entry, ctx);
  if (routes.length === 0) return { ok: false, reason: 'no_provider', detail: `No configured provider can serve '${req.entry.row.id}' right now.` };
  if (req.preferred.length > 0) routes = moveToFront(routes, req.preferred);
  if (!req.prefs.sort && req.prefs.order.length === 0) routes = promoteHealthy(routes, ctx, notes);

  const preferred = applyPreferences(routes, req, ctx);
  if (preferred.length === 0) {
    return { ok: false, reason: 'preferences', detail: `No provider serving '${req.entry.row.id}' matches the request's provider preferences.` };
  }
  let retryAt: number | undefined;
  const open = preferred.filter((r) => {
    const until = ctx.openUntil(r.provider, r.model);
    if (until !== undefined) retryAt = Math.min(retryAt ?? until, until);
    return until === undefined;
  });
  if (open.length === 0) {
    return { ok: false, reason: 'breakers', detail: `Every provider serving '${req.entry.row.id}' is failing; its circuit breakers are open.`, retryAt };
  }
  if (open.length < preferred.length) notes.push(`skipped (breaker open): ${preferred.filter((r) => !open.includes(r)).map((r) => r.provider).join(', ')}`);
  return { ok: true, routes: open, notes };
}
