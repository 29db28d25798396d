// The answer is where the eyes are: after a check, the verdict is scrolled into view and focus
// moves to its heading, so a screen reader reads it out and a phone user sees it without
// scrolling past the box. A static file: the site's CSP allows no inline script.
(() => {
  "use strict";

  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  function showResult(container) {
    const heading = container && container.querySelector("h2");
    if (!heading) return;
    if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
    const card = heading.closest("article, section") || heading;
    heading.focus({ preventScroll: true });
    card.scrollIntoView({ block: "start", behavior: reduceMotion.matches ? "auto" : "smooth" });
  }

  // htmx swapped a new answer in.
  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail && event.detail.target;
    if (target instanceof HTMLElement && target.hasAttribute("data-result")) showResult(target);
  });

  // A whole page with an answer (the form posted without htmx, or a ?q= link).
  function onLoad() {
    const container = document.querySelector("[data-result]");
    if (container && container.querySelector("[data-testid=verdict], [data-testid=analysis]")) {
      showResult(container);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onLoad);
  } else {
    onLoad();
  }
})();
