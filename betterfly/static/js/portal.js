// The stand-in portal fits its iframe to the height the app reports.
window.addEventListener("message", function (event) {
  var frame = document.getElementById("betterfly-frame");
  if (!frame || event.source !== frame.contentWindow) return;
  if (event.data && event.data.type === "betterfly:height") {
    frame.style.height = event.data.height + "px";
  }
});
