// The calendar's two actions; every post still links to its page, where the same can be
// done without a mouse (edit or reschedule).
// - Clicking a day's empty space opens the composer for that day (its "+" link).
// - Dragging a scheduled post to another day reschedules it there at the same time, through
//   the post's move endpoint; a refusal (it started publishing, the day has passed) puts it
//   back where it was and says why.
(function () {
  "use strict";
  var dragged = null;

  function cellOf(element) {
    return element && element.closest ? element.closest("[data-day]") : null;
  }

  function say(text, failed) {
    var status = document.getElementById("calendar-status");
    if (!status) return;
    status.textContent = text || status.dataset.failed;
    status.classList.toggle("error", Boolean(failed));
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("a, button, input, summary")) return;
    var cell = cellOf(event.target);
    var link = cell && cell.querySelector("a.day-compose");
    if (link) window.location.href = link.href;
  });

  document.addEventListener("dragstart", function (event) {
    var post = event.target.closest ? event.target.closest("[data-move]") : null;
    if (!post) return;
    dragged = { post: post, parent: post.parentNode, next: post.nextSibling };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", post.dataset.post);
  });

  document.addEventListener("dragend", function () {
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    if (dragged && cellOf(event.target)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  });

  document.addEventListener("drop", function (event) {
    var cell = dragged && cellOf(event.target);
    if (!cell) return;
    event.preventDefault();
    var move = dragged;
    dragged = null;
    if (cellOf(move.parent) === cell) return;
    var post = move.post;
    cell.appendChild(post);
    post.setAttribute("aria-busy", "true");
    var body = new FormData();
    body.append("day", cell.dataset.day);
    function snapBack(message) {
      move.parent.insertBefore(post, move.next);
      say(message, true);
    }
    fetch(post.dataset.move, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        return response.json().then(
          function (answer) { return { ok: response.ok && answer.ok, answer: answer }; },
          function () { return { ok: false, answer: {} }; }
        );
      })
      .then(function (result) {
        if (result.ok) say(result.answer.message, false);
        else snapBack(result.answer.message);
      })
      .catch(function () { snapBack(); })
      .then(function () { post.removeAttribute("aria-busy"); });
  });
})();
