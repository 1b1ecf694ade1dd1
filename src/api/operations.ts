import * as members from './admin/members.handlers';
import * as adminMeta from './admin/meta.handlers';
import * as adminPayments from './admin/payments.handlers';
import * as shops from './admin/shops.handlers';
import * as bansky from './bansky/bansky.handlers';
import { verifyBanskySignature } from './bansky/verify-signature';
import * as browser from './browser/browser.handlers';
import { HTML_HEADERS, PAGES } from './browser/pages';
import * as events from './events/events.handlers';
import { adminAuth, shopAuth } from './http/auth';
import type { Handlers } from './http/context';
import { bindOperations } from './http/openapi';
import * as listen from './listen/listen.handlers';
import * as meta from './meta/meta.handlers';
import * as list from './payments/list.handlers';
import * as payments from './payments/payments.handlers';

/**
 * The handler of every operation in openapi.yaml, by operationId. Method, path, parameters, body,
 * responses and auth come from the contract (generated/routes.ts); a handler only calls the domain.
 */
export const handlers: Handlers = {
  initPayment: payments.initPayment,
  getPayment: payments.getPayment,
  listPayments: list.listPayments,
  resendPostback: list.resendPostback,
  listEvents: events.listEvents,
  getEvent: events.getEvent,
  listen: listen.listen,
  openPayLink: browser.openPayLink,
  returnSuccess: browser.returnSuccess,
  returnError: browser.returnError,
  receiveBanskyPostback: bansky.receiveBanskyPostback,
  getHealth: meta.getHealth,
  getContract: meta.getContract,
  getContractYaml: meta.getContractYaml,
  adminListShops: shops.listShops,
  adminCreateShop: shops.createShop,
  adminGetShop: shops.getShop,
  adminUpdateShop: shops.updateShop,
  adminListTokens: shops.listTokens,
  adminIssueToken: shops.issueToken,
  adminRevokeToken: shops.revokeToken,
  adminRotateWebhookSecret: shops.rotateWebhookSecret,
  adminGetPayment: adminPayments.getPayment,
  adminRedeliverPostback: adminPayments.redeliverPostback,
  adminGetContract: adminMeta.getContract,
  adminListDeadLetters: adminPayments.listDeadLetters,
  adminListMembers: members.listMembers,
  adminInviteMember: members.inviteMember,
  adminRemoveMember: members.removeMember,
};

// Both of the contract's shop token schemes (`Bearer` and `Token`) are one check.
const shopToken = shopAuth();

/** The API: every operation of the contract, behind the check its `security` names. */
export const apiRouter = bindOperations(handlers, {
  security: {
    shopToken,
    shopTokenScheme: shopToken,
    adminToken: adminAuth(),
    banskySignature: verifyBanskySignature(),
  },
  // A customer, not a program, reads the browser endpoints: a malformed link is a page, not problem+json.
  htmlBadRequest: (c) => c.body(PAGES.badLink(), 400, HTML_HEADERS),
});
