// On a phone the stylesheet shows each table row as a stacked block; this labels each cell with its
// column's heading (data-label, which the stylesheet shows before the value). A file, not an inline
// script: the pages' Content-Security-Policy forbids those. Without script the table still reads.
(function () {
  document.querySelectorAll("table").forEach(function (table) {
    var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!headings.length) { return; }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (!cell.hasAttribute("data-label") && headings[index]) { cell.setAttribute("data-label", headings[index]); }
      });
    });
  });
}());
