// Shows and wires the fridge plan's print button; without JavaScript the browser's own print works.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
