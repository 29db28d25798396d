// Focus stays where people can find it: on the error summary after a refused send, and never on
// the page's body while an answer loads (a screen reader would start again from the top, a
// keyboard user from the first link). A static file: the site's CSP allows no inline script.
(() => {
  "use strict";

  // Long form posts (a bulk import): once sent, a second click does not send the file again,
  // and the form's [data-busy-message] tells the person to wait. The buttons are marked
  // aria-disabled rather than disabled: a disabled button that has the focus drops it.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) return;
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    form.setAttribute("aria-busy", "true");
    for (const button of form.querySelectorAll("button[type=submit]")) {
      button.setAttribute("aria-disabled", "true");
    }
    const message = form.querySelector("[data-busy-message]");
    if (message) message.hidden = false;
  });

  // Coming back with the browser's Back button shows the form ready again.
  window.addEventListener("pageshow", () => {
    for (const form of document.querySelectorAll("form[data-busy]")) {
      delete form.dataset.sent;
      form.removeAttribute("aria-busy");
      for (const button of form.querySelectorAll("button[type=submit]")) {
        button.removeAttribute("aria-disabled");
      }
      const message = form.querySelector("[data-busy-message]");
      if (message) message.hidden = true;
    }
  });

  function hold(region) {
    if (!region.hasAttribute("tabindex")) region.setAttribute("tabindex", "-1");
    region.setAttribute("aria-busy", "true");
    region.focus({ preventScroll: true });
  }

  // htmx: hx-disabled-elt disables the focused button right after this event; the focus goes
  // to the region the answer will fill instead (lookup/result.js then moves it to the answer).
  let before = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const elt = event.target;
    const region = event.detail && event.detail.target;
    before = document.activeElement;
    if (!(elt instanceof Element) || !(region instanceof HTMLElement)) return;
    if (before && before !== document.body && elt.closest("[hx-disabled-elt]") && elt.contains(before)) {
      hold(region);
    }
  });

  function sameOrReplacement(element) {
    if (!(element instanceof HTMLElement)) return null;
    if (element.isConnected) return element;
    return element.id ? document.getElementById(element.id) : null;
  }

  function settle(event) {
    const region = event.detail && event.detail.target;
    if (region instanceof HTMLElement) region.removeAttribute("aria-busy");
    const active = document.activeElement;
    if (active && active !== document.body) return;
    // The swap took the focused element away: its replacement, or the region, takes the focus.
    const next = sameOrReplacement(before) || sameOrReplacement(region);
    if (next) {
      if (next.tabIndex < 0 && !next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
      next.focus({ preventScroll: true });
    }
  }
  document.addEventListener("htmx:afterSettle", settle);
  document.addEventListener("htmx:afterRequest", (event) => {
    if (!event.detail || !event.detail.successful) settle(event);
  });

  // A refused send: the summary at the top takes the focus (autofocus does it without script,
  // but not when the page is restored from the back-forward cache).
  function focusSummary() {
    const summary = document.querySelector("[data-error-summary]");
    if (summary && (document.activeElement === document.body || !document.activeElement)) {
      summary.focus();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
