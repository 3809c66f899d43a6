// read.mjs reads an Avro object container file with avsc and prints, as one
// JSON object on stdout: the writer schema of its header ("schema"), its
// codec ("codec"), its other header metadata as UTF-8 text ("meta") and its
// records ("records"). The file is the first argument.
//
// So that JSON loses nothing: longs are decoded as BigInt and printed as
// decimal strings, bytes and fixed as {"$bytes": "<base64>"}. Logical types
// are not interpreted (a timestamp is its long, a decimal its bytes, a date
// its int); unions with null are unwrapped (avsc's default), so a null is
// null. Codecs: null and deflate (avsc's own), snappy (snappyjs, with the
// CRC-32 check Avro asks for) and zstandard (fzstd).
import avro from 'avsc';
import * as fzstd from 'fzstd';
import snappy from 'snappyjs';
import zlib from 'node:zlib';

const longType = avro.types.LongType.__with({
  fromBuffer: (buf) => buf.readBigInt64LE(),
  toBuffer: (n) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: BigInt,
  toJSON: Number,
  isValid: (n) => typeof n === 'bigint',
  compare: (a, b) => (a === b ? 0 : a < b ? -1 : 1),
});

// isLong returns longType for the long schemas, logical or not.
function isLong(schema) {
  if (schema === 'long' || (schema && schema.type === 'long')) return longType;
  return undefined;
}

// crc32 is the CRC-32 (IEEE) of buf.
function crc32(buf) {
  let crc = ~0;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

const codecs = {
  null: (buf, cb) => cb(null, buf),
  deflate: (buf, cb) => zlib.inflateRaw(buf, cb),
  snappy: (buf, cb) => {
    try {
      const out = Buffer.from(snappy.uncompress(buf.subarray(0, buf.length - 4)));
      if (out.length > 0 && crc32(out) !== buf.readUInt32BE(buf.length - 4)) {
        throw new Error('snappy block: CRC-32 mismatch');
      }
      cb(null, out);
    } catch (err) {
      cb(err);
    }
  },
  zstandard: (buf, cb) => {
    try {
      cb(null, Buffer.from(fzstd.decompress(buf)));
    } catch (err) {
      cb(err);
    }
  },
};

// plain makes v printable by JSON.stringify without loss.
function plain(v) {
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return { $bytes: v.toString('base64') };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

const path = process.argv[2];
const result = { schema: null, codec: null, meta: {}, records: [] };
avro
  .createFileDecoder(path, {
    codecs,
    parseHook: (schema) => avro.Type.forSchema(schema, { typeHook: isLong }),
  })
  .on('metadata', (type, codec, header) => {
    result.codec = codec;
    for (const [k, v] of Object.entries(header.meta)) {
      if (k === 'avro.schema') result.schema = JSON.parse(v.toString('utf8'));
      else if (k !== 'avro.codec') result.meta[k] = v.toString('utf8');
    }
  })
  .on('data', (rec) => result.records.push(plain(rec)))
  .on('error', (err) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  })
  .on('end', () => {
    if (result.schema === null) {
      process.stderr.write('no avro header\n');
      process.exitCode = 1;
      return;
    }
    process.stdout.write(JSON.stringify(result));
  });
