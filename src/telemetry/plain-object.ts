/**
 * A constructor of plain objects: `init` assigns the fields, and what `new` returns has
 * Object.prototype as its prototype and the fields in `init`'s order, as the literal it replaces
 * would. For objects that live for one batch (records, events, alerts, a batch's counts).
 *
 * Why not a literal: V8 tracks each literal as an allocation site and, once a young collection
 * finds nearly all of a site's objects alive, allocates the site's later objects in the old
 * generation for the rest of the run ("pretenuring"). A batch's objects are all alive when a
 * collection runs during the batch, and once tenured, each dead batch's old objects kept their
 * strings alive until the next full collection: in 3 of 8 1M-event runs the aggregate worker spent
 * 1.0 s instead of 0.25 s in GC (`scripts/cpu-by-thread.sh`: 2.8-3.0 instead of 1.9-2.0 CPU-s). A
 * constructor's objects are not pretenured that way. `init` must be a `function`, not an arrow.
 *
 * @example
 *   const Point = plainConstructor(function (this: GeoPoint, lat: number, lon: number) { this.lat = lat; this.lon = lon; });
 *   new Point(51.5, -0.1) // { lat: 51.5, lon: -0.1 }
 */
export function plainConstructor<T extends object, A extends unknown[]>(
  init: (this: T, ...args: A) => void,
): new (
  ...args: A
) => T {
  init.prototype = Object.prototype;
  return init as unknown as new (
    ...args: A
  ) => T;
}
