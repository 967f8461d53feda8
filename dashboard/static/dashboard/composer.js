// The composer's two small conveniences; the form works without them.
// "Schedule at this time" (a suggested time) fills the date and switches to scheduling, and
// picking a date does the same. Either fires "change", so the previews and the submit
// button's label ask the server again.
(function () {
  "use strict";
  function schedule(form, value) {
    if (value !== undefined) form.elements.schedule_at.value = value;
    var radio = form.querySelector("input[name=when][value=schedule]");
    if (radio) radio.checked = true;
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-use-time]");
    var form = document.getElementById("compose");
    if (button && form) schedule(form, button.dataset.useTime);
  });
  document.addEventListener("input", function (event) {
    var form = document.getElementById("compose");
    if (form && event.target === form.elements.schedule_at && event.target.value) schedule(form);
  });
})();
