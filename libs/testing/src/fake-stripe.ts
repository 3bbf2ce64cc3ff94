import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

/**
 * A local fake of the Stripe API endpoints billing calls (customers, checkout sessions, prices,
 * payment intents, charges, subscriptions, invoices, events), speaking Stripe's wire format:
 * form-encoded requests with bracket notation, JSON objects with `object` and `id`, lists with
 * `has_more`. Test helpers play the customer (`completeCheckout`, `refund`, `setSubscription`)
 * and return the events Stripe would send; `deliver` signs them with the library's own test
 * helper (stripe.webhooks.generateTestHeaderString).
 */
type Obj = Record<string, unknown> & { id: string; object: string };
type Nested = { [key: string]: Nested | string | Nested[] | string[] };

export interface RecordedStripeRequest {
  method: string;
  path: string;
  params: Nested;
}

/** Parses Stripe's form encoding (`a[b][0][c]=x`, `keys[]=y`) into nested objects/arrays. */
export function parseStripeForm(text: string): Nested {
  const root: Nested = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.replace(/\]/g, '').split('[');
    let node: Nested | Nested[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(parts[i + 1]!);
      const container = node as Record<string, unknown> & unknown[];
      const key = part === '' ? container.length : /^\d+$/.test(part) && Array.isArray(node) ? Number(part) : part;
      if (last) (container as Record<string | number, unknown>)[key] = value;
      else {
        (container as Record<string | number, unknown>)[key] ??= nextIsIndex ? [] : {};
        node = (container as Record<string | number, unknown>)[key] as Nested;
      }
    }
  }
  return root;
}

const now = () => Math.floor(Date.now() / 1000);
const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

export class FakeStripe {
  readonly requests: RecordedStripeRequest[] = [];
  readonly objects = new Map<string, Obj>();
  /** Every event created, oldest first (GET /v1/events lists newest first). */
  readonly events: Stripe.Event[] = [];
  private server!: http.Server;
  url = '';
  host = '127.0.0.1';
  port = 0;

  constructor(readonly webhookSecret = `whsec_${randomBytes(16).toString('hex')}`) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private put<T extends Obj>(o: T): T {
    this.objects.set(o.id, o);
    return o;
  }

  get<T = Obj>(id: string): T {
    const o = this.objects.get(id);
    if (!o) throw new Error(`fake stripe: no object ${id}`);
    return o as unknown as T;
  }

  private emit(type: string, object: Obj): Stripe.Event {
    const event = { id: newId('evt'), object: 'event', type, created: now(), livemode: false, api_version: '2026-10-28.endive', data: { object: structuredClone(object) }, pending_webhooks: 1, request: null } as unknown as Stripe.Event;
    this.events.push(event);
    return event;
  }

  /** The body and Stripe-Signature header of a delivery of `event` (optionally at another time). */
  deliver(event: Stripe.Event, options: { timestamp?: number; secret?: string } = {}): { payload: string; signature: string } {
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? this.webhookSecret, timestamp: options.timestamp });
    return { payload, signature };
  }

  /** The customer pays a checkout session: everything Stripe would create, and its events. */
  completeCheckout(sessionId: string, options: { amountCents?: number } = {}): Stripe.Event[] {
    const session = this.get<Obj & Record<string, unknown>>(sessionId);
    const events: Stripe.Event[] = [];
    if (session.mode === 'subscription') {
      const sub = this.createSubscription(session);
      session.subscription = sub.id;
      session.status = 'complete';
      session.payment_status = 'paid';
      events.push(this.emit('customer.subscription.created', sub));
      const invoice = this.put({
        id: newId('in'),
        object: 'invoice',
        status: 'paid',
        customer: session.customer,
        amount_paid: (sub.items as { data: { price: { unit_amount: number } }[] }).data[0]!.price.unit_amount,
        currency: 'usd',
        parent: { type: 'subscription_details', subscription_details: { subscription: sub.id, metadata: sub.metadata } },
      });
      events.push(this.emit('invoice.paid', invoice));
      events.push(this.emit('checkout.session.completed', session));
      return events;
    }
    const amount = options.amountCents ?? (session.amount_total as number);
    const metadata = ((session.payment_intent_data as Nested | undefined)?.metadata ?? {}) as Record<string, string>;
    const pi = this.put({ id: newId('pi'), object: 'payment_intent', status: 'succeeded', amount, amount_received: amount, currency: 'usd', customer: session.customer, metadata, latest_charge: null as string | null });
    const charge = this.put({ id: newId('ch'), object: 'charge', status: 'succeeded', paid: true, amount, amount_refunded: 0, refunded: false, currency: 'usd', payment_intent: pi.id, metadata: {} });
    pi.latest_charge = charge.id;
    Object.assign(session, { status: 'complete', payment_status: 'paid', payment_intent: pi.id, amount_total: amount });
    events.push(this.emit('charge.succeeded', charge));
    events.push(this.emit('payment_intent.succeeded', pi));
    events.push(this.emit('checkout.session.completed', session));
    return events;
  }

  refund(chargeId: string, amountCents: number): Stripe.Event {
    const charge = this.get<Obj & { amount: number; amount_refunded: number }>(chargeId);
    charge.amount_refunded = Math.min(charge.amount, charge.amount_refunded + amountCents);
    Object.assign(charge, { refunded: charge.amount_refunded >= charge.amount });
    return this.emit('charge.refunded', charge);
  }

  /** Changes a subscription's status as Stripe would (e.g. 'canceled' → customer.subscription.deleted). */
  setSubscription(id: string, changes: Record<string, unknown>): Stripe.Event {
    const sub = this.get(id);
    Object.assign(sub, changes);
    return this.emit(sub.status === 'canceled' ? 'customer.subscription.deleted' : 'customer.subscription.updated', sub);
  }

  private createSubscription(session: Record<string, unknown>): Obj {
    const items = session.line_items as { price: string }[];
    const price = this.get(items[0]!.price);
    const metadata = ((session.subscription_data as Nested | undefined)?.metadata ?? {}) as Record<string, string>;
    const start = now();
    return this.put({
      id: newId('sub'),
      object: 'subscription',
      status: 'active',
      customer: session.customer,
      cancel_at_period_end: false,
      metadata,
      items: { object: 'list', data: [{ id: newId('si'), object: 'subscription_item', price, quantity: 1, current_period_start: start, current_period_end: start + 30 * 86_400 }] },
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const params = req.method === 'GET' || req.method === 'DELETE' ? parseStripeForm(url.search.slice(1)) : parseStripeForm(Buffer.concat(chunks).toString('utf8'));
    this.requests.push({ method: req.method ?? '', path: url.pathname, params });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req') });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== 'Bearer sk_test_fake') {
      send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      return;
    }
    try {
      const out = this.route(req.method ?? 'GET', url.pathname.split('/').filter(Boolean).slice(1), params);
      if (out === undefined) send(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method} ${url.pathname})` } });
      else send(200, out);
    } catch (err) {
      send(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: (err as Error).message } });
    }
  }

  private route(method: string, parts: string[], p: Nested): unknown {
    const [kind, id, sub] = [parts.slice(0, parts[0] === 'checkout' ? 2 : 1).join('/'), parts[parts[0] === 'checkout' ? 2 : 1], parts[parts[0] === 'checkout' ? 3 : 2]];
    const s = (v: unknown) => v as string;
    if (sub) return undefined;
    switch (`${method} ${kind}${id ? '/:id' : ''}`) {
      case 'POST customers':
        return this.put({ id: newId('cus'), object: 'customer', metadata: p.metadata ?? {} });
      case 'POST checkout/sessions': {
        const items = (p.line_items ?? []) as { quantity: string; price?: string; price_data?: { unit_amount: string } }[];
        const total = items.reduce((a, i) => a + Number(i.price_data?.unit_amount ?? (i.price ? this.get<{ unit_amount: number }>(i.price).unit_amount : 0)) * Number(i.quantity ?? 1), 0);
        const session = this.put({ id: newId('cs'), object: 'checkout.session', status: 'open', payment_status: 'unpaid', amount_total: total, currency: 'usd', payment_intent: null, subscription: null, ...p });
        return { ...session, url: `https://checkout.stripe.test/${session.id}` };
      }
      case 'GET prices': {
        const keys = (p.lookup_keys ?? []) as string[];
        const data = [...this.objects.values()].filter((o) => o.object === 'price' && keys.includes(s(o.lookup_key)));
        return { object: 'list', data, has_more: false, url: '/v1/prices' };
      }
      case 'POST prices':
        return this.put({ id: newId('price'), object: 'price', active: true, currency: s(p.currency), unit_amount: Number(p.unit_amount), lookup_key: s(p.lookup_key), recurring: p.recurring, metadata: p.metadata ?? {} });
      case 'POST subscriptions/:id': {
        const current = this.get(id!);
        const changes: Record<string, unknown> = {};
        if (p.cancel_at_period_end !== undefined) changes.cancel_at_period_end = p.cancel_at_period_end === 'true';
        if (p.metadata) changes.metadata = p.metadata;
        const items = p.items as { id: string; price: string }[] | undefined;
        if (items?.[0]) {
          const data = (current.items as { data: Record<string, unknown>[] }).data;
          data[0] = { ...data[0], price: this.get(items[0].price) };
        }
        this.setSubscription(id!, changes);
        return this.get(id!);
      }
      case 'DELETE subscriptions/:id':
        this.setSubscription(id!, { status: 'canceled' });
        return this.get(id!);
      case 'GET events': {
        const created = p.created as { gte?: string } | undefined;
        const types = (p.types ?? []) as string[];
        const all = [...this.events].reverse().filter((e) => (!created?.gte || e.created >= Number(created.gte)) && (types.length === 0 || types.includes(e.type)));
        const after = p.starting_after ? all.findIndex((e) => e.id === p.starting_after) + 1 : 0;
        const limit = Number(p.limit ?? 10);
        const data = all.slice(after, after + limit);
        return { object: 'list', data, has_more: after + limit < all.length, url: '/v1/events' };
      }
      default:
        if (method === 'GET' && id) return this.get(id);
        return undefined;
    }
  }
}

export async function fakeStripe(): Promise<FakeStripe> {
  return new FakeStripe().start();
}
