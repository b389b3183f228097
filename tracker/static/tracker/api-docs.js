// The API docs page (Swagger UI): its operation groups (<h3>) and its "Schemas" (<h4>) follow the
// page's <h1> directly; mark them as level 2 for assistive technology (heading order), as
// Swagger UI renders or re-renders them.
"use strict";

(function () {
  const relevel = () => {
    for (const heading of document.querySelectorAll("#swagger-ui h3.opblock-tag:not([aria-level]), #swagger-ui section.models > h4:not([aria-level])")) {
      heading.setAttribute("aria-level", "2");
    }
  };
  new MutationObserver(relevel).observe(document.getElementById("swagger-ui"), { childList: true, subtree: true });
  relevel();
})();
