// Long form posts (a bulk import): once sent, the button is disabled so a second click does not
// send the file again, and the form's [data-busy-message] tells the person to wait.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) return;
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  form.setAttribute("aria-busy", "true");
  for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
  const message = form.querySelector("[data-busy-message]");
  if (message) message.hidden = false;
});
// Coming back with the browser's Back button shows the form ready again.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-busy]")) {
    delete form.dataset.sent;
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = false;
    const message = form.querySelector("[data-busy-message]");
    if (message) message.hidden = true;
  }
});
