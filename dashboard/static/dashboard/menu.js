// The header's menu button for narrow screens (app.css hides the menu behind it there).
// The button starts hidden, so without this script the menu simply stays open.
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle");
  if (!button) return;
  function open() { return button.getAttribute("aria-expanded") === "true"; }
  function set(value) { button.setAttribute("aria-expanded", value ? "true" : "false"); }
  button.hidden = false;
  button.addEventListener("click", function () { set(!open()); });
  // Escape closes it and gives the focus back to the button, as a disclosure should.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !open()) return;
    set(false);
    button.focus();
  });
})();
