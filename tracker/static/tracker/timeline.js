// The timeline page: reads /api/v1/events/ (200 a page, following `next`) with the filters in
// the page's URL, draws the events on an SVG time axis and lists them; a click (or Enter on an
// event's title) shows the event's evidence: its sources, and its claims, reports told from
// statements, with their status and the curators' notes. Plain JavaScript, no libraries, no
// build step.
"use strict";

(function () {
  const FILTERS = ["actor", "tag", "date_from", "date_to", "claim_kind"];
  const DAY = 86400000;
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const SVG = "http://www.w3.org/2000/svg";

  const api = document.body.dataset.eventsApi;
  const form = document.getElementById("filters");
  const $ = (id) => document.getElementById(id);
  let shown = { events: [], window: null, selected: null };
  let loading = 0;
  let loaded = null; // the filters (as a query string) of the events shown

  // ---------------------------------------------------------------- dates (UTC days)

  function day(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return Date.UTC(y, m - 1, d);
  }

  // The first and last day a filter value (YYYY, YYYY-MM or YYYY-MM-DD) covers, as the API reads it.
  function bounds(value) {
    const parts = value.split("-").map(Number);
    if (parts.length === 1) return [Date.UTC(parts[0], 0, 1), Date.UTC(parts[0], 11, 31)];
    if (parts.length === 2) return [Date.UTC(parts[0], parts[1] - 1, 1), Date.UTC(parts[0], parts[1], 0)];
    const one = Date.UTC(parts[0], parts[1] - 1, parts[2]);
    return [one, one];
  }

  function label(ms, precision) {
    const d = new Date(ms);
    if (precision === "year") return String(d.getUTCFullYear());
    if (precision === "month") return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
    return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  }

  // "13 Jul 2022", "Jul 2022", "2022", "1990–1999", with "about" / "perhaps" for ~ and ?.
  function when(event) {
    const first = label(day(event.date_start), event.date_precision);
    const last = label(day(event.date_end), event.date_precision);
    let text = event.date_start === event.date_end || first === last ? first : `${first}–${last}`;
    if (/[~%]/.test(event.date)) text = `about ${text}`;
    else if (/\?/.test(event.date)) text = `perhaps ${text}`;
    return text;
  }

  // ---------------------------------------------------------------- the URL and the API

  function filtersFromURL() {
    const params = new URLSearchParams(window.location.search);
    const chosen = {};
    for (const name of FILTERS) chosen[name] = (params.get(name) || "").trim();
    chosen.event = params.get("event") || "";
    return chosen;
  }

  function query(chosen, extra) {
    const params = new URLSearchParams(extra || {});
    for (const name of FILTERS) if (chosen[name]) params.set(name, chosen[name]);
    return params.toString();
  }

  async function fetchAll(chosen) {
    let url = `${api}?${query(chosen, { page_size: "200" })}`;
    const events = [];
    while (url) {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) throw body;
      events.push(...body.results);
      url = body.next;
    }
    return events;
  }

  async function load() {
    const chosen = filtersFromURL();
    syncForm(chosen);
    const ticket = ++loading;
    loaded = query(chosen);
    $("summary").textContent = "Loading events…";
    $("errors").hidden = true;
    $("csv-link").href = `${api}?${query(chosen, { format: "csv" })}`;
    let events, features;
    try {
      [events, features] = await Promise.all([fetchAll(chosen), fetchPlaces(chosen)]);
    } catch (error) {
      if (ticket === loading) showError(error);
      return;
    }
    if (ticket !== loading) return; // a later request has superseded this one
    const from = chosen.date_from ? bounds(chosen.date_from)[0] : null;
    const to = chosen.date_to ? bounds(chosen.date_to)[1] : null;
    shown = { events, window: from !== null || to !== null ? { from, to } : null, selected: null };
    render();
    drawPlaces(features);
    select(chosen.event && events.some((e) => e.slug === chosen.event) ? chosen.event : null, false);
    document.body.dataset.state = "ready";
  }

  function showError(error) {
    const box = $("errors");
    box.replaceChildren();
    const messages = error && error.errors ? Object.entries(error.errors) : [];
    if (!messages.length) messages.push(["", [error && error.detail ? error.detail : "The events could not be loaded."]]);
    for (const [field, texts] of messages) {
      for (const text of texts) {
        const line = el("p", {}, field ? `${fieldName(field)}: ${text}` : text);
        box.append(line);
      }
    }
    box.hidden = false;
    shown = { events: [], window: null, selected: null };
    render();
    drawPlaces([]);
    select(null, false);
    $("summary").textContent = "No events shown: the filters need correcting.";
    document.body.dataset.state = "error";
  }

  function fieldName(field) {
    return { date_from: "From", date_to: "To", actor: "Actor", tag: "Tag", claim_kind: "Claims" }[field] || field;
  }

  function syncForm(chosen) {
    for (const name of FILTERS) form.elements[name].value = chosen[name];
  }

  // ---------------------------------------------------------------- rendering

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("data-") || key.startsWith("aria-") || key === "role") node.setAttribute(key, value);
      else node[key] = value;
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    node.append(...children);
    return node;
  }

  // Inside: every day the event may mean lies in the window. Beyond: it overlaps the window
  // (that is why the API returned it) but is dated too coarsely to say it falls inside.
  function isInside(event) {
    const w = shown.window;
    if (!w) return true;
    return (w.from === null || day(event.date_start) >= w.from) && (w.to === null || day(event.date_end) <= w.to);
  }

  function render() {
    const inside = shown.events.filter(isInside);
    const beyond = shown.events.filter((event) => !isInside(event));
    $("events-inside").replaceChildren(...inside.map(card));
    $("events-beyond").replaceChildren(...beyond.map(card));
    $("beyond").hidden = beyond.length === 0;
    const claims = new Set(shown.events.flatMap((event) => event.claims.map((c) => c.id))).size;
    let text = `${count(shown.events.length, "event")} with ${count(claims, "claim")}`;
    if (shown.window) text += `: ${inside.length} in the window, ${beyond.length} that may fall in it`;
    if (!shown.events.length) text = "No events match these filters.";
    $("summary").textContent = text + (shown.events.length ? "." : "");
    document.querySelector(".axis-panel").hidden = !shown.events.length;
    drawAxis(inside, beyond);
  }

  function count(n, noun) {
    return `${n} ${noun}${n === 1 ? "" : "s"}`;
  }

  // "3 claims (1 report, 2 statements)", "2 claims (both reports)", "1 claim (a statement)",
  // "4 claims (all statements)", "no claims".
  function claimCount(claims) {
    if (!claims.length) return "no claims";
    const reports = claims.filter((claim) => claim.kind === "report").length;
    const statements = claims.length - reports;
    const n = claims.length;
    const one = reports ? "report" : "statement";
    let kinds = `${count(reports, "report")}, ${count(statements, "statement")}`;
    if (n === 1) kinds = `a ${one}`;
    else if (!reports || !statements) kinds = `${n === 2 ? "both" : "all"} ${one}s`;
    return `${count(n, "claim")} (${kinds})`;
  }

  // Not colour alone: a word, a symbol and a sentence say an event has no evidence yet.
  function unattestedFlag() {
    return el("p", { class: "flag unattested" },
      el("span", { class: "flag-label" }, el("span", { "aria-hidden": "true" }, "⚠ "), "Unattested"),
      " no claim quoted from a source supports this event yet");
  }

  function card(event) {
    const roles = new Map(); // one chip per actor, however many parts they played
    for (const actor of event.actors) {
      roles.set(actor.slug, { actor, roles: [...(roles.get(actor.slug)?.roles || []), actor.role] });
    }
    const actors = [...roles.values()].map(({ actor, roles: parts }) =>
      el("li", { class: `chip actor ${actor.kind}`, title: parts.join(", ") }, actor.name));
    const tags = event.tags.map((tag) => el("li", { class: "chip tag" }, `#${tag}`));
    // The title is the card's one control: a button, so Tab reaches it and Enter or Space opens
    // the event (a click anywhere else on the card does the same for a mouse).
    const open = el("button", { type: "button", class: "event-open", "aria-controls": "panel" }, event.title);
    open.addEventListener("click", (e) => { e.stopPropagation(); select(event.slug, true, true); });
    const item = el(
      "li",
      { class: `event${event.attested ? "" : " unattested"}`, "data-slug": event.slug },
      el("div", { class: "when" },
        el("span", { class: "date" }, when(event)),
        el("span", { class: `precision ${event.date_precision}` }, event.date_precision)),
      el("div", { class: "what" },
        el("h3", {}, open),
        el("p", { class: "meta" },
          [event.location, claimCount(event.claims), count(event.sources.length, "source")].filter(Boolean).join(" · ")),
        event.attested ? null : unattestedFlag(),
        event.summary ? el("p", { class: "summary-text" }, event.summary) : null,
        el("ul", { class: "chips" }, ...actors, ...tags)),
    );
    item.addEventListener("click", () => select(event.slug, true));
    item.addEventListener("mouseenter", () => highlight(event.slug, true));
    item.addEventListener("mouseleave", () => highlight(event.slug, false));
    return item;
  }

  // ---------------------------------------------------------------- the axis

  function domain(events) {
    const w = shown.window || { from: null, to: null };
    let start = w.from, end = w.to === null ? null : w.to + DAY;
    if (events.length) {
      if (start === null) start = Math.min(...events.map((e) => day(e.date_start)));
      if (end === null) end = Math.max(...events.map((e) => day(e.date_end))) + DAY;
    }
    if (start === null || end === null) return null;
    if (!shown.window) { // breathing room at both ends when the data sets the range
      const pad = Math.max((end - start) * 0.02, 3 * DAY);
      start -= pad; end += pad;
    }
    return [start, Math.max(end, start + DAY)];
  }

  function ticks(start, end) {
    const days = (end - start) / DAY;
    const out = [];
    const first = new Date(start);
    if (days > 3 * 366) {
      const years = days / 365.25;
      const step = [1, 2, 5, 10, 20, 50].find((s) => years / s <= 12) || 100;
      let y = Math.ceil(first.getUTCFullYear() / step) * step;
      for (let t = Date.UTC(y, 0, 1); t <= end; y += step, t = Date.UTC(y, 0, 1)) {
        if (t >= start) out.push([t, String(y)]);
      }
    } else if (days > 62) {
      const step = [1, 2, 3, 6].find((s) => days / 30.4 / s <= 12) || 12;
      let y = first.getUTCFullYear(), m = first.getUTCMonth();
      for (let t = Date.UTC(y, m, 1); t <= end; m += step, t = Date.UTC(y, m, 1)) {
        if (t >= start) {
          const d = new Date(t);
          out.push([t, d.getUTCMonth() === 0 || !out.length ? `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}` : MONTHS[d.getUTCMonth()]]);
        }
      }
    } else {
      const step = days > 20 ? 7 : days > 6 ? 2 : 1;
      for (let t = start; t <= end; t += step * DAY) {
        const d = new Date(t);
        out.push([t, `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`]);
      }
    }
    return out;
  }

  // Marks are labelled with their titles when that keeps the chart small (a zoomed-in window);
  // a crowded range is drawn unlabelled (titles show on hover and in the list below).
  const LABEL_CHARS = 34, CHAR_WIDTH = 6.6, MAX_LABELLED_LANES = 10;

  // Cut at a word's end, so every word shown is a word of the mark's accessible name (its title).
  function shorten(text, chars = LABEL_CHARS) {
    if (text.length <= chars) return text;
    const cut = text.slice(0, chars - 1);
    const space = cut.lastIndexOf(" ");
    return `${(space >= chars / 3 ? cut.slice(0, space) : cut).trimEnd()}…`;
  }

  function layout(events, x, start, end, labelled, bounds) {
    const [minX, maxX] = bounds;
    const marks = events.map((event) => {
      const s = Math.max(day(event.date_start), start);
      const e = Math.min(day(event.date_end) + DAY, end);
      const isDay = event.date_precision === "day" && event.date_start === event.date_end;
      const x0 = isDay ? x((s + e) / 2) - 7 : x(s);
      const x1 = isDay ? x((s + e) / 2) + 7 : Math.max(x(e), x(s) + 6);
      const mark = { event, isDay, x0, x1, text: "", side: "right", from: x0, reach: x1 };
      if (labelled) placeLabel(mark, event.title, minX, maxX);
      return mark;
    });
    marks.sort((a, b) => a.from - b.from || b.reach - a.reach);
    const lanes = [];
    for (const mark of marks) { // greedy: the first lane whose last mark ends before this one
      let i = lanes.findIndex((lastEnd) => lastEnd + 4 <= mark.from);
      if (i === -1) { i = lanes.length; lanes.push(0); }
      lanes[i] = mark.reach;
      mark.lane = i;
    }
    return { marks, lanes: lanes.length };
  }

  // A title goes inside its bar if it fits, else after the mark, else before it (near the right
  // edge), else shortened to the larger of the two rooms; never outside the chart.
  function placeLabel(mark, text, minX, maxX) {
    const width = (t) => t.length * CHAR_WIDTH;
    if (!mark.isDay && mark.x1 - mark.x0 >= width(text) + 16) { // the whole title fits in the bar
      Object.assign(mark, { text, side: "inside" });
      return;
    }
    text = shorten(text);
    if (!mark.isDay && mark.x1 - mark.x0 >= width(text) + 16) {
      Object.assign(mark, { text, side: "inside" });
      return;
    }
    const after = maxX - mark.x1 - 6, before = mark.x0 - 6 - minX;
    let side = width(text) <= after ? "right" : width(text) <= before ? "left" : null;
    if (!side) {
      side = after >= before ? "right" : "left";
      const chars = Math.floor(Math.max(after, before) / CHAR_WIDTH);
      if (chars < 8) return;
      text = shorten(text, chars);
    }
    Object.assign(mark, { text, side });
    if (side === "right") mark.reach = mark.x1 + 6 + width(text);
    else mark.from = mark.x0 - 6 - width(text);
  }

  // In a crowded chart, a mark still gets its title where that fits before the next mark of its
  // lane (or inside its bar), without adding lanes.
  function labelWhereRoom(marks, limit) {
    const byLane = new Map();
    for (const mark of marks) byLane.set(mark.lane, [...(byLane.get(mark.lane) || []), mark]);
    for (const lane of byLane.values()) {
      lane.forEach((mark, i) => {
        const title = mark.event.title;
        const text = !mark.isDay && mark.x1 - mark.x0 >= title.length * CHAR_WIDTH + 16 ? title : shorten(title);
        const next = i + 1 < lane.length ? lane[i + 1].x0 : limit;
        const room = Math.floor((next - mark.x1 - 12) / CHAR_WIDTH); // characters after the mark
        if (!mark.isDay && mark.x1 - mark.x0 >= text.length * CHAR_WIDTH + 16) {
          Object.assign(mark, { text, side: "inside" });
        } else if (room >= 12) {
          Object.assign(mark, { text: shorten(mark.event.title, room), side: "right" });
        }
      });
    }
  }

  function drawAxis(inside, beyond) {
    const host = $("axis");
    const events = [...beyond, ...inside];
    const range = domain(events);
    if (!range) { host.replaceChildren(); return; }
    const [start, end] = range;
    const width = Math.max(host.clientWidth, 320);
    const left = 16, right = 16, top = 14, lane = 24;
    const x = (t) => left + ((t - start) / (end - start)) * (width - left - right);
    let plan = layout(events, x, start, end, true, [left, width - right]);
    if (plan.lanes > MAX_LABELLED_LANES) {
      plan = layout(events, x, start, end, false, [left, width - right]);
      labelWhereRoom(plan.marks, width - right);
    }

    const height = top + Math.max(plan.lanes, 1) * lane + 34;
    const baseline = height - 28;
    const chart = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "group",
      "aria-label": `Time axis from ${label(start, "day")} to ${label(end - DAY, "day")}` });

    for (const [t, text] of ticks(start, end)) {
      const tx = x(t);
      chart.append(svg("line", { x1: tx, x2: tx, y1: top - 6, y2: baseline, class: "grid" }));
      chart.append(svg("text", { x: tx, y: baseline + 18, class: "tick", "text-anchor": "middle", "aria-hidden": "true" }, text));
    }
    chart.append(svg("line", { x1: left, x2: width - right, y1: baseline, y2: baseline, class: "baseline" }));

    for (const mark of plan.marks) {
      const { event } = mark;
      const y = top + mark.lane * lane + lane / 2;
      const classes = ["mark", event.date_precision, isInside(event) ? "" : "beyond"].join(" ").trim();
      const group = svg("g", { class: "event-mark", "data-slug": event.slug, tabindex: "0", role: "button",
        "aria-label": `${event.title} (${when(event)})` },
        svg("title", {}, `${event.title} (${when(event)})`));
      group.append(mark.isDay
        ? svg("circle", { cx: (mark.x0 + mark.x1) / 2, cy: y, r: 6, class: classes })
        : svg("rect", { x: mark.x0, y: y - 7, width: mark.x1 - mark.x0, height: 14, rx: 5, class: classes }));
      if (mark.text) {
        const at = { inside: mark.x0 + 8, right: mark.x1 + 6, left: mark.x0 - 6 }[mark.side];
        group.append(svg("text", {
          "aria-hidden": "true", x: at, y: y + 4, "text-anchor": mark.side === "left" ? "end" : "start",
          class: `mark-label${mark.side === "inside" ? " in-bar" : ""}${isInside(event) ? "" : " beyond"}`,
        }, mark.text));
      }
      // A span cut by the window's edge gets a chevron on that side.
      if (!mark.isDay && day(event.date_start) < start) group.append(chevron(mark.x0 - 2, y, -1));
      if (!mark.isDay && day(event.date_end) + DAY > end) group.append(chevron(mark.x1 + 2, y, 1));
      group.addEventListener("click", () => select(event.slug, true));
      group.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(event.slug, true, true); }
      });
      group.addEventListener("mouseenter", () => highlight(event.slug, true));
      group.addEventListener("mouseleave", () => highlight(event.slug, false));
      chart.append(group);
    }
    host.replaceChildren(chart);
    if (shown.selected) markSelected(shown.selected);
  }

  function chevron(cx, cy, direction) {
    const d = direction * 5;
    return svg("path", { d: `M${cx} ${cy - 5} L${cx + d} ${cy} L${cx} ${cy + 5}`, class: "chevron" });
  }

  function highlight(slug, on) {
    for (const node of document.querySelectorAll(`[data-slug="${CSS.escape(slug)}"]`)) {
      node.classList.toggle("hover", on);
    }
  }

  function markSelected(slug) {
    for (const node of document.querySelectorAll("[data-slug]")) {
      node.classList.toggle("selected", node.getAttribute("data-slug") === slug);
    }
  }

  // ---------------------------------------------------------------- the map

  // The places of the events shown, from ?format=geojson with the same filters: one marker per
  // place (its events grouped in its popup), the events without a place counted, and the same
  // places as a list beside the map for readers who do not use it. Leaflet (vendor/, served by
  // this site) draws it; tiles only when MAP_TILE_URL names them, else a plain background, so
  // the page fetches nothing from anywhere else.
  let map = null, markers = null;

  async function fetchPlaces(chosen) {
    const url = `${api}?${query(chosen, { format: "geojson" })}`;
    const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
    const body = await response.json();
    if (!response.ok) throw body;
    return body.features;
  }

  // [{place, events: [properties...]}] by the number of events, then the place's name.
  function byPlace(features) {
    const places = new Map();
    for (const feature of features) {
      if (!feature.geometry) continue;
      const place = feature.properties.place;
      const [longitude, latitude] = feature.geometry.coordinates;
      const key = place.slug || `${longitude},${latitude}`;
      if (!places.has(key)) places.set(key, { place, latitude, longitude, events: [] });
      places.get(key).events.push(feature.properties);
    }
    return [...places.values()].sort((a, b) => b.events.length - a.events.length || a.place.name.localeCompare(b.place.name));
  }

  // A link to the event on this page: it opens the event's evidence in the panel.
  function eventLink(properties) {
    const params = new URLSearchParams(window.location.search);
    params.set("event", properties.slug);
    const link = el("a", { class: "place-event", href: `?${params}`, "data-event": properties.slug }, properties.title);
    link.addEventListener("click", (e) => {
      e.preventDefault();
      if (map) map.closePopup();
      select(properties.slug, true, true);
    });
    return link;
  }

  function placeEvents(group) {
    return el("ul", { class: "place-events" }, ...group.events.map((p) => el("li", {}, eventLink(p))));
  }

  function drawPlaces(features) {
    const section = $("places");
    const groups = byPlace(features);
    const unplaced = features.filter((feature) => !feature.geometry).length;
    section.hidden = !features.length;
    const parts = [`${count(groups.length, "place")}`];
    if (unplaced) parts.push(`${unplaced} ${unplaced === 1 ? "event has" : "events have"} no place`);
    $("places-summary").textContent = `${parts.join("; ")}.`;
    $("places-list").replaceChildren(...groups.map((group) => el(
      "li", { class: "place", "data-place": group.place.slug },
      el("span", { class: "place-name" }, group.place.name),
      ` · ${count(group.events.length, "event")}`,
      placeEvents(group),
    )));
    const host = $("map");
    host.hidden = !groups.length || typeof window.L === "undefined";
    if (host.hidden) return;
    if (!map) map = createMap(host);
    else map.invalidateSize();
    placed = groups;
    const bounds = L.latLngBounds(groups.map((g) => [g.latitude, g.longitude]));
    map.fitBounds(bounds, { paddingTopLeft: [52, 30], paddingBottomRight: [30, 30], maxZoom: 6, animate: false });
    drawMarkers();
  }

  // One marker per place; places too close to tell apart at this zoom (a country's point and its
  // capital) share one, so every marker is a target of its own (WCAG 2.2 target size). Redrawn
  // at every zoom.
  const APART = 32; // pixels between markers' centres
  let placed = [];

  function drawMarkers() {
    markers.clearLayers();
    const clusters = [];
    for (const group of placed) { // busiest first, so a cluster sits on its busiest place
      const point = map.latLngToContainerPoint([group.latitude, group.longitude]);
      const near = clusters.find((cluster) => cluster.point.distanceTo(point) < APART);
      if (near) near.groups.push(group);
      else clusters.push({ point, groups: [group] });
    }
    for (const cluster of clusters) markers.addLayer(placeMarker(cluster.groups));
  }

  function placeMarker(groups) {
    const [anchor] = groups;
    const events = groups.reduce((n, group) => n + group.events.length, 0);
    const name = `${groups.map((group) => group.place.name).join(", ")}: ${count(events, "event")}`;
    const marker = L.marker([anchor.latitude, anchor.longitude], {
      icon: L.divIcon({ className: "place-marker", html: `<span>${events}</span>`, iconSize: [28, 28] }),
      title: name, keyboard: true, riseOnHover: true,
    });
    marker.bindPopup(() => el("div", { class: "place-popup" }, ...groups.flatMap((group) => [
      el("p", { class: "place-name" }, `${group.place.name}: ${count(group.events.length, "event")}`),
      placeEvents(group),
    ])));
    // Its icon exists once the marker is on the map: named then, for screen readers and tests.
    marker.on("add", () => {
      const icon = marker.getElement();
      icon.setAttribute("aria-label", `${name} (opens their list)`);
      icon.setAttribute("data-place", groups.map((group) => group.place.slug).join(" "));
    });
    // Enter on a focused marker opens its popup; the reader moves into it, to the first event.
    marker.on("popupopen", (e) => {
      const first = e.popup.getElement().querySelector("a.place-event");
      if (first) first.focus({ preventScroll: true });
    });
    return marker;
  }

  function createMap(host) {
    const tiles = document.body.dataset.mapTiles;
    const created = L.map(host, {
      minZoom: 1, maxZoom: 12, zoomSnap: 0.5, scrollWheelZoom: false, attributionControl: Boolean(tiles),
      fadeAnimation: false, // a popup is read at once, at full contrast
      worldCopyJump: false,
    });
    if (tiles) {
      L.tileLayer(tiles, { attribution: document.body.dataset.mapAttribution || "" }).addTo(created);
    } else {
      host.classList.add("plain");
    }
    markers = L.layerGroup().addTo(created);
    created.on("zoomend", () => { if (placed.length) drawMarkers(); });
    return created;
  }

  // ---------------------------------------------------------------- the evidence panel

  const PLACEHOLDER = "Select an event to read its evidence: the sources that report it, and its "
    + "claims with their quotes, who made them and where they were reported.";

  // `focus`: the choice came from a key or the title's button, so the reader moves with it to
  // the panel (its heading), and "Back to the event" returns them to where they were.
  function select(slug, remember, focus) {
    shown.selected = slug;
    markSelected(slug);
    const event = shown.events.find((e) => e.slug === slug);
    const panel = $("panel");
    if (!event) {
      panel.replaceChildren(el("p", { class: "placeholder" }, PLACEHOLDER));
      return;
    }
    if (remember) {
      const params = new URLSearchParams(window.location.search);
      params.set("event", slug);
      history.replaceState(null, "", `?${params}`);
    }
    const people = event.actors.map((a) => `${a.name} (${a.role})`).join(", ");
    const heading = el("h2", { tabIndex: -1 }, event.title);
    const back = el("a", { class: "back", href: "#events-title" }, "Back to the event in the list");
    back.addEventListener("click", (e) => {
      e.preventDefault();
      const card = document.querySelector(`li.event[data-slug="${CSS.escape(slug)}"] .event-open`);
      if (card) card.focus();
    });
    panel.replaceChildren(
      el("p", { class: "panel-when" }, [when(event), event.location].filter(Boolean).join(" · ")),
      heading,
      event.summary ? el("p", { class: "panel-summary" }, event.summary) : null,
      people ? el("p", { class: "panel-people" }, el("strong", {}, "Who: "), people) : null,
      evidence(event),
      el("h3", { class: "claims-title" }, event.claims.length ? count(event.claims.length, "claim") : "No claims recorded about this event"),
      ...event.claims.map(claimCard),
      back,
    );
    if (focus) heading.focus();
  }

  // Where the event is reported: its sources (from its claims), or a warning that it has none.
  function evidence(event) {
    const title = el("h3", { class: "sources-title" }, event.sources.length ? `Reported in ${count(event.sources.length, "source")}` : "Sources");
    if (!event.attested) {
      return el("section", { class: "evidence", "aria-label": "Evidence" }, title,
        el("p", { class: "flag unattested", role: "note" },
          el("span", { class: "flag-label" }, el("span", { "aria-hidden": "true" }, "⚠ "), "Unattested"),
          " No claim quoted from a source supports this event yet: the record does not say who reports it."),
        event.sources.length ? sourceList(event.sources) : null);
    }
    return el("section", { class: "evidence", "aria-label": "Evidence" }, title, sourceList(event.sources));
  }

  function sourceList(sources) {
    return el("ul", { class: "sources" }, ...sources.map((source) => el(
      "li", { class: "source-item", "data-source": source.slug },
      documentLink(source),
      el("span", { class: "source-meta" },
        [source.publisher, `published ${source.published}`, `${count(source.claims, "claim")} about this event`]
          .filter(Boolean).join(" · ")),
    )));
  }

  function documentLink(source) {
    if (!source.url) return el("span", { class: "source-title" }, source.title);
    return el("a", { class: "source-title", href: source.url, rel: "noopener noreferrer", target: "_blank" },
      source.title, el("span", { class: "visually-hidden" }, " (opens in a new tab)"));
  }

  const KINDS = { report: "Report", statement: "Statement" };
  const STATUS_MARKS = { refuted: "✗ ", disputed: "⚠ ", corroborated: "✓ " };

  function claimCard(claim) {
    const source = claim.source;
    const published = [source.publisher, `published ${source.published}`].filter(Boolean).join(", ");
    const kind = claim.kind === "report" ? "report" : "statement";
    return el(
      "article",
      { class: `claim ${kind} ${claim.status}`, "data-claim": claim.slug, "data-kind": kind },
      // "Report · TASS", "Statement · Alexander Matsegora": the kind in words, then who.
      el("p", { class: "claim-head" },
        el("span", { class: `kind ${kind}` }, KINDS[kind]),
        el("span", { class: "kind-sep", "aria-hidden": "true" }, " · "),
        el("span", { class: "visually-hidden" }, " by "),
        el("strong", { class: "claimant-name" }, claim.claimant.name),
        " ",
        el("span", { class: `status ${claim.status}` },
          el("span", { "aria-hidden": "true" }, STATUS_MARKS[claim.status] || ""), claim.status)),
      claim.quote
        ? el("blockquote", { class: "quote" }, `“${claim.quote}”`)
        : el("p", { class: "quote paraphrase" }, claim.text),
      claim.quote ? el("p", { class: "claim-text" }, claim.text) : null,
      el("p", { class: "claimant" },
        `${claim.claimant.kind} · ${kind === "report" ? "reported" : "said"} ${claim.stated}`),
      el("p", { class: "source" }, "Source: ", documentLink(source), ` — ${published}`),
      claim.notes ? notes(claim) : null,
    );
  }

  // The curators' reasoning; open from the start where it explains a disputed or refuted claim.
  function notes(claim) {
    const open = claim.status === "refuted" || claim.status === "disputed";
    return el("details", { class: "notes", open },
      el("summary", {}, open ? `Why ${claim.status}: curator's notes` : "Curator's notes"),
      el("p", {}, claim.notes));
  }

  // ---------------------------------------------------------------- wiring

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const chosen = {};
    for (const name of FILTERS) chosen[name] = form.elements[name].value.trim();
    history.pushState(null, "", `?${query(chosen)}`);
    load();
  });
  for (const name of ["actor", "tag", "claim_kind"]) {
    form.elements[name].addEventListener("change", () => form.requestSubmit());
  }
  // Back and forward reload when the filters differ; a jump to an anchor (the skip link) keeps
  // the page, and the reader's place in it, as they are.
  window.addEventListener("popstate", () => { if (query(filtersFromURL()) !== loaded) load(); });
  let resizing;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => drawAxis(shown.events.filter(isInside), shown.events.filter((e) => !isInside(e))), 150);
  });
  load();
})();
