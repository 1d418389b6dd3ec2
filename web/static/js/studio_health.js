// The Studio's stream health (GET /api/livestream/{id}/health: what the ingest receives) and live
// analytics (viewers from the realtime gateway; peak, tips, ticket sales and messages from the API).
import { h, fill, formatMoney, formatDuration, formatTime } from './dom.js';

function stat(label, id, words = false) {
  const dd = h('dd', { id, text: '—', class: words ? 'words' : undefined });
  return { el: h('div', {}, h('dt', { text: label }), dd), dd };
}

export class HealthPanel {
  constructor(root) {
    this.badge = h('span', { class: 'badge', id: 'signal', text: 'no signal' });
    this.cells = {
      bitrate: stat('Bitrate', 'health-bitrate'),
      fps: stat('Frame rate', 'health-fps'),
      keyframe: stat('Key frame interval', 'health-keyframe'),
      resolution: stat('Resolution', 'health-resolution'),
      video: stat('Video', 'health-video', true),
      audio: stat('Audio', 'health-audio', true),
      reconnects: stat('Reconnects', 'health-reconnects'),
      since: stat('Live for', 'health-since'),
    };
    this.warnings = h('ul', { class: 'warnings', hidden: true });
    this.hint = h('p', { class: 'muted small', text: 'Start streaming from your encoder; health appears within seconds.' });
    fill(root,
      h('div', { class: 'row' }, h('h2', { class: 'grow', text: 'Stream health' }), this.badge),
      this.hint,
      h('dl', { class: 'stats' }, Object.values(this.cells).map((c) => c.el)),
      this.warnings);
  }

  update(health) {
    const ingest = health?.ingest;
    const set = (k, v) => { this.cells[k].dd.textContent = v; };
    if (!ingest) {
      this.badge.textContent = health?.status === 'ENDED' ? 'ended' : 'no signal';
      this.badge.className = 'badge';
      for (const k of Object.keys(this.cells)) set(k, '—');
      this.hint.hidden = health?.status === 'ENDED';
      this.warnings.hidden = true;
      return;
    }
    this.hint.hidden = true;
    const stale = ingest.lastFrameAt && Date.now() - ingest.lastFrameAt > 3000;
    if (!ingest.publisherConnected) {
      this.badge.textContent = 'encoder disconnected';
      this.badge.className = 'badge warn';
    } else if (stale) {
      this.badge.textContent = 'stalled';
      this.badge.className = 'badge warn';
    } else {
      this.badge.textContent = 'receiving';
      this.badge.className = 'badge ok';
    }
    set('bitrate', `${Math.round(ingest.bitrateKbps)} kbps`);
    set('fps', ingest.fps ? `${ingest.fps.toFixed(1)} fps` : '—');
    set('keyframe', ingest.keyframeIntervalSeconds ? `${ingest.keyframeIntervalSeconds.toFixed(1)} s` : '—');
    set('resolution', ingest.width ? `${ingest.width}×${ingest.height}` : '—');
    set('video', ingest.videoCodec || '—');
    set('audio', ingest.audioCodec ? `${ingest.audioCodec} ${ingest.sampleRate ? `${ingest.sampleRate / 1000} kHz` : ''} ${ingest.channels === 2 ? 'stereo' : ingest.channels === 1 ? 'mono' : ''}`.trim() : 'none');
    set('reconnects', String(ingest.reconnects));
    set('since', ingest.liveSince ? formatDuration(Date.now() - ingest.liveSince) : '—');

    const warnings = [];
    if (ingest.keyframeIntervalSeconds > 2.5) warnings.push(`Key frames arrive every ${ingest.keyframeIntervalSeconds.toFixed(1)} s: set the keyframe interval to 2 s for low latency.`);
    if (ingest.announcedFrameRate && ingest.fps && ingest.fps < ingest.announcedFrameRate * 0.85) warnings.push(`Receiving ${ingest.fps.toFixed(1)} fps of the ${ingest.announcedFrameRate} announced: the encoder or the upload is dropping frames.`);
    if (ingest.publisherConnected && ingest.bitrateKbps > 0 && ingest.bitrateKbps < 400) warnings.push('The bitrate is very low: picture quality will suffer.');
    if (ingest.bitrateKbps > 9000) warnings.push('The bitrate is above 9000 kbps: many viewers cannot download that much.');
    if (!ingest.audioCodec) warnings.push('No audio is arriving.');
    if (stale) warnings.push(`No media since ${formatTime(ingest.lastFrameAt)}.`);
    fill(this.warnings, ...warnings.map((w) => h('li', { text: w })));
    this.warnings.hidden = warnings.length === 0;
  }
}

export class AnalyticsPanel {
  constructor(root) {
    this.cells = {
      viewers: stat('Viewers now', 'analytics-viewers'),
      peak: stat('Peak viewers', 'analytics-peak'),
      messages: stat('Chat messages', 'analytics-messages'),
      tips: stat('Tips', 'analytics-tips'),
      revenue: stat('Tips total', 'analytics-revenue'),
      // Ticket sales of a PAID stream (hidden otherwise): tickets sold, what fans paid, the
      // platform's fee and what is left for the artist.
      ticketsSold: stat('Tickets sold', 'analytics-tickets-sold'),
      ticketsGross: stat('Ticket sales', 'analytics-tickets-gross'),
      ticketsFee: stat('Platform fee', 'analytics-tickets-fee'),
      ticketsNet: stat('Ticket net', 'analytics-tickets-net'),
      uptime: stat('Live for', 'analytics-uptime'),
    };
    for (const k of ['ticketsSold', 'ticketsGross', 'ticketsFee', 'ticketsNet']) this.cells[k].el.hidden = true;
    this.peak = 0;
    fill(root, h('h2', { text: 'Live analytics' }), h('dl', { class: 'stats' }, Object.values(this.cells).map((c) => c.el)));
  }

  set(k, v) { this.cells[k].dd.textContent = v; }

  viewers(count) {
    this.set('viewers', String(count));
    this.peak = Math.max(this.peak, count);
    this.set('peak', String(this.peak));
  }

  messages(count) { this.set('messages', String(count)); }

  stream(s) {
    this.peak = Math.max(this.peak, s.peakViewers ?? 0);
    this.set('peak', String(this.peak));
    if (s.tips) {
      this.set('tips', String(s.tips.count));
      this.set('revenue', formatMoney(s.tips.grossCents, s.currency ?? 'usd'));
      this.cells.revenue.dd.title = `${formatMoney(s.tips.artistCents, s.currency ?? 'usd')} to you after the platform fee`;
    }
    const tickets = s.visibility === 'PAID' || (s.tickets && (s.tickets.sold > 0 || s.tickets.given > 0));
    for (const k of ['ticketsSold', 'ticketsGross', 'ticketsFee', 'ticketsNet']) this.cells[k].el.hidden = !(tickets && s.tickets);
    if (s.tickets) {
      const c = s.currency ?? 'usd';
      this.set('ticketsSold', String(s.tickets.sold));
      this.cells.ticketsSold.dd.title = s.tickets.given ? `and ${s.tickets.given} given away (comps and grants)` : '';
      this.set('ticketsGross', formatMoney(s.tickets.grossCents, c));
      this.set('ticketsFee', formatMoney(s.tickets.feeCents, c));
      this.set('ticketsNet', formatMoney(s.tickets.artistCents, c));
    }
    this.set('uptime', s.status === 'LIVE' && s.startedAt ? formatDuration(Date.now() - s.startedAt)
      : s.startedAt && s.endedAt ? formatDuration(s.endedAt - s.startedAt) : '—');
  }
}
