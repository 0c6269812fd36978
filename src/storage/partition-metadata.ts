// `partition.metadata` in each partition directory: which incarnation of the topic the log belongs
// to. The directory name holds only the topic name, so without this file a node that was down while
// a topic was deleted and recreated would take the old log for the new topic's (Kafka's
// PartitionMetadataFile serves the same purpose). Text, replaced atomically and durably:
//
//   version: 0
//   topic_id: <id>
import path from 'node:path';
import { type Disk, errorCode } from './disk.js';
import { replaceFile } from './file-io.js';

export const PARTITION_METADATA_FILE = 'partition.metadata';

const FORMAT_VERSION = 0;
/** The file is two short lines; anything longer is damage, and is not read whole. */
const FILE_BYTES_MAX = 1024;
/** Topic ids are UUIDs; the bound only keeps a damaged file from passing as an id. */
const TOPIC_ID_CHARS_MAX = 128;

export type PartitionMetadataRead =
  | { readonly kind: 'absent' }
  | { readonly kind: 'ok'; readonly topicId: string }
  /** Torn, garbled or of an unknown version: the caller treats it as absent and says so. */
  | { readonly kind: 'damaged'; readonly reason: string };

export function formatPartitionMetadata(topicId: string): string {
  if (!isValidTopicId(topicId)) throw new Error(`invalid topic id '${topicId}'`);
  return `version: ${FORMAT_VERSION}\ntopic_id: ${topicId}\n`;
}

function isValidTopicId(topicId: string): boolean {
  return topicId.length > 0 && topicId.length <= TOPIC_ID_CHARS_MAX && /^[\x21-\x7e]+$/.test(topicId);
}

/** Parses the file's text; returns the topic id or the reason it is not a valid file. */
export function parsePartitionMetadata(text: string): { topicId: string } | { reason: string } {
  const lines = text.split('\n');
  // A complete file ends with a newline, so a torn write (cut anywhere) never parses.
  if (lines.length !== 3 || lines[2] !== '') return { reason: 'not two complete lines' };
  const version = /^version: (\d+)$/.exec(lines[0]!);
  if (!version) return { reason: 'no version line' };
  if (Number(version[1]) !== FORMAT_VERSION) return { reason: `unknown version ${version[1]}` };
  const topicId = /^topic_id: (.*)$/.exec(lines[1]!)?.[1];
  if (topicId === undefined) return { reason: 'no topic_id line' };
  if (!isValidTopicId(topicId)) return { reason: 'invalid topic id' };
  return { topicId };
}

export async function readPartitionMetadata(disk: Disk, dir: string): Promise<PartitionMetadataRead> {
  let fd: number;
  try {
    fd = disk.openSync(path.join(dir, PARTITION_METADATA_FILE), 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return { kind: 'absent' };
    throw err;
  }
  let bytes: Buffer;
  try {
    bytes = await disk.read(fd, FILE_BYTES_MAX + 1, 0);
  } finally {
    disk.closeSync(fd);
  }
  if (bytes.length > FILE_BYTES_MAX) return { kind: 'damaged', reason: `longer than ${FILE_BYTES_MAX} bytes` };
  const parsed = parsePartitionMetadata(bytes.toString('utf8'));
  return 'topicId' in parsed ? { kind: 'ok', topicId: parsed.topicId } : { kind: 'damaged', reason: parsed.reason };
}

/** Writes the file durably (temp file, fsync, rename, fsync of the directory). */
export function writePartitionMetadata(disk: Disk, dir: string, topicId: string): Promise<void> {
  return replaceFile(disk, path.join(dir, PARTITION_METADATA_FILE), formatPartitionMetadata(topicId), true);
}
