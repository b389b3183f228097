// The embeddable timeline: TimelineJS reads the events from the API URL the page names in
// data-source; its fonts stay local (no web-font service).
"use strict";

(function () {
  var container = document.getElementById("timeline-embed");
  if (!window.TL) {
    container.textContent = "TimelineJS is not installed on this server (make install).";
    return;
  }
  window.timeline = new TL.Timeline(container, container.dataset.source, {
    font: null,
    language: "en",
    hash_bookmark: false,
    initial_zoom: 2
  });
})();
