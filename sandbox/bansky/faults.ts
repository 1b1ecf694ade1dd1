/**
 * Fault switches, chosen per payment by a `+tag` in the customer email's local part
 * (`jane+init_timeout@example.com`; several: `jane+postback_delay+postback_duplicate@…`).
 * Tags are the sandbox's test interface; real Bansky knows nothing of them.
 */
const FAULTS = {
  init_fail: 'init answers 500 {error}',
  init_reject: 'init answers 400 {error}',
  init_timeout: 'init stalls (30 s by default) before answering',
  init_garbage: 'init answers 200 with JSON that is not the contract',
  init_html: 'init answers 200 with an HTML body',
  postback_none: 'no postback is sent',
  postback_delay: 'the postback is sent after a delay (2 s by default)',
  postback_duplicate: 'the postback is sent twice',
  postback_out_of_order: 'the postback is followed by a contradicting one with an earlier occurredAt',
  postback_bad_signature: 'the postback is signed with the wrong key',
  postback_wrong_amount: 'the postback reports a different amount',
  status_unavailable: 'the status lookup (GET /v1/payments/{id}) answers 500',
} as const;

export type Fault = keyof typeof FAULTS;

export function parseFaults(email: string): Set<Fault> {
  const local = email.split('@')[0] ?? '';
  const tags = local.split('+').slice(1);
  return new Set(tags.filter((t): t is Fault => t in FAULTS));
}
