// An Observable Framework dashboard of the tracker, built from its API alone (`make dashboard`).
// It builds offline: charts import Plot and d3 from node_modules (not `npm:`, which Framework
// fetches from a CDN), CSV is parsed with d3 rather than FileAttachment.csv() (which imports
// `npm:d3-dsv`), and the default theme's web font is left out.
export default {
  root: "src",
  output: process.env.OBSERVABLE_OUTPUT || "dist",
  title: "Timeline & claims tracker",
  theme: "air",
  globalStylesheets: [],
  pager: false,
  sidebar: false,
  search: false,
  head: `<link rel="icon" href="data:,">`,
  footer: "Drawn from the tracker's stats and list endpoints (CSV and JSON) at build time.",
};
