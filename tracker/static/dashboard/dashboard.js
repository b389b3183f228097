// The dashboard at /dashboard/: six charts, each drawn with Vega-Lite from one stats request,
// with the filters kept in the page's URL. The libraries come from vendor/vega-bundle.js (built
// from their npm packages by `make install`); expressions run through vega-interpreter, so no
// code is generated at run time and a Content-Security-Policy needs no 'unsafe-eval'.
"use strict";

(function () {
  const endpoints = JSON.parse(document.getElementById("dashboard-endpoints").textContent);
  const form = document.getElementById("filters");
  const errorsBox = document.getElementById("errors");
  const FILTERS = ["actor", "tag", "date_from", "date_to", "bucket"];
  const STATUSES = ["unverified", "corroborated", "disputed", "refuted"];
  const LABELS = {
    actor: "Actor", claimant: "Actor", tag: "Tag", date_from: "From", stated_from: "From",
    date_to: "To", stated_to: "To", bucket: "Per", by: "Per",
  };
  const COLORS = {
    events: "#0f766e", claims: "#b45309",
    unverified: "#64748b", corroborated: "#15803d", disputed: "#c2410c", refuted: "#b91c1c",
    statement: "#1d4ed8", report: "#7e22ce",
  };
  const views = {};
  let generation = 0;

  function url(base, params) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== "") query.set(name, value);
    }
    const text = query.toString();
    return text ? `${base}?${text}` : base;
  }

  function withFormat(address, format) {
    return address + (address.includes("?") ? "&" : "?") + `format=${format}`;
  }

  // A bar's period narrowed by the chosen window: clicking July 2022 under "from 2022-07-15"
  // opens 2022-07-15 to 2022-07-31, not the whole month.
  function windowOf(period, chosen) {
    const from = chosen.date_from && chosen.date_from.startsWith(period) ? chosen.date_from : period;
    const to = chosen.date_to && chosen.date_to.startsWith(period) ? chosen.date_to : period;
    return { from, to };
  }

  function claimsUrl(chosen, extra) {
    return url(endpoints.claimList, {
      claimant: chosen.actor, stated_from: chosen.date_from, stated_to: chosen.date_to, ...extra,
    });
  }

  // Each chart: the request it draws from, how its rows become bars ({label, measure, count,
  // href}), how the bars are laid out, and what an empty answer means.
  const CHARTS = {
    timeline: {
      request: (f) => url(endpoints.timeline, {
        bucket: f.bucket, actor: f.actor, tag: f.tag, date_from: f.date_from, date_to: f.date_to,
      }),
      bars: (rows, f) => rows.flatMap((row) => {
        const w = windowOf(row.period, f);
        const href = url(endpoints.timelinePage, {
          actor: f.actor, tag: f.tag, date_from: w.from, date_to: w.to,
        });
        return ["events", "claims"].map((measure) => ({
          label: row.period, measure, count: row[measure], href,
        }));
      }),
      layout: "time-grouped", category: "Period", measures: ["events", "claims"],
      empty: "No events match these filters.",
    },
    status: {
      request: (f) => url(endpoints.claims, {
        by: f.bucket, claimant: f.actor, stated_from: f.date_from, stated_to: f.date_to,
      }),
      bars: (rows, f) => rows.flatMap((row) => {
        const w = windowOf(row.period, f);
        return STATUSES.map((status) => ({
          label: row.period, measure: status, count: row[status],
          href: claimsUrl(f, { stated_from: w.from, stated_to: w.to, status }),
        }));
      }),
      layout: "time-stacked", category: "Period", measures: STATUSES,
      empty: "No claims match these filters.",
    },
    kind: {
      request: (f) => url(endpoints.claims, {
        by: "kind", claimant: f.actor, stated_from: f.date_from, stated_to: f.date_to,
      }),
      bars: (rows, f) => rows.map((row) => ({
        label: row.kind, measure: row.kind, count: row.claims, href: claimsUrl(f, { kind: row.kind }),
      })),
      layout: "ranking", category: "Kind", measures: ["statement", "report"],
      empty: "No claims match these filters.",
    },
    actors: {
      request: () => url(endpoints.actors, { limit: 15 }),
      bars: (rows) => rows.flatMap((row) => [
        { label: row.name, measure: "events", count: row.events,
          href: url(endpoints.timelinePage, { actor: row.actor }) },
        { label: row.name, measure: "claims", count: row.claims,
          href: url(endpoints.claimList, { claimant: row.actor }) },
      ]),
      layout: "ranking-grouped", category: "Actor", measures: ["events", "claims"],
      empty: "No actor takes part in an event or makes a claim yet.",
    },
    sources: {
      request: () => url(endpoints.sources, { by: "source", limit: 15 }),
      bars: (rows) => rows.map((row) => ({
        label: row.title, measure: "claims", count: row.claims,
        href: url(endpoints.claimList, { source: row.source }),
      })),
      layout: "ranking", category: "Source", measures: ["claims"],
      empty: "No sources yet.",
    },
    publishers: {
      request: () => url(endpoints.sources, { by: "publisher", limit: 15 }),
      bars: (rows) => rows.map((row) => ({
        label: row.name || "(no publisher)", measure: "claims", count: row.claims,
        href: row.publisher ? url(endpoints.sourceList, { publisher: row.publisher }) : null,
      })),
      layout: "ranking", category: "Publisher", measures: ["claims"],
      empty: "No sources yet.",
    },
  };

  function spec(chart, title, bars) {
    const color = {
      field: "measure", type: "nominal", title: null,
      scale: { domain: chart.measures, range: chart.measures.map((m) => COLORS[m]) },
      legend: chart.measures.length > 1 ? { orient: "top", direction: "horizontal" } : null,
    };
    const count = { field: "count", type: "quantitative", title: null, axis: { tickMinStep: 1 } };
    const tooltip = [
      { field: "label", title: chart.category },
      { field: "measure", title: "Counting" },
      { field: "count", title: "Number" },
    ];
    const base = {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      description: title,
      data: { values: bars },
      mark: { type: "bar", cursor: "pointer", tooltip: true },
      config: { font: "system-ui, sans-serif", axis: { labelFontSize: 12 }, view: { stroke: null } },
    };
    if (chart.layout.startsWith("time")) {
      const periods = new Set(bars.map((bar) => bar.label)).size;
      return {
        ...base, width: "container", height: 240, autosize: { type: "fit-x", contains: "padding" },
        encoding: {
          x: {
            field: "label", type: "ordinal", sort: null, title: null,
            axis: { labelAngle: periods > 12 ? -90 : 0, labelOverlap: true },
          },
          y: { ...count, stack: chart.layout === "time-stacked" ? "zero" : null },
          ...(chart.layout === "time-grouped" ? { xOffset: { field: "measure", sort: chart.measures } } : {}),
          color, tooltip, description: { field: "description" },
          ...(chart.layout === "time-stacked" ? { order: { field: "order" } } : {}),
        },
      };
    }
    const labels = new Set(bars.map((bar) => bar.label)).size;
    const grouped = chart.layout === "ranking-grouped";
    return {
      ...base, width: "container", height: labels * (grouped ? 34 : 22),
      autosize: { type: "fit-x", contains: "padding" },
      encoding: {
        y: { field: "label", type: "nominal", sort: null, title: null, axis: { labelLimit: 280 } },
        x: count,
        ...(grouped ? { yOffset: { field: "measure", sort: chart.measures } } : {}),
        color, tooltip, description: { field: "description" },
      },
    };
  }

  function table(chart, bars) {
    const rows = new Map();
    for (const bar of bars) {
      if (!rows.has(bar.label)) rows.set(bar.label, {});
      rows.get(bar.label)[bar.measure] = bar;
    }
    const measures = chart.measures.filter((m) => bars.some((bar) => bar.measure === m));
    const element = document.createElement("table");
    const head = element.createTHead().insertRow();
    for (const name of [chart.category, ...measures]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = name;
      head.appendChild(th);
    }
    const body = element.createTBody();
    for (const [label, cells] of rows) {
      const tr = body.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = label;
      tr.appendChild(th);
      for (const measure of measures) {
        const td = tr.insertCell();
        const bar = cells[measure];
        if (!bar) continue;
        if (bar.href) {
          const link = document.createElement("a");
          link.href = bar.href;
          link.textContent = String(bar.count);
          link.setAttribute("aria-label", `${label}, ${bar.count} ${measure}: open them`);
          td.appendChild(link);
        } else {
          td.textContent = String(bar.count);
        }
      }
    }
    return element;
  }

  function describe(errors) {
    if (!errors) return "";
    return Object.entries(errors)
      .map(([name, messages]) => `${LABELS[name] || name}: ${[].concat(messages).join(" ")}`)
      .join(" ");
  }

  async function draw(section, chosen, run) {
    const id = section.dataset.chart;
    const chart = CHARTS[id];
    const title = section.querySelector("h2").textContent;
    const status = section.querySelector(".status");
    const plot = section.querySelector(".plot");
    const numbers = section.querySelector(".numbers .table");
    const address = chart.request(chosen);
    section.querySelector("a.json").href = address;
    section.querySelector("a.csv").href = withFormat(address, "csv");
    section.dataset.state = "loading";
    section.dataset.url = address;
    status.hidden = false;
    status.textContent = "Loading…";

    let rows;
    try {
      const response = await fetch(address, { headers: { Accept: "application/json" } });
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        const error = new Error(describe(body && body.errors) || (body && body.detail) || `The server answered ${response.status}.`);
        error.api = true;
        throw error;
      }
      rows = body;
    } catch (error) {
      if (run !== generation) return null;
      if (views[id]) views[id].finalize();
      delete views[id];
      plot.replaceChildren();
      numbers.replaceChildren();
      section.dataset.state = "error";
      status.textContent = error.api
        ? `This chart could not be drawn. ${error.message}`
        : "This chart could not be loaded: the server did not answer. Try again in a moment.";
      return error.api ? error.message : status.textContent;
    }
    if (run !== generation) return null;

    const bars = chart.bars(rows, chosen);
    if (views[id]) views[id].finalize();
    delete views[id];
    plot.replaceChildren();
    numbers.replaceChildren();
    if (!bars.some((bar) => bar.count > 0)) {
      section.dataset.state = "empty";
      status.textContent = chart.empty;
      return null;
    }
    for (const bar of bars) {
      bar.order = chart.measures.indexOf(bar.measure);
      bar.description = `${bar.label}: ${bar.count} ${bar.measure}`;
    }
    if (!window.vegaEmbed) {
      section.dataset.state = "error";
      status.textContent = "The charting library is missing from this server (`make install` builds it); the data links below still work.";
      return status.textContent;
    }
    const result = await window.vegaEmbed(plot, spec(chart, title, bars), {
      renderer: "svg", actions: false, tooltip: false, defaultStyle: false,
      ast: true, expr: window.vegaExpressionInterpreter,
    });
    if (run !== generation) {
      result.finalize();
      return null;
    }
    views[id] = result.view;
    result.view.addEventListener("click", (event, item) => {
      if (item && item.datum && item.datum.href) window.location.assign(item.datum.href);
    });
    numbers.appendChild(table(chart, bars));
    status.textContent = "";
    status.hidden = true;
    section.dataset.state = "ready";
    return null;
  }

  function chosenFromForm() {
    const data = new FormData(form);
    const chosen = {};
    for (const name of FILTERS) chosen[name] = (data.get(name) || "").trim();
    if (chosen.bucket !== "month") chosen.bucket = "year";
    return chosen;
  }

  function formFromUrl() {
    const params = new URLSearchParams(window.location.search);
    for (const name of FILTERS) {
      const field = form.elements.namedItem(name);
      if (field) field.value = params.get(name) || (name === "bucket" ? "year" : "");
    }
  }

  async function drawAll() {
    const run = ++generation;
    const chosen = chosenFromForm();
    document.body.dataset.state = "loading";
    const sections = Array.from(document.querySelectorAll("section.chart"));
    const problems = await Promise.all(sections.map((section) => draw(section, chosen, run)));
    if (run !== generation) return;
    const problem = problems.find((message) => message);
    errorsBox.hidden = !problem;
    errorsBox.textContent = problem || "";
    document.body.dataset.state = "ready";
  }

  function apply() {
    const chosen = chosenFromForm();
    const address = url(window.location.pathname, chosen.bucket === "year" ? { ...chosen, bucket: "" } : chosen);
    if (address !== window.location.pathname + window.location.search) {
      window.history.pushState(null, "", address);
    }
    drawAll();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  for (const select of form.querySelectorAll("select")) select.addEventListener("change", apply);
  window.addEventListener("popstate", () => {
    formFromUrl();
    drawAll();
  });
  drawAll();
})();
