// Table captions outside the scrolling box: a table wider than the text column scrolls
// sideways inside its container, and a <caption> inside the table would scroll with it,
// centred on the table's whole width and cut off at both sides. Each numbered caption is shown
// once more above the container, wrapped to the text column (class "table-caption-shown");
// the <caption> itself stays in the table for screen readers and search, visually hidden.
document.addEventListener("DOMContentLoaded", () => {
  for (const caption of document.querySelectorAll("article table > caption")) {
    const table = caption.parentElement;
    const box = table.closest(".pst-scrollable-table-container, .table-wrapper") || table;
    const shown = document.createElement("div");
    shown.className = "table-caption-shown";
    shown.setAttribute("aria-hidden", "true");
    shown.innerHTML = caption.innerHTML;
    for (const a of shown.querySelectorAll("[id]")) a.removeAttribute("id");
    box.parentElement.insertBefore(shown, box);
    caption.classList.add("caption-moved");
  }
});
