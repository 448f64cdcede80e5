import { createHmac } from 'node:crypto';

/**
 * The `Stripe-Signature` header exactly as Stripe writes it: `t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "<t>.<raw body>">`, keyed with the whole `whsec_…` secret, so existing
 * verification code (`stripe.webhooks.constructEvent`) accepts our deliveries unchanged.
 */
export function stripeSignatureHeader(secret: string, payload: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}
