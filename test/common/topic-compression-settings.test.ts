// Topic configs added for old clients and tools: compression.type's codecs and Kafka 3.x's
// deprecated message.format.version, validated as Kafka 3.x did.
import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError, parseTopicConfigs } from '../../src/common/index.js';
import { codecOfCompressionType } from '../../src/storage/index.js';

function codeOf(configs: Record<string, string>): number | null {
  try {
    parseTopicConfigs(configs);
    return null;
  } catch (err) {
    if (err instanceof KafkaError) return err.code;
    throw err;
  }
}

describe('compression.type', () => {
  it('takes Kafka values and maps each to the codec stored', () => {
    expect(
      ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'].map((v) => codeOf({ 'compression.type': v })),
    ).toEqual([null, null, null, null, null, null]);
    expect(codeOf({ 'compression.type': 'brotli' })).toBe(ErrorCode.INVALID_CONFIG);
    expect(codeOf({ 'compression.type': 'none' })).toBe(ErrorCode.INVALID_CONFIG); // Kafka says uncompressed
    expect(codecOfCompressionType('producer')).toBeNull();
    expect(codecOfCompressionType('uncompressed')).toBe(0);
    expect(codecOfCompressionType('zstd')).toBe(4);
  });
});

describe('message.format.version', () => {
  it.each([
    '0.8.2',
    '0.9.0',
    '0.10.0',
    '0.10.0-IV1',
    '0.10.2.1',
    '0.11.0-IV2',
    '1.0',
    '2.1-IV2',
    '2.8',
    '2.8.1',
    '3.0-IV1',
    '3.9',
  ])('accepts %s', (value) => expect(codeOf({ 'message.format.version': value })).toBeNull());

  it.each(['', '0.10.3', '0.10.0-IV2', '2.9', '4.0', 'latest', '3.0-IV9', '1'])(
    'refuses %s with INVALID_CONFIG',
    (value) => expect(codeOf({ 'message.format.version': value })).toBe(ErrorCode.INVALID_CONFIG),
  );
});
