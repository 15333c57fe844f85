import L from 'leaflet';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { AlertItem } from '../dashboard-messages.js';
import type { Subject } from './model.js';
import { colorFor, ruleColor } from './palette.js';

/** Alert markers drawn at most (the newest that pass the rule filter). */
const ALERT_MARKERS = 300;

const KIND_NAMES = { car: 'Car', vehicle: 'Vehicle', user: 'Geolife user' } as const;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function describe(subject: Subject): string {
  const speed = subject.speed === null ? '' : `<br>${subject.speed.toFixed(1)} km/h`;
  const label = subject.label ? `<br>${escapeHtml(subject.label)}` : '';
  return `<b>${KIND_NAMES[subject.kind]} ${escapeHtml(subject.id)}</b>${label}${speed}<br><span class="muted">${new Date(subject.ts).toISOString().replace('T', ' ').slice(0, 19)} UTC</span>`;
}

/**
 * The fleet map: Leaflet with no tile server. The basemap is Natural Earth's country outlines
 * (the world-atlas package, served by the dashboard) drawn on a canvas; subjects and their trails
 * are SVG paths with classes (`subject-marker`, `trail`); alerts are dots on a canvas of their own
 * (the map's `data-alert-markers` says how many).
 */
export class MapView {
  readonly map: L.Map;
  private readonly markers = new Map<string, { marker: L.CircleMarker; trail: L.Polyline }>();
  private readonly alertLayer = L.layerGroup();
  private readonly alertMarkers = new Map<number, L.CircleMarker>();
  /** Alerts come by the hundred: one canvas for them all, not an SVG element each. */
  private readonly alertRenderer: L.Canvas;
  /** Subjects are few, and each an SVG path of its own (`path.subject-marker`) that a test can count. */
  private readonly subjectRenderer: L.SVG;
  private fitted = false;

  constructor(element: HTMLElement) {
    this.map = L.map(element, { zoomSnap: 0.25, worldCopyJump: false, minZoom: 2 }).setView([30, 10], 2);
    this.map.attributionControl.setPrefix(false).addAttribution('Outlines: Natural Earth (world-atlas)');
    // Trails (overlay pane, 400) under alerts under subjects.
    this.map.createPane('alerts').style.zIndex = '430';
    this.map.createPane('subjects').style.zIndex = '460';
    this.alertRenderer = L.canvas({ pane: 'alerts', padding: 0.2 });
    this.subjectRenderer = L.svg({ pane: 'subjects' });
    this.alertLayer.addTo(this.map);
    const fit = L.Control.extend({
      onAdd: () => {
        const button = L.DomUtil.create('button', 'map-fit');
        button.type = 'button';
        button.title = 'Show every vehicle';
        button.textContent = 'Fit';
        L.DomEvent.on(button, 'click', (event) => {
          L.DomEvent.stop(event);
          this.fitToSubjects();
        });
        return button;
      },
    });
    new fit({ position: 'topleft' }).addTo(this.map);
  }

  /** Draws the country outlines (fetched once; the map works without them too). */
  async loadBasemap(url: string): Promise<void> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`basemap: HTTP ${response.status}`);
    const world = (await response.json()) as Topology<{ countries: GeometryCollection }>;
    // GeoJSON hands its options to each polygon: thousands of outlines go on one canvas, not in the DOM.
    const options: L.GeoJSONOptions & L.PathOptions = {
      renderer: L.canvas({ padding: 0.1 }),
      interactive: false,
      style: { color: '#9aa7b4', weight: 0.7, fillColor: '#f3f0e8', fillOpacity: 1 },
    };
    L.geoJSON(feature(world, world.objects.countries), options).addTo(this.map).bringToBack();
  }

  /** Moves the markers and extends the trails; removes subjects the state no longer has. */
  updateSubjects(subjects: ReadonlyMap<string, Subject>): void {
    for (const [key, drawn] of this.markers) {
      if (!subjects.has(key)) {
        drawn.marker.remove();
        drawn.trail.remove();
        this.markers.delete(key);
      }
    }
    for (const subject of subjects.values()) {
      const fill = colorFor(subject.kind === 'car' ? subject.color : subject.id);
      const path: L.LatLngExpression[] = [];
      for (let i = 0; i < subject.trail.length; i += 3) path.push([subject.trail[i + 1]!, subject.trail[i + 2]!]);
      path.push([subject.lat, subject.lon]);
      let drawn = this.markers.get(subject.key);
      if (!drawn) {
        const trail = L.polyline(path, {
          className: 'trail',
          color: fill,
          weight: 2.5,
          opacity: 0.75,
          interactive: false,
        });
        const marker = L.circleMarker([subject.lat, subject.lon], {
          renderer: this.subjectRenderer,
          className: `subject-marker subject-${subject.kind}`,
          radius: 7,
          color: '#1b1f24',
          weight: 1.5,
          fillColor: fill,
          fillOpacity: 1,
        }).bindTooltip('', { direction: 'top', offset: [0, -6] });
        // Trails under markers, markers under alerts.
        trail.addTo(this.map);
        marker.addTo(this.map);
        drawn = { marker, trail };
        this.markers.set(subject.key, drawn);
      } else {
        drawn.trail.setLatLngs(path);
        drawn.marker.setLatLng([subject.lat, subject.lon]);
      }
      drawn.marker.setTooltipContent(describe(subject));
      drawn.marker.getElement()?.setAttribute('data-subject', subject.key);
    }
    if (!this.fitted && subjects.size > 0) {
      this.fitted = true;
      this.fitToSubjects();
    }
  }

  /**
   * Adds the markers of new alerts (oldest first) that pass the filter and drops the oldest past
   * ALERT_MARKERS; with `redraw`, starts over from `alerts` (a new filter, a snapshot).
   */
  updateAlerts(alerts: readonly AlertItem[], shown: (rule: string) => boolean, redraw: boolean): void {
    if (redraw) {
      this.alertLayer.clearLayers();
      this.alertMarkers.clear();
    }
    const from = Math.max(0, alerts.length - ALERT_MARKERS);
    for (let i = from; i < alerts.length; i++) {
      const alert = alerts[i]!;
      if (alert.lat === null || alert.lon === null || !shown(alert.rule) || this.alertMarkers.has(alert.seq)) continue;
      const marker = L.circleMarker([alert.lat, alert.lon], {
        renderer: this.alertRenderer,
        radius: 4.5,
        color: '#ffffff',
        weight: 1.5,
        fillColor: ruleColor(alert.rule),
        fillOpacity: 1,
      }).bindTooltip(
        `<b>${escapeHtml(alert.rule)}</b> · ${escapeHtml(alert.subjectId)}<br><span class="muted">${new Date(alert.ts).toISOString().replace('T', ' ').slice(0, 19)} UTC</span>`,
      );
      marker.addTo(this.alertLayer);
      this.alertMarkers.set(alert.seq, marker);
    }
    // Map order is insertion order, and alerts come oldest first: the first entries are the oldest.
    for (const [seq, marker] of this.alertMarkers) {
      if (this.alertMarkers.size <= ALERT_MARKERS) break;
      this.alertLayer.removeLayer(marker);
      this.alertMarkers.delete(seq);
    }
    this.map.getContainer().dataset.alertMarkers = String(this.alertMarkers.size);
  }

  /** Centres the map on one alert (a click in the feed). */
  focus(lat: number, lon: number): void {
    this.map.setView([lat, lon], Math.max(this.map.getZoom(), 10));
  }

  /** Zooms to show every subject (and its trail). */
  fitToSubjects(): void {
    const bounds = L.latLngBounds([]);
    for (const { marker, trail } of this.markers.values()) {
      bounds.extend(marker.getLatLng());
      bounds.extend(trail.getBounds());
    }
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 });
  }
}
