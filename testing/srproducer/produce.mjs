#!/usr/bin/env node
// produce.mjs: an independent producer for sluice's tests. It registers a
// schema in a Confluent Schema Registry with @kafkajs/confluent-schema-registry
// and produces records encoded with it (Confluent wire format) to a Kafka
// topic with kafkajs: the way a Node service would, so that sluice's
// parsers are tested against bytes sluice did not write.
//
//   node produce.mjs --registry http://127.0.0.1:8081 --broker 127.0.0.1:9092 \
//     --topic users --subject users-value --type AVRO --schema user.avsc \
//     [--reference Name=subject:version ...] [--message-name pkg.Msg] \
//     [--records values.jsonl] [--auth user:password] [--partition N]
//
// --type is AVRO (default), PROTOBUF or JSON (JSON Schema); --schema is the
// schema text's file; --reference (repeatable) names a schema it refers to,
// already registered under subject:version (the name is the Avro type
// name, the .proto import path or the JSON Schema $ref). Records are JSON
// lines (from --records, else standard input), one value each, encoded
// with the schema: for Avro through avsc (unions unwrapped where
// unambiguous), for Protobuf through protobufjs (--message-name picks the
// message by its name within the package, "B" for demo.B, default the
// first; the Confluent message indexes are written
// after the schema id, which the library itself leaves out), for JSON
// Schema validated then written as JSON. {"$bytes": "<base64>"} stands for
// a byte array anywhere in a value; a line `null` produces a tombstone.
// Without --topic it only registers.
//
// It prints one JSON line: {"subject", "id", "produced"}, the schema id
// every record carries, and exits non-zero with the reason on stderr when
// anything fails.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import protobuf from 'protobufjs';

const { values: args } = parseArgs({
  options: {
    registry: { type: 'string' },
    broker: { type: 'string', multiple: true },
    topic: { type: 'string' },
    subject: { type: 'string' },
    type: { type: 'string', default: 'AVRO' },
    schema: { type: 'string' },
    reference: { type: 'string', multiple: true, default: [] },
    'message-name': { type: 'string' },
    records: { type: 'string' },
    auth: { type: 'string' },
    partition: { type: 'string' },
  },
  strict: true,
});

function fail(msg) {
  process.stderr.write(`produce.mjs: ${msg}\n`);
  process.exit(2);
}

for (const k of ['registry', 'subject', 'schema']) if (!args[k]) fail(`--${k} is required`);
const type = SchemaType[args.type.toUpperCase()];
if (!type) fail(`unknown --type ${args.type} (want AVRO, PROTOBUF, JSON)`);
if (args.topic && !args.broker) fail('--broker is required with --topic');

const references = args.reference.map((r) => {
  const m = /^(.+)=(.+):(\d+)$/.exec(r);
  if (!m) fail(`--reference ${r}: want name=subject:version`);
  return { name: m[1], subject: m[2], version: Number(m[3]) };
});

// revive turns {"$bytes": base64} into a Buffer.
function revive(_key, v) {
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v.$bytes === 'string') {
    return Buffer.from(v.$bytes, 'base64');
  }
  return v;
}

// messageIndexes returns the Confluent message-index prefix of the message
// named name in .proto text: zigzag varints, the count then the path of
// indexes; [0] (the first message) is the single byte 0.
function messageIndexes(text, name) {
  const root = protobuf.parse(text, { keepCase: true }).root;
  const path = [];
  const find = (ns, prefix) => {
    const msgs = (ns.nestedArray || []).filter((n) => n instanceof protobuf.Type);
    for (let i = 0; i < msgs.length; i++) {
      const full = prefix ? `${prefix}.${msgs[i].name}` : msgs[i].name;
      path.push(i);
      if (!name || full === name || full.endsWith(`.${name}`) || msgs[i].fullName === `.${name}`) return true;
      if (find(msgs[i], full)) return true;
      path.pop();
    }
    for (const child of ns.nestedArray || []) {
      if (!(child instanceof protobuf.Type) && child.nestedArray) {
        const full = prefix ? `${prefix}.${child.name}` : child.name;
        if (find(child, full)) return true;
      }
    }
    return false;
  };
  if (!find(root, '')) fail(`message ${name} is not in the schema`);
  if (path.length === 1 && path[0] === 0) return Buffer.from([0]);
  const bytes = [];
  const zigzag = (n) => {
    let v = (n << 1) ^ (n >> 31);
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes.push(v);
  };
  zigzag(path.length);
  path.forEach(zigzag);
  return Buffer.from(bytes);
}

const schemaText = readFileSync(args.schema, 'utf8');
const registry = new SchemaRegistry(
  {
    host: args.registry,
    auth: args.auth ? { username: args.auth.split(':')[0], password: args.auth.split(':').slice(1).join(':') } : undefined,
  },
  {
    // Ajv (the library's JSON Schema validator) in strict mode refuses
    // formats it does not know ("date-time" without ajv-formats); the
    // values are still checked against every type.
    [SchemaType.JSON]: { strict: false },
    ...(args['message-name'] ? { [SchemaType.PROTOBUF]: { messageName: args['message-name'] } } : {}),
  },
);

const { id } = await registry.register({ type, schema: schemaText, references }, { subject: args.subject });
let produced = 0;
if (args.topic) {
  const text = args.records ? readFileSync(args.records, 'utf8') : readFileSync(0, 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const prefix = type === SchemaType.PROTOBUF ? messageIndexes(schemaText, args['message-name']) : null;
  const messages = [];
  for (const [i, line] of lines.entries()) {
    let value;
    try {
      value = JSON.parse(line, revive);
    } catch (err) {
      fail(`record ${i + 1}: not JSON: ${err.message}`);
    }
    if (value === null) {
      messages.push({ value: null });
      continue;
    }
    let encoded = await registry.encode(id, value);
    if (prefix) encoded = Buffer.concat([encoded.subarray(0, 5), prefix, encoded.subarray(5)]);
    const msg = { value: encoded };
    if (args.partition !== undefined) msg.partition = Number(args.partition);
    messages.push(msg);
  }
  const kafka = new Kafka({ clientId: 'srproducer', brokers: args.broker, logLevel: logLevel.ERROR });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 500) {
      await producer.send({ topic: args.topic, acks: -1, messages: messages.slice(i, i + 500) });
    }
  } finally {
    await producer.disconnect();
  }
  produced = messages.length;
}
process.stdout.write(`${JSON.stringify({ subject: args.subject, id, produced })}\n`);
