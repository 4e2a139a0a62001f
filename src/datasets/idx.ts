import { NotImplementedError, ValueError } from "../core/errors.js";
import { platform } from "../core/platform/current.js";

/**
 * The IDX format of the MNIST files (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
 * `0x00 0x00 <type> <ndims>` (type `0x08` is unsigned bytes), `ndims` big-endian u32 sizes, then
 * the data, row-major, exactly `prod(sizes)` elements. Also gzip, which the official files use.
 */

/** An IDX array of unsigned bytes: its sizes and its data (a view of the input bytes). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

const hex = (v: number): string => `0x${v.toString(16).toUpperCase().padStart(8, "0")}`;

/** Whether `bytes` starts with the gzip magic number `1f 8b`. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an IDX file (the format of the MNIST files; no PyTorch function, torchvision's `MNIST`
 * reads it internally) of unsigned bytes with `ndims` dims (3 for images, 1 for labels), checking
 * the magic number, the header's length and that the data holds exactly the elements the header
 * counts. Errors read `<op>: <name>: <what is wrong>`.
 *
 * @example
 * const { dims, data } = parseIdx(bytes, 3, "train-images-idx3-ubyte"); // dims [60000, 28, 28]
 */
export function parseIdx(
  bytes: Uint8Array,
  ndims: number,
  name = "IDX file",
  op = "parseIdx",
): IdxArray {
  const fail = (what: string): never => {
    throw new ValueError(op, `${name}: ${what}`);
  };
  if (isGzip(bytes))
    fail(
      "is gzip-compressed (it starts with 1f 8b); decompress it first, or use await MNIST.fromIdxAsync(images, labels) or MNIST.load({ root })",
    );
  const expected = (UBYTE << 8) | ndims;
  const what = `an IDX file of unsigned bytes with ${ndims} dim${ndims === 1 ? "" : "s"}`;
  if (bytes.length < 4)
    fail(`truncated: ${bytes.length} bytes, too short for the magic number of ${what}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expected)
    fail(`bad magic number ${hex(magic)}; expected ${hex(expected)} (${what})`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes)
    fail(`truncated: the header needs ${headerBytes} bytes; the file has ${bytes.length}`);
  const dims: number[] = [];
  for (let k = 0; k < ndims; k++) dims.push(view.getUint32(4 + 4 * k));
  const count = dims.reduce((a, b) => a * b, 1);
  const have = bytes.length - headerBytes;
  const sizes = dims.join(" x ");
  if (have < count)
    fail(`truncated: the header counts ${sizes} = ${count} bytes of data; the file has ${have}`);
  if (have > count)
    fail(
      `the header counts ${sizes} = ${count} bytes of data, but the file has ${have} (${have - count} more)`,
    );
  return { dims, data: bytes.subarray(headerBytes) };
}

/** @internal Gunzips with the web's `DecompressionStream` (browsers; Node 18+ has it too). */
export async function gunzipStream(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * @internal `bytes` decompressed if they are gzip data (by their magic number, whatever the file name),
 * else `bytes` itself: `node:zlib` in Node, `DecompressionStream` elsewhere.
 */
export async function maybeGunzip(
  bytes: Uint8Array,
  name: string,
  op: string,
): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  // NOTE: node:zlib in the Node build, DecompressionStream in the browser build (platform module)
  const viaZlib = () => platform.gunzip(bytes);
  if (platform.name !== "node" && typeof DecompressionStream === "undefined")
    throw new NotImplementedError(
      op,
      `${name}: is gzip-compressed, and this runtime has neither node:zlib nor DecompressionStream; decompress it first`,
    );
  try {
    return await (viaZlib() ?? gunzipStream(bytes));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ValueError(op, `${name}: cannot decompress the gzip data (${msg})`);
  }
}
