// Unit picker (orgs/widgets.py): without this script the box is a plain <input list> with a
// <datalist>, which browsers filter by exact letters. With it, the box becomes a combobox whose
// list folds Vietnamese diacritics ("phu" finds "Phú"), is used with the arrow keys, Enter and
// Escape, and says how many units match in a polite live region.
(() => {
  const MAX_SHOWN = 60; // a longer list helps no one on a phone; typing narrows it
  const fold = (text) =>
    text
      .toLowerCase()
      .replace(/đ/g, "d")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/\s+/g, " ")
      .trim();
  const lang = document.documentElement.lang || "vi";
  const words =
    lang.startsWith("en")
      ? {
          none: "No unit matches.",
          some: (n) => `${n} results.`,
          picked: (l) => `Chosen: ${l}.`,
          listName: "Matching units",
        }
      : {
          none: "Không có đơn vị nào khớp.",
          some: (n) => `${n} kết quả.`,
          picked: (l) => `Đã chọn: ${l}.`,
          listName: "Các đơn vị khớp với chữ đã gõ",
        };

  // The box and its list. `items`: [{label, value}]; `onPick(item)` after a line is chosen.
  function combobox(input, items, status, onPick) {
    for (const item of items) item.key = fold(item.label);
    const listbox = document.createElement("ul");
    listbox.id = `${input.id}_listbox`;
    listbox.className = "unit-picker-list";
    listbox.setAttribute("role", "listbox");
    // Its own name, not the box's label: the label names the box, one field for everyone.
    listbox.setAttribute("aria-label", words.listName);
    listbox.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    (status || input).after(listbox);
    let shown = [];
    let active = -1;

    function say(text) {
      if (status) status.textContent = text;
    }
    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function setActive(index) {
      const options = listbox.children;
      if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
      active = index;
      if (active < 0 || !options[active]) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }
    function render(all) {
      const terms = fold(input.value).split(" ").filter(Boolean);
      const matches = items.filter((item) => terms.every((w) => item.key.includes(w)));
      if (!terms.length && !all) {
        close();
        say("");
        return;
      }
      shown = matches.slice(0, MAX_SHOWN);
      listbox.replaceChildren(
        ...shown.map((item, i) => {
          const li = document.createElement("li");
          li.id = `${listbox.id}_${i}`;
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", "false");
          li.textContent = item.label;
          return li;
        }),
      );
      active = -1;
      listbox.hidden = shown.length === 0;
      input.setAttribute("aria-expanded", String(shown.length > 0));
      say(matches.length ? words.some(matches.length) : words.none);
    }
    function pick(index) {
      const item = shown[index];
      if (!item) return;
      input.value = item.label;
      close();
      say(words.picked(item.label));
      onPick(item);
    }

    input.addEventListener("input", () => render(false));
    input.addEventListener("keydown", (event) => {
      const open = !listbox.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) render(true);
        else setActive(Math.min(active + 1, shown.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) setActive(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault(); // choose the line; do not send the form yet
        pick(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    // mousedown would take the focus from the box and close the list before the click lands
    listbox.addEventListener("mousedown", (event) => event.preventDefault());
    listbox.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) pick(Array.prototype.indexOf.call(listbox.children, option));
    });
    input.addEventListener("blur", close);
  }

  // <input list> (orgs/widgets.py): the text typed is what the form sends.
  function enhanceInput(input) {
    const datalist = input.list;
    if (!datalist) return;
    const items = Array.from(datalist.options, (o) => ({ label: o.value, value: o.value }));
    input.removeAttribute("list"); // one list only: ours
    const status = document.getElementById(input.dataset.status);
    combobox(input, items, status, () => input.dispatchEvent(new Event("change", { bubbles: true })));
  }

  // <select data-unit-picker> (a staff filter): a box takes the select's label and place; the
  // select, hidden, still holds what the form sends ("" for its first, empty option).
  function enhanceSelect(select) {
    const options = Array.from(select.options);
    const items = options.filter((o) => o.value).map((o) => ({ label: o.text, value: o.value }));
    const input = document.createElement("input");
    input.type = "text";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.id = select.id;
    select.id = `${select.id}_select`;
    input.value = select.value ? select.selectedOptions[0].text : "";
    const status = document.createElement("p");
    status.id = `${input.id}_status`;
    status.className = "unit-picker-status muted";
    status.setAttribute("role", "status");
    select.after(input, status);
    select.hidden = true;
    combobox(input, items, status, (item) => {
      select.value = item.value;
    });
    input.addEventListener("change", () => {
      const typed = fold(input.value);
      const match = items.find((item) => item.key === typed);
      select.value = match ? match.value : typed ? select.value : "";
    });
  }

  function enhanceAll(root) {
    for (const element of root.querySelectorAll("[data-unit-picker]")) {
      if (element.dataset.enhanced) continue;
      element.dataset.enhanced = "1";
      if (element instanceof HTMLSelectElement) enhanceSelect(element);
      else enhanceInput(element);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => enhanceAll(document));
  } else {
    enhanceAll(document);
  }
  // Forms swapped in by htmx get their pickers too.
  document.addEventListener("htmx:afterSwap", (event) => enhanceAll(event.target));
})();
