// Database ids are UUIDs: anything else from a URL or form is "not found" before it reaches a uuid column
// (where PostgreSQL would answer with an error, not an empty result).
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => uuidPattern.test(value);
