// /docs: starts Swagger UI (vendored swagger-ui-dist, reads OpenAPI 3.1) on the description named by the page.
// A file of its own, not an inline script: the page works under a content security policy without inline code.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the default sends the description to validator.swagger.io
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
