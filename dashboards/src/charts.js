// The charting libraries of /dashboard/, bundled into one static file (no CDN, no import map):
// Vega-Lite compiles each chart, Vega draws it, and vega-interpreter evaluates its expressions
// without `eval`/`new Function`, so the page runs under a Content-Security-Policy without
// 'unsafe-eval'.
import embed from "vega-embed";
import { expressionInterpreter } from "vega-interpreter";

window.vegaEmbed = embed;
window.vegaExpressionInterpreter = expressionInterpreter;
