/**
 * The partition key a producer would use for a raw payload: its car, vehicle or user id, else a
 * fallback (the line number), so one vehicle's records stay in order on one shard.
 */
export function partitionKeyOf(payload: string, fallback: string): string {
  const match = /"(?:car_id|vehicle_id|user_id)"\s*:\s*"?([^",}\s]{1,64})/.exec(payload.slice(0, 4096));
  return match?.[1] ?? fallback;
}
