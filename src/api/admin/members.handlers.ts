import { ApiError } from '../../platform/problem';
import { MemberConflict } from '../../shop-app/members/service';
import type { Handler } from '../http/context';

const shopNotFound = () => new ApiError(404, 'shop_not_found', 'No shop with this id.');

export const listMembers: Handler<'adminListMembers'> = async (c) => {
  const { shopId } = c.req.valid('param');
  const { shops, members } = c.var.services;
  if (!(await shops.getShop(shopId))) throw shopNotFound();
  return c.json({ items: await members.list(shopId) }, 200);
};

export const inviteMember: Handler<'adminInviteMember'> = async (c) => {
  const { shopId } = c.req.valid('param');
  const { shops, members, log } = c.var.services;
  if (!(await shops.getShop(shopId))) throw shopNotFound();
  try {
    const { email, role } = c.req.valid('json');
    const invite = await members.invite(shopId, email, 'operator', role);
    log.info('member invited', { shopId, memberId: invite.member.id, requestId: c.var.requestId });
    return c.json(invite, 201);
  } catch (err) {
    if (err instanceof MemberConflict) throw new ApiError(409, 'member_conflict', err.message);
    throw err;
  }
};

export const removeMember: Handler<'adminRemoveMember'> = async (c) => {
  const { shopId, memberId } = c.req.valid('param');
  const removed = await c.var.services.members.remove(shopId, memberId, 'operator');
  if (!removed) throw new ApiError(404, 'member_not_found', 'No member with this id in this shop.');
  c.var.services.log.info('member removed; their sessions ended', { shopId, memberId, requestId: c.var.requestId });
  return c.json(removed, 200);
};
