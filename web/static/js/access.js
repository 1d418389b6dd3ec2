// What a fan is told when the API refuses them a stream (access.reason on GET /api/livestream/{id},
// or the error code of POST .../playback): the reason codes of platform/access_policy.h.
import { formatMoney } from './dom.js';

export function denial(reason, stream = {}) {
  switch (reason) {
    case 'login_required':
      return { title: 'Sign in to watch', text: 'This stream is for signed-in members.', action: 'signin' };
    case 'subscription_required':
      return { title: 'Subscribers only', text: 'Subscribe to this artist to watch this stream.', action: 'subscribe' };
    case 'tier_required':
      return {
        title: 'Upgrade your subscription',
        text: `This stream is for subscribers at tier ${stream.minTier ?? 'a higher'} or above. Upgrade your tier to watch.`,
        action: 'upgrade',
      };
    case 'ticket_required':
      if (stream.status === 'ENDED') {
        return { title: 'Ticket required', text: 'This paid event has ended; tickets are no longer sold.' };
      }
      return {
        title: 'Ticket required',
        text: stream.priceCents
          ? `This is a paid event (${formatMoney(stream.priceCents, stream.currency)}). Buy a ticket to watch.`
          : 'This is a paid event. Buy a ticket to watch.',
        action: 'ticket',
      };
    case 'banned':
      return { title: 'You cannot watch this stream', text: 'You are banned from this channel.' };
    case 'not_found':
      return { title: 'Stream not found', text: 'This stream does not exist or was removed.' };
    default:
      return { title: 'You cannot watch this stream', text: 'Access to this stream is restricted.' };
  }
}
