import { createRouter } from '../http/openapi';
import * as routes from './admin.routes';
import * as members from './members.handlers';
import * as memberRoutes from './members.routes';
import * as meta from './meta.handlers';
import * as payments from './payments.handlers';
import * as shops from './shops.handlers';

export const adminRouter = createRouter()
  .openapi(routes.listShops, shops.listShops)
  .openapi(routes.createShop, shops.createShop)
  .openapi(routes.getShop, shops.getShop)
  .openapi(routes.updateShop, shops.updateShop)
  .openapi(routes.listTokens, shops.listTokens)
  .openapi(routes.issueToken, shops.issueToken)
  .openapi(routes.revokeToken, shops.revokeToken)
  .openapi(routes.rotateWebhookSecret, shops.rotateWebhookSecret)
  .openapi(routes.getPayment, payments.getPayment)
  .openapi(routes.redeliverPostback, payments.redeliverPostback)
  .openapi(routes.listDeadLetters, payments.listDeadLetters)
  .openapi(routes.getContract, meta.getContract)
  .openapi(memberRoutes.listMembers, members.listMembers)
  .openapi(memberRoutes.inviteMember, members.inviteMember)
  .openapi(memberRoutes.removeMember, members.removeMember);
