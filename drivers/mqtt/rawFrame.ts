import type { SampleBlock } from '../../signals/sampleBlock.js';

/**
 * The binary payload of the `raw` topic. Little-endian throughout:
 *
 *   offset  type     field
 *   0       uint16   version (1)
 *   2       uint16   channels C
 *   4       uint32   samples N (per channel, after decimation)
 *   8       float64  firstIndex (session sample index of the first sample, before decimation)
 *   16      float64  fs_Hz (after decimation: source fs / decimation)
 *   24      float32  C * N samples, channel-major: channel 0's N samples, then channel 1's ...
 *
 * Decimation keeps every Nth sample of the session (indices that are multiples of N), with
 * no anti-alias filter: it is for display, not analysis.
 */
export const RAW_FRAME_VERSION = 1;
export const RAW_HEADER_BYTES = 24;

export interface RawFrame {
  readonly version: number;
  readonly firstIndex: number;
  readonly fs_Hz: number;
  readonly data: Float32Array[];
}

/** Encodes the samples of `block` whose index is a multiple of `decimation`; null if none is. */
export function encodeRawFrame(block: SampleBlock, decimation: number): Buffer | null {
  const n = block.data[0]?.length ?? 0;
  const firstKept = (decimation - (block.firstIndex % decimation)) % decimation;
  const kept = firstKept >= n ? 0 : Math.floor((n - 1 - firstKept) / decimation) + 1;
  if (kept === 0) return null;
  const channels = block.data.length;
  const buffer = Buffer.alloc(RAW_HEADER_BYTES + 4 * channels * kept);
  buffer.writeUInt16LE(RAW_FRAME_VERSION, 0);
  buffer.writeUInt16LE(channels, 2);
  buffer.writeUInt32LE(kept, 4);
  buffer.writeDoubleLE(block.firstIndex + firstKept, 8);
  buffer.writeDoubleLE(block.fs_Hz / decimation, 16);
  let offset = RAW_HEADER_BYTES;
  for (const channel of block.data) {
    for (let i = firstKept; i < n; i += decimation) {
      buffer.writeFloatLE(channel[i], offset);
      offset += 4;
    }
  }
  return buffer;
}

/** The inverse of encodeRawFrame, for consumers and tests. */
export function decodeRawFrame(buffer: Uint8Array): RawFrame {
  const view = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (view.length < RAW_HEADER_BYTES) throw new Error(`raw frame: ${view.length} bytes, shorter than the ${RAW_HEADER_BYTES}-byte header`);
  const version = view.readUInt16LE(0);
  const channels = view.readUInt16LE(2);
  const samples = view.readUInt32LE(4);
  if (view.length !== RAW_HEADER_BYTES + 4 * channels * samples) {
    throw new Error(`raw frame: ${view.length} bytes, expected ${RAW_HEADER_BYTES + 4 * channels * samples} for ${channels} x ${samples} samples`);
  }
  const data: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const channel = new Float32Array(samples);
    for (let i = 0; i < samples; i++) channel[i] = view.readFloatLE(RAW_HEADER_BYTES + 4 * (c * samples + i));
    data.push(channel);
  }
  return { version, firstIndex: view.readDoubleLE(8), fs_Hz: view.readDoubleLE(16), data };
}
