// The part every decoded struct shares: tagged fields this broker does not know. The codec keeps
// them so a value read from a flexible version writes back byte for byte.

export interface UnknownTaggedField {
  tag: number;
  data: Buffer;
}

export interface TaggedStruct {
  unknownTaggedFields?: UnknownTaggedField[];
}
