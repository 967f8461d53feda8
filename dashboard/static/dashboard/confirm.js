// Destructive actions ask first (dashboard/confirm.py). A form with data-confirm opens a
// <dialog> with the question; confirming sends the form with confirmed=yes. Without this
// script the same form leads to a confirmation page instead, so nothing happens unasked.
(function () {
  "use strict";
  var dialog;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-question");
    dialog.innerHTML =
      '<form method="dialog"><p id="confirm-dialog-question"></p>' +
      '<p class="consequence"></p>' +
      '<button value="yes" class="danger"></button> <button value="no" autofocus></button></form>';
    document.body.appendChild(dialog);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.confirm || form.elements.confirmed) return;
    if (typeof HTMLDialogElement === "undefined") return; // the page asks instead
    event.preventDefault();
    if (!dialog) build();
    dialog.querySelector("p").textContent = form.dataset.confirm;
    dialog.querySelector(".consequence").textContent = form.dataset.confirmConsequence || "";
    dialog.querySelector("button[value=yes]").textContent = form.dataset.confirmAction;
    dialog.querySelector("button[value=no]").textContent = form.dataset.confirmBack;
    dialog.onclose = function () {
      if (dialog.returnValue !== "yes") return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "confirmed";
      input.value = "yes";
      form.appendChild(input);
      form.submit();
    };
    dialog.returnValue = "";
    dialog.showModal();
  });
})();
