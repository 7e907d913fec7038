/** The Cache Storage cache that keeps a database's model on the device (with consent). */
export function modelCacheName(dbName: string): string {
  return `pocketrank:${dbName}:model`;
}
