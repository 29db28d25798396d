// A drill's landing page. It tells the platform two things and nothing else: that a person
// opened the page (the beacon: a mail scanner that runs no script never sends it), and that
// the form was sent. What anyone types stays in this page: the form is stopped before it is
// sent, and the request carries no body.
(function () {
  "use strict";
  var body = document.body;
  var beacon = body.getAttribute("data-beacon");
  var submitted = body.getAttribute("data-submitted");

  function post(url) {
    return fetch(url, { method: "POST", credentials: "omit", cache: "no-store", redirect: "manual" });
  }

  post(beacon).catch(function () {});

  function clearFields(form) {
    var fields = form.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      fields[i].value = "";
      fields[i].removeAttribute("name");
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "drill-submitted") return;
    event.preventDefault();
    clearFields(form);
    // The empty form: a POST with no fields, then the server's answer is the teaching page.
    document.getElementById("drill-submitted").submit();
  }, true);

  // Fields keep no name, so even a form sent some other way carries nothing.
  var forms = document.querySelectorAll("main form");
  for (var i = 0; i < forms.length; i++) {
    forms[i].setAttribute("action", submitted);
    forms[i].setAttribute("method", "post");
    var fields = forms[i].querySelectorAll("[name]");
    for (var j = 0; j < fields.length; j++) fields[j].removeAttribute("name");
  }
})();
