// One Kafka API as the registry holds it: its key, name, and the request and response schemas
// (written in common's schema language) that the codec walks for every version.
import type { MessageSchema } from '../../common/index.js';

export interface ApiSchema {
  readonly apiKey: number;
  readonly name: string;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}
