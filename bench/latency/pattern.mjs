// The machine-readable clock in every frame: 64 large black/white cells in a 16 × 4 grid, 48 bits
// of the capture time (Date.now(), ms, most significant bit first) then a CRC-16/CCITT of those
// 6 bytes. Cells are a 40 px square at 1280x720 (positions are fractions of the frame, so any
// size works): an H.264 encoder at streaming bitrates keeps them black or white, and the CRC
// rejects the odd frame that is not (a corrupt or half-decoded picture), 1 in 65,536 passing.
//
// No Node imports: the player page loads this file as a module as well (decodeCells).
export const COLS = 16;
export const ROWS = 4;
export const TIME_BITS = 48;
// Where the grid is, as fractions of the frame: x 1/32 .. 17/32, y 1/18 .. 5/18.
export const BOX = { x: 1 / 32, y: 1 / 18, w: 1 / 2, h: 2 / 9 };

export function crc16(bytes) {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function timeBytes(ms) {
  const bytes = new Array(6);
  let v = ms;
  for (let i = 5; i >= 0; i--) { bytes[i] = v % 256; v = Math.floor(v / 256); }
  return bytes;
}

// ms -> 64 bits (0/1), row-major from the top-left cell.
export function encodeBits(ms) {
  const bytes = timeBytes(ms);
  const crc = crc16(bytes);
  const bits = new Uint8Array(COLS * ROWS);
  for (let i = 0; i < TIME_BITS; i++) bits[i] = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
  for (let i = 0; i < 16; i++) bits[TIME_BITS + i] = (crc >> (15 - i)) & 1;
  return bits;
}

// 64 cell luminances (0..255, row-major) -> { ms } or { error }. `margin` counts cells whose
// level is within 48 of the threshold: a clean picture has none.
export function decodeCells(levels) {
  const bits = levels.map((l) => (l >= 128 ? 1 : 0));
  let ms = 0;
  for (let i = 0; i < TIME_BITS; i++) ms = ms * 2 + bits[i];
  const bytes = timeBytes(ms);
  let crc = 0;
  for (let i = 0; i < 16; i++) crc = crc * 2 + bits[TIME_BITS + i];
  const margin = levels.filter((l) => Math.abs(l - 128) < 48).length;
  if (crc !== crc16(bytes)) return { error: 'crc', margin };
  return { ms, margin };
}
