import type { Transform } from 'node:stream';
import zlib from 'node:zlib';

// node's zlib has zstd from 22.15 and 23.8 (the image's node 24 among them), none in node 20, and @types/node 20
// (the oldest node pe-edge runs on) does not declare it: what compress uses of it is typed here, and found at run time.

/** The options of node's zstd compressors that pe-edge sets. */
export interface ZstdOptions {
  /** The body's length when known: written in the frame's header, and zstd sizes its window and tables to it. */
  pledgedSrcSize?: number;
  /** The size of each output chunk (node's default 16 KiB): see outputChunkSize in compressed-body.ts. */
  chunkSize?: number;
}

/** node's zstd compressors, as compress calls them. */
export interface Zstd {
  zstdCompressSync(body: Buffer, options: ZstdOptions): Buffer;
  zstdCompress(body: Buffer, options: ZstdOptions, callback: (err: Error | null, result: Buffer) => void): void;
  /** A stream of node's zlib family: `flush` as the others'. */
  createZstdCompress(options: ZstdOptions): Transform & zlib.Zlib;
}

function hasZstd(z: object): z is Zstd {
  return 'zstdCompressSync' in z && typeof z.zstdCompressSync === 'function'
    && 'zstdCompress' in z && typeof z.zstdCompress === 'function'
    && 'createZstdCompress' in z && typeof z.createZstdCompress === 'function';
}

/**
 * This node's zstd, or null without one. Compressed at zstd's default level (3), as Traefik's encoder
 * (klauspost/compress, SpeedDefault) does.
 */
export const zstd: Zstd | null = hasZstd(zlib) ? zlib : null;
