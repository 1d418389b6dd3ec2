// The Viewer's "behind live" figure: how far behind the live edge the player is, as hls.js
// measures it (`hls.latency`: the distance from the playhead to the live edge of the playlist,
// the figure bench/latency reports). Shown only while a player gives a measured figure: hidden
// for WebRTC, Safari's native HLS and replays, which expose none.
import { show } from './dom.js';

const EVERY_MS = 1000;

export class BehindLive {
  // `el`: the element showing the text; `measure`: returns seconds, or null when unknown.
  constructor(el, measure) {
    this.el = el;
    this.measure = measure;
    this.seconds = null;  // the figure shown, for tests and the console
    this.timer = null;
  }

  start() {
    this.stop();
    const tick = () => {
      const s = this.measure();
      this.seconds = Number.isFinite(s) && s > 0 ? s : null;
      if (this.seconds === null) {
        show(this.el, false);
        return;
      }
      this.el.textContent = `${this.seconds.toFixed(1)} s behind live`;
      show(this.el, true);
    };
    tick();
    this.timer = setInterval(tick, EVERY_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.seconds = null;
    show(this.el, false);
  }
}
