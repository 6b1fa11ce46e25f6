// Shows the signed-in person's unread notices in the page header's "Notices" link. A file, not an
// inline script: the pages' Content-Security-Policy forbids those. The count comes from the notices
// pages (same site, the session cookie goes with it); if it cannot be had, the link stays as it is.
(function () {
  var link = document.querySelector("a[data-unread-url]");
  if (!link || !window.fetch) { return; }
  fetch(link.dataset.unreadUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (body) {
      if (!body || typeof body.unread !== "number") { return; }
      var badge = link.querySelector("[data-unread]");
      badge.textContent = body.unread > 0 ? " (" + body.unread + ")" : "";
      link.setAttribute("aria-label", "Notices, " + (body.unread === 1 ? "1 unread" : body.unread + " unread"));
    })
    .catch(function () {});
}());
