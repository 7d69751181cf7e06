// Company fields on the ordering page: progressive enhancement only.
// A lookup answer replaces the company fields; anything the person typed into
// them while the answer was on its way is put back, so a late answer never
// overwrites it. (Values typed before the request left are kept by the server.)
(function () {
  "use strict";

  var typedMeanwhile = null;

  function companyFields(event) {
    var target = event.detail && event.detail.target;
    return target && target.id === "company-fields" ? target : null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var fields = companyFields(event);
    var config = event.detail.requestConfig;
    if (!fields || !config || !config.formData) return;
    typedMeanwhile = {};
    fields.querySelectorAll("input:not([type=hidden])").forEach(function (input) {
      var sent = config.formData.get(input.name);
      if (sent !== null && input.value !== sent) typedMeanwhile[input.name] = input.value;
    });
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var fields = companyFields(event);
    if (!fields || !typedMeanwhile) return;
    Object.keys(typedMeanwhile).forEach(function (name) {
      var input = fields.querySelector('input[name="' + name + '"]');
      if (input) input.value = typedMeanwhile[name];
    });
    typedMeanwhile = null;
  });
})();
